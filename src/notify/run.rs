//! One remind run: gathers the month's facts, asks `rules` what is due,
//! `plan`s the keys, then builds and sends each mail, recording every
//! transition in the ledger (through `fence` in cluster mode).

use std::collections::{BTreeSet, HashMap};

use chrono::{NaiveDate, Utc};
use tokio::time::Instant;

use super::fence::LedgerWriter;
use super::ledger::{self, Decision};
use super::lock::RunLock;
use super::plan::{plan, Planned};
use super::plan_rule;
use super::portal_rules::{self, PortalPolicy};
use super::render::{self, Content, RenderError, Templates, View};
use super::report::RemindReport;
use super::rules::{self, Facts, Intent, Policy, Repeat, RuleKind, Window};
use super::views::{Charts, MonthFacts};
use super::{deadline_of, Backend, NotifyError, EXIT_AFTER_ENV};
use crate::app::App;
use crate::compute::lagging::LaggingRule;
use crate::compute::portal::PortalMonth;
use crate::config::Unit;
use crate::domain::{Month, Period};
use crate::lease::Lease;
use crate::store::{SendState, Units};

/// The run itself: no mail is started that its SMTP bound
/// (smtp.timeout_secs, twice, leaving time to record the outcome) could carry
/// past `run_deadline`; the rest stays pending for the next run. Holds the remind
/// lock for the whole run in single-host mode (not in a dry run, which reads
/// the ledger but writes nothing); in cluster mode the lease's claims stand
/// for it. One mail's failure never stops the batch, except an unreachable
/// or silent server: then the rest stays pending for the next run.
pub(super) async fn remind_unaudited(
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
    let mut writer = LedgerWriter::new(&app.store, lease);
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
    let unused_window = app.settings.compute.unused_full_online_months;
    let unused = app
        .store
        .unused_full_online(month, unused_window, Units::All)
        .await?;
    let units: Vec<&Unit> = app.registry.valid_in(month).collect();
    let deadline = deadline_of(month, app.settings.compute.deadline_day);
    let policy = policy(app);
    let previous_scores = previous_scores(app, month, today, deadline).await?;
    let facts = Facts {
        today,
        deadline,
        groups: &published.groups,
        units: &units,
        reported: &reported,
        previous_scores: &previous_scores,
    };
    let mut intents = rules::due(&facts, &policy);
    let portals = crate::compute::portal::portal_months(&app.store, (month, month)).await?;
    intents.extend(portal_rules::portal_due(
        &units,
        &portals,
        PortalPolicy::from(&app.alerts),
    ));
    let month_facts = MonthFacts {
        month,
        deadline,
        groups: &published.groups,
        reported: &reported,
        units: &units,
        rejections: &rejections,
        unused: &unused,
        unused_window,
        previous_scores: &previous_scores,
    };

    let mut report = RemindReport {
        month: period.clone(),
        dry_run,
        ..RemindReport::default()
    };
    let mut todo = plan(app, &mut writer, &intents, &period, dry_run, &mut report).await?;
    let run = (&mut intents, &mut todo);
    plan_rule::add_due(app, &mut writer, run, today, dry_run, &mut report).await?;
    if todo.is_empty() {
        return Ok(report);
    }
    let templates = Templates::load(&app.alerts.templates_dir)?;
    let mut charts = Charts::new(app.computer(), &app.alerts, &app.indicators, month);
    let mut contents: HashMap<usize, Content> = HashMap::new();
    for planned in todo {
        let intent = &intents[planned.intent];
        if let std::collections::hash_map::Entry::Vacant(slot) = contents.entry(planned.intent) {
            let made = match portal_content(app, &templates, (&month_facts, &portals), intent) {
                Some(made) => made,
                None => content(app, &templates, &mut charts, &month_facts, intent).await,
            };
            match made {
                Ok(c) => {
                    slot.insert(c);
                }
                Err(e) => {
                    report.errors.push(format!("{}: {e}", planned.row.key));
                    continue;
                }
            }
        }
        let Some(content) = contents.get(&planned.intent) else {
            continue;
        };
        let mail = &intent.mails[planned.mail];
        let message = match render::message(
            &planned.row.key,
            &app.alerts.smtp.from,
            (&mail.to, &mail.cc),
            &planned.row.message_id,
            content,
        ) {
            Ok(m) => m,
            Err(e) => {
                report.errors.push(e.to_string());
                continue;
            }
        };
        if dry_run {
            let name = format!("{:03}-{}", report.sent + 1, planned.row.key);
            match backend.deliver(&name, &message).await {
                Ok(_) => report.sent += 1,
                Err(f) => report
                    .errors
                    .push(format!("{}: {}", planned.row.key, f.reply)),
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
        let go_on = send(app, &mut writer, backend, planned, &message, &mut report).await?;
        if !go_on {
            break;
        }
    }
    Ok(report)
}

/// The rule settings of `alerts.toml`.
fn policy(app: &App) -> Policy {
    Policy {
        lagging: LaggingRule::from(&app.alerts),
        remind_days_before_deadline: app.alerts.remind_days_before_deadline,
        repeat: Repeat {
            every_days: app.alerts.remind_repeat_days,
            max_repeats: app.alerts.remind_max_repeats,
        },
        staff: app.alerts.staff.iter().map(ToString::to_string).collect(),
    }
}

/// Composite scores of the month before `month`, by unit: read only when
/// alerts are due (after the deadline) and the score-drop criterion is on.
async fn previous_scores(
    app: &App,
    month: Month,
    today: NaiveDate,
    deadline: NaiveDate,
) -> Result<HashMap<String, f64>, NotifyError> {
    let days_before = app.alerts.remind_days_before_deadline;
    if app.alerts.lagging_score_drop_points <= 0.0
        || rules::window(today, deadline, days_before) != Window::AfterDeadline
    {
        return Ok(HashMap::new());
    }
    let before = app
        .computer()
        .published_or_live(Period::Month(month.prev()))
        .await?;
    Ok(before
        .groups
        .iter()
        .flat_map(|g| g.units.iter())
        .filter_map(|u| u.composite.score.map(|s| (u.code.clone(), s)))
        .collect())
}

/// Sends one planned mail: `sending`, the hand-over, then `sent` or the
/// failure. False when the batch must stop (the server is unreachable).
async fn send(
    app: &App,
    writer: &mut LedgerWriter<'_>,
    backend: &Backend,
    planned: Planned,
    message: &lettre::Message,
    report: &mut RemindReport,
) -> Result<bool, NotifyError> {
    // In cluster mode the claim may be ahead of the row read at the start.
    let row = writer.current(&planned.row).await?;
    match ledger::decide(Some(&row), Utc::now()) {
        Decision::Retry | Decision::New => {}
        Decision::Done => {
            report.already_sent += 1;
            return Ok(true);
        }
        Decision::Wait => {
            report.waiting += 1;
            return Ok(true);
        }
        Decision::GivenUp => {
            report.given_up += 1;
            return Ok(true);
        }
    }
    let sending = writer.record(ledger::sending(&row, Utc::now())).await?;
    match backend.deliver(&row.key, message).await {
        Ok(reply) => {
            let done = ledger::sent(&sending, &reply, Utc::now());
            writer.record(done).await?;
            report.sent += 1;
            tracing::info!(key = %row.key, message_id = %row.message_id, %reply, "mail sent");
            let exit_after: Option<usize> = std::env::var(EXIT_AFTER_ENV)
                .ok()
                .and_then(|v| v.parse().ok());
            if exit_after == Some(report.sent) {
                tracing::warn!("{EXIT_AFTER_ENV}={}: exiting as a crash would", report.sent);
                std::process::exit(1);
            }
            Ok(true)
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
                return Ok(false);
            }
            Ok(true)
        }
    }
}

/// The words and chart of `intent`'s mail; a chart that cannot be drawn is
/// logged and left out rather than holding the mail back.
/// The words of a portal reminder; `None` for every other rule.
fn portal_content(
    app: &App,
    templates: &Templates,
    (facts, portals): (&MonthFacts<'_>, &[PortalMonth]),
    intent: &Intent,
) -> Option<Result<Content, RenderError>> {
    if !matches!(intent.rule, RuleKind::PortalDown | RuleKind::CertExpiring) {
        return None;
    }
    let code = intent.unit.as_deref()?;
    let unit = facts.units.iter().find(|u| u.code.as_str() == code)?;
    let m = portals.iter().find(|m| m.unit == code)?;
    Some(portal_rules::content(
        templates,
        intent.rule,
        (unit, m, facts.month),
        &app.alerts,
    ))
}

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
        (RuleKind::PlanMissing, _) => {
            let code = intent.unit.as_deref().unwrap_or_default();
            let unit = app.registry.get(&crate::domain::UnitCode::new(code));
            let unit = unit.ok_or_else(|| RenderError::Build {
                key: format!("plan_missing/{code}"),
                message: "the unit is not in the registry".into(),
            })?;
            let view = plan_rule::view(unit, app.plans.deadline, &app.alerts);
            templates.render(RuleKind::PlanMissing, &view, None)
        }
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
            let view = View {
                round: intent.round,
                ..facts.unit_view(unit, &app.alerts, &app.indicators, png.is_some())
            };
            templates.render(rule, &view, png)
        }
    }
}
