//! `chiso collect`: pull a month, or a range, from every unit's endpoint.

use std::process::ExitCode;

use chiso::app::App;
use chiso::collect::Collector;
use chiso::domain::Month;

pub async fn run(
    app: App,
    months: Vec<Month>,
    unit: Option<String>,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let collector = Collector::new(
        app.store,
        app.registry,
        app.catalogue,
        app.settings.collector,
    )?;
    let mut runs = Vec::new();
    for m in months {
        runs.push((m, collector.units_for(m, unit.as_deref())?));
    }
    let mut ok = true;
    let reports = collector.collect_months(&runs, dry_run).await;
    for ((m, _), report) in runs.iter().zip(reports) {
        println!("== {m}\n{report}");
        ok &= report.all_succeeded();
    }
    Ok(super::exit_code(ok))
}
