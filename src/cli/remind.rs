//! `chiso remind`: the month's reminder and alert mails, each sent once (or
//! written as .eml files with --dry-run). In cluster mode a sending run must
//! hold the lease like the scheduler's: it joins the election and sends only
//! if it leads (no `chiso serve` holds the lease), fenced like the job.

use std::path::PathBuf;
use std::process::ExitCode;

use std::time::Duration;

use chiso::app::App;
use chiso::domain::Month;
use chiso::lease::{self, Leadership, Lease};
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
    if backend.is_dry_run() || !app.settings.coordination.is_cluster() {
        let report = notify::remind(app, month, today, &backend).await?;
        println!("{report}");
        return Ok(super::exit_code(report.all_succeeded()));
    }
    let lease = Lease::from_settings(&app.settings.coordination, &lease::instance_name());
    let result = lead_then_remind(app, &lease, month, today, &backend).await;
    lease.resign().await;
    let report = result?;
    println!("{report}");
    Ok(super::exit_code(report.all_succeeded()))
}

/// Waits (at most twice the session timeout) to see whether this process
/// leads; reminds only then.
async fn lead_then_remind(
    app: &App,
    lease: &Lease,
    month: Month,
    today: chrono::NaiveDate,
    backend: &Backend,
) -> anyhow::Result<notify::RemindReport> {
    let wait = Duration::from_secs(app.settings.coordination.session_timeout_secs * 2);
    let mut leadership = lease.subscribe();
    let settled = tokio::time::timeout(
        wait,
        leadership.wait_for(|l| matches!(l, Leadership::Leader { .. } | Leadership::Follower)),
    )
    .await
    .is_ok_and(|r| r.is_ok());
    let now = lease.leadership();
    match (settled, now.leads()) {
        (true, true) => Ok(notify::remind_leading(app, lease, month, today, backend).await?),
        _ => anyhow::bail!(
            "cluster mode: this process does not hold the lease ({}); the leading `chiso serve` \
             sends the mails (its remind job), or run this once no instance holds the lease",
            now.role()
        ),
    }
}
