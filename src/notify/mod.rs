//! Monthly reminder and alert mails (issues 4 and 14), sent exactly once:
//! `rules` decides who gets what (`lagging` which units call for action),
//! `plan` turns it into ledger keys, `ledger` keeps one key per mail and its
//! state, `run` builds and sends, `render` fills the templates, `smtp`
//! delivers (or writes `.eml` files for a dry run), `lock` keeps runs from
//! overlapping. `remind` is the job the CLI and the scheduler call. See
//! docs/alerts.md for the rules and the exactly-once argument.

pub mod fence;
pub mod ledger;
pub mod lock;
mod plan;
pub mod plan_rule;
pub mod portal_rules;
pub mod render;
mod report;
pub mod rules;
mod run;
pub mod smtp;
pub mod views;

use std::time::Duration;

use tokio::time::Instant;

use chrono::{Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::app::App;
use crate::domain::Month;
use crate::lease::{Leadership, Lease, LeaseError};
use crate::store::{AuditEvent, AuditKind, StoreError};
use lock::LockError;
use render::RenderError;
pub use report::RemindReport;
pub use smtp::{Backend, BackendError};

/// Test hook: exit(1) right after the N-th mail of a run is recorded sent,
/// as a crash mid-batch would (tests/it/notify.rs).
pub const EXIT_AFTER_ENV: &str = "CHISO_REMIND_EXIT_AFTER";

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Render(#[from] RenderError),
    /// ZooKeeper refused a ledger write, or could not be asked (cluster mode).
    #[error(transparent)]
    Lease(#[from] LeaseError),
    #[error("{}", fence::not_leading(.0))]
    NotLeader(Leadership),
    #[error("mail {key}: ledger claim: {reason}")]
    Claim { key: String, reason: String },
}

/// Today's date where the ministry is (default zone Asia/Ho_Chi_Minh).
pub fn today_in(zone: Tz) -> NaiveDate {
    Utc::now().with_timezone(&zone).date_naive()
}

/// The month a scheduled run on `today` reminds about: the previous one,
/// whose deadline falls in this month.
pub fn month_to_remind(today: NaiveDate) -> Month {
    Month::of(today).prev()
}

/// The last day a report of `month` is on time: `deadline_day` of the next
/// month (the last day of that month if it is shorter).
pub fn deadline_of(month: Month, deadline_day: u32) -> NaiveDate {
    let next = month.next();
    let day = deadline_day.clamp(1, next.last_day().day());
    next.first_day().with_day(day).unwrap_or(next.last_day())
}

/// The reminder job: every mail due for `month` on `today`, each sent once,
/// within `schedule.remind_deadline_secs` from now (see `remind_until`), in
/// single-host mode (under the remind lock).
pub async fn remind(
    app: &App,
    month: Month,
    today: NaiveDate,
    backend: &Backend,
) -> Result<RemindReport, NotifyError> {
    remind_leading(app, &Lease::single("local"), month, today, backend).await
}

/// `remind` under `lease`: in cluster mode every ledger write is granted
/// by ZooKeeper first (`fence`), and no lock file is taken.
pub async fn remind_leading(
    app: &App,
    lease: &Lease,
    month: Month,
    today: NaiveDate,
    backend: &Backend,
) -> Result<RemindReport, NotifyError> {
    let budget = Duration::from_secs(app.settings.schedule.remind_deadline_secs);
    remind_until(app, lease, month, today, backend, Instant::now() + budget).await
}

/// `remind` with its deadline, its run recorded in the audit log (not a dry run).
pub async fn remind_until(
    app: &App,
    lease: &Lease,
    month: Month,
    today: NaiveDate,
    backend: &Backend,
    run_deadline: Instant,
) -> Result<RemindReport, NotifyError> {
    let result = run::remind_unaudited(app, lease, month, today, backend, run_deadline).await;
    if !backend.is_dry_run() {
        let detail = match &result {
            Ok(report) => report.to_string(),
            Err(e) => format!("failed: {e}"),
        };
        let event = AuditEvent::new(AuditKind::RemindRun, "", &month.to_string());
        app.store.audit_or_warn(&event.with_detail(detail)).await;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_is_the_configured_day_of_the_next_month() {
        let m: Month = "2021-06".parse().unwrap();
        assert_eq!(
            deadline_of(m, 5),
            NaiveDate::from_ymd_opt(2021, 7, 5).unwrap()
        );
        let jan: Month = "2021-01".parse().unwrap();
        assert_eq!(
            deadline_of(jan, 31),
            NaiveDate::from_ymd_opt(2021, 2, 28).unwrap()
        );
        assert_eq!(
            month_to_remind(NaiveDate::from_ymd_opt(2021, 7, 6).unwrap()),
            m
        );
    }
}
