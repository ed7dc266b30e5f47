//! Monthly reminder and alert mails (issue 4), sent exactly once: `rules`
//! decides who gets what, `ledger` keeps one key per mail and its state,
//! `render` fills the templates, `smtp` delivers (or writes `.eml` files for a
//! dry run), `lock` keeps runs from overlapping. `remind` is the job the CLI
//! and the scheduler call. See docs/alerts.md for the exactly-once argument.

pub mod fence;
pub mod ledger;
pub mod lock;
pub mod render;
pub mod rules;
pub mod smtp;
pub mod views;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::time::Duration;

use tokio::time::Instant;

use chrono::{Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::app::App;
use crate::config::Unit;
use crate::domain::{Month, Period};
use crate::lease::{Leadership, Lease, LeaseError};
use crate::store::{AuditEvent, AuditKind, LedgerRow, SendState, StoreError, Units};
use ledger::Decision;
use lock::{LockError, RunLock};
use render::{Content, RenderError, Templates};
use rules::{Facts, Intent, Policy, RuleKind};
pub use smtp::{Backend, BackendError};
use views::{Charts, MonthFacts};

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

/// What a run did, as `chiso remind` prints it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemindReport {
    pub month: String,
    pub dry_run: bool,
    /// Mails due this run (one per key).
    pub due: usize,
    /// Accepted by the server now (or written, in a dry run).
    pub sent: usize,
    pub already_sent: usize,
    /// Failed earlier, waiting for their backoff to pass.
    pub waiting: usize,
    /// Given up earlier (`chiso outbox`).
    pub given_up: usize,
    /// `key: reply` of tries that failed now, to be retried later.
    pub retry_later: Vec<String>,
    /// `key: reply` of keys given up now.
    pub failed: Vec<String>,
    /// Mails that could not be built (template, recipient): `key: message`.
    pub errors: Vec<String>,
    /// Why the run stopped before the end of its batch (server unreachable).
    pub stopped: Option<String>,
}

impl RemindReport {
    pub fn all_succeeded(&self) -> bool {
        self.retry_later.is_empty()
            && self.failed.is_empty()
            && self.errors.is_empty()
            && self.stopped.is_none()
    }
}

impl fmt::Display for RemindReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.dry_run { "written" } else { "sent" };
        for line in self
            .retry_later
            .iter()
            .map(|l| ("retry later", l))
            .chain(self.failed.iter().map(|l| ("failed", l)))
            .chain(self.errors.iter().map(|l| ("error", l)))
        {
            writeln!(f, "{}: {}", line.0, line.1)?;
        }
        if let Some(s) = &self.stopped {
            writeln!(f, "stopped: {s}")?;
        }
        write!(
            f,
            "month {}: {verb} {} of {} due; {} already sent, {} waiting to retry, {} to retry later, {} failed now, {} failed earlier",
            self.month,
            self.sent,
            self.due,
            self.already_sent,
            self.waiting,
            self.retry_later.len(),
            self.failed.len(),
            self.given_up
        )
    }
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
    let result = remind_unaudited(app, lease, month, today, backend, run_deadline).await;
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

