//! The plan reminder (issue 15 §3): a unit with no service plan once the plan
//! deadline of `plans.toml` has passed (letter 1145/BTTTT-THH) gets one mail.
//! Its ledger keys are of the deadline, not of a month (`plan-2021-04-28`),
//! so the daily runs of every month send it once; a unit that files before it
//! is sent has it settled as no longer due.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Serialize;

use super::fence::LedgerWriter;
use super::plan::{plan, Planned};
use super::report::RemindReport;
use super::rules::{Intent, Mail};
use super::views::day_label;
use super::NotifyError;
use crate::app::App;
use crate::compute::plan_progress::{filing_statuses, FilingStatus};
use crate::config::{AlertSettings, Unit};
use crate::domain::Month;
use crate::store::RuleKind;

/// The ledger period of the reminders of plans due by `deadline`.
pub fn period(deadline: NaiveDate) -> String {
    format!("plan-{deadline}")
}

/// One mail to each contact of each of `units` in `missing` (codes), in
/// registry order.
pub fn due(units: &[&Unit], missing: &BTreeSet<String>) -> Vec<Intent> {
    units
        .iter()
        .filter(|u| missing.contains(u.code.as_str()))
        .filter_map(|u| {
            let mut seen = BTreeSet::new();
            let mails: Vec<Mail> = u
                .contacts
                .iter()
                .filter(|a| seen.insert(a.to_lowercase()))
                .map(|a| Mail {
                    to: vec![a.clone()],
                    cc: vec![],
                })
                .collect();
            (!mails.is_empty()).then(|| Intent {
                rule: RuleKind::PlanMissing,
                unit: Some(u.code.to_string()),
                round: 0,
                mails,
            })
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub struct PlanUnit {
    pub code: String,
    pub name: String,
    pub dashboard_url: String,
}

/// What `plan_missing.*` templates see.
#[derive(Debug, Serialize)]
pub struct PlanView {
    pub unit: PlanUnit,
    /// The last day on time, `28/04/2021`.
    pub deadline: String,
    /// The plan page of the web interface, for this unit.
    pub upload_url: String,
}

pub fn view(unit: &Unit, deadline: NaiveDate, alerts: &AlertSettings) -> PlanView {
    let code = unit.code.as_str();
    let base = alerts.dashboard_base_url.trim_end_matches('/');
    // `https://host/units` → `https://host`: the pages live beside the unit links.
    let site = base.rsplit_once('/').map_or(base, |(site, _)| site);
    let site = if site.ends_with(':') || site.ends_with('/') {
        base
    } else {
        site
    };
    PlanView {
        unit: PlanUnit {
            code: code.to_string(),
            name: unit.name.clone(),
            dashboard_url: format!("{base}/{code}"),
        },
        deadline: day_label(deadline),
        upload_url: format!("{site}/ke-hoach?don-vi={code}"),
    }
}

/// Adds the plan reminders due on `today` to a run's intents and the keys to
/// try now; before the deadline nothing is due. Called on every run past it,
/// so a unit that filed since has its unsent key settled as no longer due.
pub(super) async fn add_due(
    app: &App,
    writer: &mut LedgerWriter<'_>,
    (intents, todo): (&mut Vec<Intent>, &mut Vec<Planned>),
    today: NaiveDate,
    dry_run: bool,
    report: &mut RemindReport,
) -> Result<(), NotifyError> {
    let deadline = app.plans.deadline;
    if today <= deadline || !app.plans.remind_missing {
        return Ok(());
    }
    // The units the deadline asked that still exist.
    let units: Vec<&Unit> = app
        .registry
        .valid_in(Month::of(deadline))
        .filter(|u| u.valid_in(Month::of(today)))
        .collect();
    let statuses = filing_statuses(&app.store, &units, (deadline, app.zone()), today).await?;
    let missing: BTreeSet<String> = statuses
        .into_iter()
        .filter(|s| s.status == FilingStatus::Missing)
        .map(|s| s.code)
        .collect();
    let due = due(&units, &missing);
    let offset = intents.len();
    let planned = plan(app, writer, &due, &period(deadline), dry_run, report).await?;
    intents.extend(due);
    todo.extend(planned.into_iter().map(|p| Planned {
        intent: p.intent + offset,
        ..p
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SourceConfig;
    use crate::domain::{RankingGroup, UnitCode, UnitKind};

    fn unit(code: &str, contacts: &[&str]) -> Unit {
        Unit {
            code: UnitCode::new(code),
            name: format!("Tỉnh {code}"),
            kind: UnitKind::Province,
            group: RankingGroup::Province,
            from: NaiveDate::from_ymd_opt(2019, 1, 1).unwrap(),
            until: None,
            successors: vec![],
            contacts: contacts.iter().map(|c| c.to_string()).collect(),
            former_names: vec![],
            source: SourceConfig::File,
            portal: None,
        }
    }

    #[test]
    fn each_unit_without_a_plan_gets_one_mail_per_contact() {
        let units = [
            unit("01", &["a@x.invalid"]),
            unit("02", &["b@x.invalid", "B@x.invalid", "c@x.invalid"]),
            unit("04", &[]),
        ];
        let refs: Vec<&Unit> = units.iter().collect();
        let missing: BTreeSet<String> = ["02", "04"].map(String::from).into();
        let due = due(&refs, &missing);
        assert_eq!(due.len(), 1, "01 filed; 04 has no contact");
        assert_eq!(due[0].unit.as_deref(), Some("02"));
        assert_eq!(due[0].mails.len(), 2);
        assert_eq!(
            period(NaiveDate::from_ymd_opt(2021, 4, 28).unwrap()),
            "plan-2021-04-28"
        );
    }
}
