//! `chiso remind`: the month's reminder and alert mails, each sent once (or
//! written as .eml files with --dry-run).

use std::path::PathBuf;
use std::process::ExitCode;

use chiso::app::App;
use chiso::domain::Month;
use chiso::notify::{self, Backend};

pub async fn run(
    app: &App,
    month: Option<Month>,
    dry_run_into: Option<PathBuf>,
    today: Option<chrono::NaiveDate>,
) -> anyhow::Result<ExitCode> {
    let today = today.unwrap_or_else(|| notify::today_in(app.zone()));
    let month = month.unwrap_or_else(|| notify::month_to_remind(today));
    let backend = match dry_run_into {
        Some(dir) => Backend::files(&dir)?,
        None => Backend::smtp(&app.alerts.smtp, |k| std::env::var(k).ok())?,
    };
    let report = notify::remind(app, month, today, &backend).await?;
    println!("{report}");
    Ok(super::exit_code(report.all_succeeded()))
}