/// The run itself: no mail is started that its SMTP bound
/// (smtp.timeout_secs, twice, leaving time to record the outcome) could carry
/// past `run_deadline`; the rest stays pending for the next run. Holds the remind
/// lock for the whole run in single-host mode (not in a dry run, which reads
/// the ledger but writes nothing); in cluster mode the lease's claims stand
/// for it. One mail's failure never stops the batch, except an unreachable
/// or silent server: then the rest stays pending for the next run.
async fn remind_unaudited(
    app: &App,
    lease: &Lease,
    month: Month,
    today: NaiveDate,
    backend: &Backend,
    run_deadline: Instant,
) -> Result<RemindReport, NotifyError> {
    let dry_run = backend.is_dry_run();
    let _lock = if dry_run || lease.is_cluster() {
        None
    } else {
        Some(RunLock::acquire(&app.alerts.lock_file)?)
    };
    let mut writer = fence::LedgerWriter::new(&app.store, lease);
    let period = month.to_string();
    let computer = app.computer();
    let published = computer.published_or_live(Period::Month(month)).await?;
    let reported: BTreeSet<String> = app
        .store
        .first_stored((month, month), Units::All)
        .await?
        .into_iter()
        .map(|f| f.unit_code)
        .collect();
    let rejections = app.store.rejection_counts(month).await?;
    let units: Vec<&Unit> = app.registry.valid_in(month).collect();
    let deadline = deadline_of(month, app.settings.compute.deadline_day);
    let policy = Policy {
        bottom_n: app.alerts.bottom_n,
        remind_days_before_deadline: app.alerts.remind_days_before_deadline,
        staff: app.alerts.staff.iter().map(ToString::to_string).collect(),
    };
    let facts = Facts {
        today,
        deadline,
        groups: &published.groups,
        units: &units,
        reported: &reported,
    };
    let intents = rules::due(&facts, &policy);
    let month_facts = MonthFacts {
        month,
        deadline,
        groups: &published.groups,
        reported: &reported,
        units: &units,
        rejections: &rejections,
    };

    let mut report = RemindReport {
        month: period.clone(),
        dry_run,
        ..RemindReport::default()
    };
    let todo = plan(app, &mut writer, &intents, &period, dry_run, &mut report).await?;
    if todo.is_empty() {
        return Ok(report);
    }
    let templates = Templates::load(&app.alerts.templates_dir)?;
    let mut charts = Charts::new(app.computer(), &app.alerts, &app.indicators, month);
    let mut contents: HashMap<usize, Content> = HashMap::new();
    let exit_after: Option<usize> = std::env::var(EXIT_AFTER_ENV)
        .ok()
        .and_then(|v| v.parse().ok());
    for (idx, row) in todo {
        let intent = &intents[idx];
        if let std::collections::hash_map::Entry::Vacant(slot) = contents.entry(idx) {
            match content(app, &templates, &mut charts, &month_facts, intent).await {
                Ok(c) => {
                    slot.insert(c);
                }
                Err(e) => {
                    report.errors.push(format!("{}: {e}", row.key));
                    continue;
                }
            }
        }
        let Some(content) = contents.get(&idx) else {
            continue;
        };
        let message = match render::message(
            &row.key,
            &app.alerts.smtp.from,
            &row.recipient,
            &row.message_id,
            content,
        ) {
            Ok(m) => m,
            Err(e) => {
                report.errors.push(e.to_string());
                continue;
            }
        };
        if dry_run {
            let name = format!("{:03}-{}", report.sent + 1, row.key);
            match backend.deliver(&name, &message).await {
                Ok(_) => report.sent += 1,
                Err(f) => report.errors.push(format!("{}: {}", row.key, f.reply)),
            }
            continue;
        }
        if Instant::now() + backend.send_timeout() * 2 > run_deadline {
            report.stopped = Some(format!(
                "the run's deadline (schedule.remind_deadline_secs = {} s) is near; the remaining mails stay pending for the next run",
                app.settings.schedule.remind_deadline_secs
            ));
            break;
        }
        // In cluster mode the claim may be ahead of the row read at the start.
        let row = writer.current(&row).await?;
        match ledger::decide(Some(&row), Utc::now()) {
            Decision::Retry | Decision::New => {}
            Decision::Done => {
                report.already_sent += 1;
                continue;
            }
            Decision::Wait => {
                report.waiting += 1;
                continue;
            }
            Decision::GivenUp => {
                report.given_up += 1;
                continue;
            }
        }
        let sending = writer.record(ledger::sending(&row, Utc::now())).await?;
        match backend.deliver(&row.key, &message).await {
            Ok(reply) => {
                let done = ledger::sent(&sending, &reply, Utc::now());
                writer.record(done).await?;
                report.sent += 1;
                tracing::info!(key = %row.key, message_id = %row.message_id, %reply, "mail sent");
                if exit_after == Some(report.sent) {
                    tracing::warn!("{EXIT_AFTER_ENV}={}: exiting as a crash would", report.sent);
                    std::process::exit(1);
                }
            }
            Err(failure) => {
                let next = ledger::failed_try(
                    &sending,
                    &failure.reply,
                    app.alerts.max_tries,
                    app.alerts.backoff_secs,
                    Utc::now(),
                );
                let next = writer.record(next).await?;
                let line = format!("{} (try {}): {}", row.key, next.tries, failure.reply);
                tracing::warn!(key = %row.key, tries = next.tries, reply = %failure.reply, "mail not sent");
                if next.state == SendState::Failed {
                    report.failed.push(line);
                } else {
                    report.retry_later.push(line);
                }
                if failure.unreachable {
                    report.stopped = Some(format!(
                        "smtp server {}:{} unreachable or silent; the remaining mails stay pending for the next run",
                        app.alerts.smtp.host, app.alerts.smtp.port
                    ));
                    break;
                }
            }
        }
    }
    Ok(report)
}

