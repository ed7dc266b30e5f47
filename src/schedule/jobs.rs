//! The job functions the scheduler calls. Collect and compute: the previous
//! and the current month of the due instant, one line of outcome.

use std::sync::Arc;

use super::{CronSchedule, Job, JobContext, JobName};
use crate::app::App;
use crate::collect::{Collector, Report};
use crate::compute::publish::Written;
use crate::domain::Month;
use crate::lease::Lease;
use crate::store::Outcome;

/// Upload previews never confirmed are dropped after this many days (the
/// collect job does it): a unit re-sends a file it left unconfirmed.
pub const PREVIEWS_KEPT_DAYS: i64 = 7;

/// The months a collect run covers: the previous and the current month of its
/// due instant in the schedule's zone, so late corrections to last month land too.
pub fn collect_months(ctx: &JobContext) -> [Month; 2] {
    let current = ctx.month();
    [current.prev(), current]
}

/// The collect job, ready for the scheduler.
pub fn collect_job(collector: Arc<Collector>, schedule: CronSchedule) -> Job {
    Job::new(JobName::Collect, schedule, move |ctx| {
        let collector = collector.clone();
        async move {
            let collected = collect_recent(&collector, collect_months(&ctx)).await;
            let before = chrono::Utc::now() - chrono::Duration::days(PREVIEWS_KEPT_DAYS);
            let pruned = collector.store.prune_previews(before).await?;
            let pruned = match pruned {
                0 => String::new(),
                n => format!("; {n} upload previews older than {PREVIEWS_KEPT_DAYS} days dropped"),
            };
            collected
                .map(|line| line + &pruned)
                .map_err(|e| anyhow::anyhow!("{e}{pruned}"))
        }
    })
    .covering(|ctx| {
        let [first, last] = collect_months(ctx);
        format!("{first}..{last}")
    })
}

/// Collects each month for every unit valid in it. Fails, with the same
/// summary, when any unit-month failed, so the run shows up as failed.
pub async fn collect_recent(collector: &Collector, months: [Month; 2]) -> anyhow::Result<String> {
    let mut lines = Vec::new();
    let mut all_ok = true;
    let mut runs = Vec::new();
    for month in months {
        runs.push((month, collector.units_for(month, None)?));
    }
    let reports = collector.collect_months(&runs, false).await;
    for ((month, _), report) in runs.iter().zip(reports) {
        all_ok &= report.all_succeeded();
        lines.push(month_line(*month, &report));
    }
    let summary = lines.join("; ");
    match all_ok {
        true => Ok(summary),
        false => Err(anyhow::anyhow!(summary)),
    }
}

/// `2026-10: 83 of 85 units collected (80 stored, 3 unchanged), 2 by file; failed: 01 (failed), 79 (rejected)`
fn month_line(month: Month, report: &Report) -> String {
    let mut line = format!(
        "{month}: {} of {} units collected ({} stored, {} unchanged)",
        report.succeeded(),
        report.results.len(),
        report.count(Outcome::Stored),
        report.count(Outcome::Unchanged),
    );
    if !report.skipped.is_empty() {
        line.push_str(&format!(", {} by file", report.skipped.len()));
    }
    let failed: Vec<String> = report
        .failed()
        .map(|r| format!("{} ({})", r.unit, r.outcome.as_str()))
        .collect();
    if !failed.is_empty() {
        line.push_str(&format!(", failed: {}", failed.join(", ")));
    }
    line
}

/// The compute job: every period the collected months feed (each month, its
/// quarter, year and year to date), stored only where the results changed.
/// Its scheduled runs wait for a collect still running, so they compute whole months.
pub fn compute_job(app: Arc<App>, schedule: CronSchedule) -> Job {
    Job::new(JobName::Compute, schedule, move |ctx| {
        let app = app.clone();
        async move { compute_recent(&app, collect_months(&ctx)).await }
    })
    .after(JobName::Collect)
    .covering(|ctx| {
        let [first, last] = collect_months(ctx);
        format!("{first}..{last}")
    })
}

/// `14 periods: 3 stored, 11 unchanged`.
pub async fn compute_recent(app: &App, months: [Month; 2]) -> anyhow::Result<String> {
    let computed = app.computer().compute_months(&months).await?;
    let stored = computed
        .iter()
        .filter(|c| c.written == Written::Stored)
        .count();
    Ok(format!(
        "{} periods: {stored} stored, {} unchanged",
        computed.len(),
        computed.len() - stored
    ))
}

/// The remind job: the previous month's reminder and alert mails, each sent
/// once (the ledger in `notify` decides what is due on the run's day). The
/// run fails while mails are left to retry, so the scheduler retries it.
pub fn remind_job(app: Arc<App>, schedule: CronSchedule) -> Job {
    let lease = Lease::single(&crate::lease::instance_name());
    remind_job_leading(app, lease, schedule)
}

/// `remind_job` under `lease`: in cluster mode each ledger write is granted
/// by ZooKeeper first, so a deposed leader's run cannot move a key again.
pub fn remind_job_leading(app: Arc<App>, lease: Lease, schedule: CronSchedule) -> Job {
    Job::new(JobName::Remind, schedule, move |ctx| {
        let app = app.clone();
        let lease = lease.clone();
        async move {
            let today = ctx.local().date_naive();
            let month = crate::notify::month_to_remind(today);
            let backend =
                crate::notify::Backend::smtp(&app.alerts.smtp, |k| std::env::var(k).ok())?;
            let report =
                crate::notify::remind_leading(&app, &lease, month, today, &backend).await?;
            let line = report.to_string().lines().collect::<Vec<_>>().join("; ");
            // Mails waiting out their backoff fail the run, so the scheduler's
            // retry sends them today rather than at next month's slot.
            match report.all_succeeded() && report.waiting == 0 {
                true => Ok(line),
                false => Err(anyhow::anyhow!(line)),
            }
        }
    })
    .covering(|ctx| crate::notify::month_to_remind(ctx.local().date_naive()).to_string())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::collect::UnitResult;
    use crate::domain::UnitCode;

    #[test]
    fn a_run_on_new_years_night_covers_december_and_january() {
        let ctx = JobContext {
            job: JobName::Collect,
            run_id: String::new(),
            // 02:00 on 1 January 2026 in Hanoi.
            scheduled_for: chrono::Utc
                .with_ymd_and_hms(2025, 12, 31, 19, 0, 0)
                .unwrap(),
            zone: chrono_tz::Asia::Ho_Chi_Minh,
            trigger: super::super::Trigger::Schedule,
        };
        let [a, b] = collect_months(&ctx);
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("2025-12".into(), "2026-01".into())
        );
    }

    #[test]
    fn the_month_line_names_failed_units() {
        let month: Month = "2026-10".parse().unwrap();
        let result = |code: &str, outcome| UnitResult {
            outcome,
            ..UnitResult::new(&UnitCode::new(code), month, (0, 0))
        };
        let report = Report {
            results: vec![
                result("01", Outcome::Stored),
                result("02", Outcome::Unchanged),
                result("79", Outcome::Rejected),
            ],
            dry_run: false,
            skipped: vec![(UnitCode::new("96"), "reports by file".into())],
        };
        assert_eq!(
            month_line(month, &report),
            "2026-10: 2 of 3 units collected (1 stored, 1 unchanged), 1 by file, failed: 79 (rejected)"
        );
    }
}
