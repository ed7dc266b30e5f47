//! `chiso report --month M --out DIR`: the national monthly progress report
//! as `report-M.html` (print-ready) and `report-M.xlsx` (its tables), from
//! the month's stored results (`chiso::report`).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chiso::app::App;
use chiso::compute::lagging::LaggingRule;
use chiso::domain::Month;
use chiso::report::{self, Standing};

pub async fn run(app: &App, month: Month, out: &Path) -> anyhow::Result<ExitCode> {
    let computer = app.computer();
    let built = report::monthly_report(
        &computer,
        (&app.settings.compute, LaggingRule::from(&app.alerts)),
        month,
    )
    .await
    .with_context(|| format!("month {month}: reading the report's results"))?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let stem = report::file_stem(month);
    let xlsx_name = format!("{stem}.xlsx");
    let html_path = out.join(format!("{stem}.html"));
    let xlsx_path = out.join(&xlsx_name);
    std::fs::write(&html_path, report::html::render(&built, &xlsx_name))
        .with_context(|| format!("writing {}", html_path.display()))?;
    let workbook = report::xlsx::render(&built)
        .with_context(|| format!("month {month}: building the workbook"))?;
    std::fs::write(&xlsx_path, workbook)
        .with_context(|| format!("writing {}", xlsx_path.display()))?;
    let standing = match built.standing {
        Standing::Published { .. } => "published",
        Standing::Provisional { .. } => "provisional",
    };
    println!(
        "month {month} ({standing}): wrote {} and {}",
        html_path.display(),
        xlsx_path.display()
    );
    Ok(ExitCode::SUCCESS)
}