/// Keys to try now, with their current row; new keys are recorded pending
/// first (not in a dry run), so the plan outlives a crash.
async fn plan(
    app: &App,
    writer: &mut fence::LedgerWriter<'_>,
    intents: &[Intent],
    period: &str,
    dry_run: bool,
    report: &mut RemindReport,
) -> Result<Vec<(usize, LedgerRow)>, NotifyError> {
    let current: HashMap<String, LedgerRow> = app
        .store
        .ledger(period)
        .await?
        .into_iter()
        .map(|r| (r.key.clone(), r))
        .collect();
    let now = Utc::now();
    let (mut todo, mut new_rows) = (Vec::new(), Vec::new());
    for (idx, intent) in intents.iter().enumerate() {
        for recipient in &intent.recipients {
            report.due += 1;
            let key = ledger::key(intent.rule, intent.unit.as_deref(), period, recipient);
            let row = current.get(&key);
            match ledger::decide(row, now) {
                Decision::New => {
                    let row = ledger::pending(
                        key,
                        intent.rule,
                        intent.unit.as_deref(),
                        period,
                        recipient,
                        now,
                    );
                    new_rows.push(row.clone());
                    todo.push((idx, row));
                }
                Decision::Retry => todo.extend(row.map(|r| (idx, r.clone()))),
                Decision::Wait => report.waiting += 1,
                Decision::Done => report.already_sent += 1,
                Decision::GivenUp => report.given_up += 1,
            }
        }
    }
    if dry_run {
        return Ok(todo);
    }
    if !writer.is_fenced() {
        app.store.record_sends(&new_rows).await?;
        return Ok(todo);
    }
    // Each first row is granted on its own: another writer's pending row
    // of the same key is then read back rather than overwritten.
    let mut granted = Vec::with_capacity(todo.len());
    for (idx, row) in todo {
        let row = if new_rows.iter().any(|n| n.key == row.key) {
            match writer.record(row.clone()).await {
                Ok(r) => r,
                Err(NotifyError::Lease(LeaseError::Conflict { .. })) => {
                    writer.current(&row).await?
                }
                Err(e) => return Err(e),
            }
        } else {
            row
        };
        granted.push((idx, row));
    }
    Ok(granted)
}

/// The words and chart of `intent`'s mail; a chart that cannot be drawn is
/// logged and left out rather than holding the mail back.
async fn content(
    app: &App,
    templates: &Templates,
    charts: &mut Charts<'_>,
    facts: &MonthFacts<'_>,
    intent: &Intent,
) -> Result<Content, RenderError> {
    let unit = intent
        .unit
        .as_deref()
        .and_then(|code| facts.units.iter().find(|u| u.code.as_str() == code));
    match (intent.rule, unit) {
        (RuleKind::Digest, _) | (_, None) => {
            let view = facts.digest_view(&app.alerts, &app.indicators);
            templates.render(RuleKind::Digest, &view, None)
        }
        (rule, Some(unit)) => {
            let png = match charts.unit_png(unit).await {
                Ok(png) => png,
                Err(e) => {
                    tracing::warn!(unit = %unit.code, month = %facts.month, "chart left out: {e}");
                    None
                }
            };
            let view = facts.unit_view(unit, &app.alerts, &app.indicators, png.is_some());
            templates.render(rule, &view, png)
        }
    }
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
