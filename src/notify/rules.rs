//! Who gets which mail for a month (issue 4): pure functions over the month's
//! published ranking, who reported, the deadline and today's date. Due dates
//! are windows, not instants, so a day the job did not run loses nothing:
//!
//! - before `deadline − remind_days_before_deadline`: nothing is due;
//! - from then to the deadline (both included): a reminder to each unit that
//!   has not reported;
//! - after the deadline: the escalation to each unit still not reported (to
//!   its contacts and the staff list), the lagging reminder to each unit
//!   lagging on an indicator with a target or in the bottom `bottom_n` of its
//!   group, and the digest to the staff list. These windows stay open: a run
//!   weeks late still sends what was never sent (the ledger stops repeats).

use std::collections::{BTreeSet, HashMap};

use chrono::{Days, NaiveDate};

use crate::compute::evaluate::Status;
use crate::compute::national::{GroupRanking, UnitStanding};
use crate::config::Unit;
pub use crate::store::RuleKind;

/// One mail to be sent to each of `recipients`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub rule: RuleKind,
    /// `None` for the national digest.
    pub unit: Option<String>,
    /// Deduplicated, in order: the unit's contacts first, then staff.
    pub recipients: Vec<String>,
}

/// The rule settings of `alerts.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub bottom_n: u32,
    pub remind_days_before_deadline: u32,
    pub staff: Vec<String>,
}

/// What the rules look at.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub today: NaiveDate,
    /// The last day a report of the month is on time.
    pub deadline: NaiveDate,
    /// The month's ranking, every group.
    pub groups: &'a [GroupRanking],
    /// Units valid in the month, with their contacts.
    pub units: &'a [&'a Unit],
    /// Codes of the units with a valid (stored) report for the month.
    pub reported: &'a BTreeSet<String>,
}

/// Where `today` falls against the month's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    TooEarly,
    BeforeDeadline,
    AfterDeadline,
}

pub fn window(today: NaiveDate, deadline: NaiveDate, days_before: u32) -> Window {
    let opens = deadline
        .checked_sub_days(Days::new(u64::from(days_before)))
        .unwrap_or(deadline);
    if today > deadline {
        Window::AfterDeadline
    } else if today >= opens {
        Window::BeforeDeadline
    } else {
        Window::TooEarly
    }
}

/// Every mail due on `facts.today`, in a stable order: units by registry order,
/// the digest last.
pub fn due(facts: &Facts<'_>, policy: &Policy) -> Vec<Intent> {
    let w = window(
        facts.today,
        facts.deadline,
        policy.remind_days_before_deadline,
    );
    let standings: HashMap<&str, (&GroupRanking, &UnitStanding)> = facts
        .groups
        .iter()
        .flat_map(|g| g.units.iter().map(move |u| (u.code.as_str(), (g, u))))
        .collect();
    let mut out = Vec::new();
    for unit in facts.units {
        let code = unit.code.as_str();
        let reported = facts.reported.contains(code);
        let contacts = || unit.contacts.clone();
        let rule = match (w, reported) {
            (Window::TooEarly, _) => None,
            (Window::BeforeDeadline, false) => Some((RuleKind::NotReported, contacts())),
            (Window::BeforeDeadline, true) => None,
            (Window::AfterDeadline, false) => Some((
                RuleKind::Escalation,
                contacts()
                    .into_iter()
                    .chain(policy.staff.iter().cloned())
                    .collect(),
            )),
            (Window::AfterDeadline, true) => standings
                .get(code)
                .filter(|(g, u)| is_lagging(g, u, policy.bottom_n))
                .map(|_| (RuleKind::Lagging, contacts())),
        };
        if let Some((rule, recipients)) = rule {
            let recipients = dedup(recipients);
            if !recipients.is_empty() {
                out.push(Intent {
                    rule,
                    unit: Some(code.to_string()),
                    recipients,
                });
            }
        }
    }
    if w == Window::AfterDeadline && !policy.staff.is_empty() {
        out.push(Intent {
            rule: RuleKind::Digest,
            unit: None,
            recipients: dedup(policy.staff.clone()),
        });
    }
    out
}

/// Lagging on an indicator with a target, or ranked among the last `bottom_n`
/// of its group (ties at the edge all count: fewer than `bottom_n` ranked
/// units stand strictly below it).
pub fn is_lagging(group: &GroupRanking, unit: &UnitStanding, bottom_n: u32) -> bool {
    let lagging = unit
        .evaluations
        .iter()
        .any(|e| e.status == Status::Lagging && e.target.is_some());
    lagging || in_bottom(group, unit, bottom_n)
}

pub fn in_bottom(group: &GroupRanking, unit: &UnitStanding, bottom_n: u32) -> bool {
    let Some(rank) = unit.rank else {
        return false;
    };
    let below = group
        .units
        .iter()
        .filter(|u| u.rank.is_some_and(|r| r > rank))
        .count();
    bottom_n > 0 && below < bottom_n as usize
}

fn dedup(addresses: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    addresses
        .into_iter()
        .filter(|a| seen.insert(a.to_lowercase()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::evaluate::{Composite, Evaluation};
    use crate::config::SourceConfig;
    use crate::domain::{RankingGroup, UnitCode, UnitKind};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn unit(code: &str) -> Unit {
        Unit {
            code: UnitCode::new(code),
            name: format!("Tỉnh {code}"),
            kind: UnitKind::Province,
            group: RankingGroup::Province,
            from: day("2019-01-01"),
            until: None,
            successors: vec![],
            contacts: vec![format!("u{code}@units.invalid")],
            former_names: vec![],
            source: SourceConfig::File,
        }
    }

    fn standing(code: &str, rank: Option<u32>, status: Status) -> UnitStanding {
        UnitStanding {
            code: code.into(),
            name: code.into(),
            group: RankingGroup::Province,
            evaluations: vec![Evaluation {
                indicator: "online_dossier_rate".into(),
                numerator: None,
                denominator: None,
                value: Some(1.0),
                months_with_data: 1,
                months_expected: 1,
                target: Some(50.0),
                trajectory: None,
                gap: None,
                status,
                points: None,
            }],
            composite: Composite {
                score: rank.map(f64::from),
                scored: 1,
                expected: 1,
            },
            rank,
            rank_change: None,
        }
    }

    fn policy(bottom_n: u32) -> Policy {
        Policy {
            bottom_n,
            remind_days_before_deadline: 3,
            staff: vec!["staff@ministry.invalid".into(), "u05@units.invalid".into()],
        }
    }

    /// 01, 02 achieved; 04 lagging; 06 ranked last but achieved; 08 unreported.
    fn run(today: &str, bottom_n: u32) -> Vec<(RuleKind, Option<String>, Vec<String>)> {
        let units: Vec<Unit> = ["01", "02", "04", "05", "06", "08"].map(unit).into();
        let refs: Vec<&Unit> = units.iter().collect();
        let groups = [GroupRanking {
            group: RankingGroup::Province,
            units: vec![
                standing("01", Some(1), Status::Achieved),
                standing("02", Some(2), Status::Achieved),
                standing("04", Some(3), Status::Lagging),
                standing("05", Some(4), Status::OnTrack),
                standing("06", Some(5), Status::Achieved),
                standing("08", None, Status::NoData),
            ],
        }];
        let reported: BTreeSet<String> = ["01", "02", "04", "05", "06"].map(String::from).into();
        let facts = Facts {
            today: day(today),
            deadline: day("2021-07-05"),
            groups: &groups,
            units: &refs,
            reported: &reported,
        };
        due(&facts, &policy(bottom_n))
            .into_iter()
            .map(|i| (i.rule, i.unit, i.recipients))
            .collect()
    }

    #[test]
    fn nothing_is_due_before_the_reminder_window_opens() {
        assert!(run("2021-07-01", 1).is_empty());
    }

    #[test]
    fn the_reminder_goes_to_unreported_units_from_d_days_before_to_the_deadline() {
        for today in ["2021-07-02", "2021-07-05"] {
            assert_eq!(
                run(today, 1),
                [(
                    RuleKind::NotReported,
                    Some("08".into()),
                    vec!["u08@units.invalid".to_string()]
                )],
                "{today}"
            );
        }
    }

    #[test]
    fn after_the_deadline_laggards_the_bottom_escalations_and_the_digest_are_due() {
        let due = run("2021-07-06", 1);
        let summary: Vec<(RuleKind, Option<&str>)> =
            due.iter().map(|d| (d.0, d.1.as_deref())).collect();
        assert_eq!(
            summary,
            [
                (RuleKind::Lagging, Some("04")),
                (RuleKind::Lagging, Some("06")),
                (RuleKind::Escalation, Some("08")),
                (RuleKind::Digest, None),
            ]
        );
        // The escalation copies the staff list; the digest goes to staff only.
        assert_eq!(
            due[2].2,
            [
                "u08@units.invalid",
                "staff@ministry.invalid",
                "u05@units.invalid"
            ]
        );
        assert_eq!(due[3].2, ["staff@ministry.invalid", "u05@units.invalid"]);
        // Weeks later the windows are still open: a missed run loses nothing.
        assert_eq!(run("2021-09-30", 1).len(), 4);
    }

    #[test]
    fn bottom_n_zero_sends_only_to_units_lagging_on_a_target() {
        let due = run("2021-07-06", 0);
        assert_eq!(due[0].1.as_deref(), Some("04"));
        assert_eq!(due[1].0, RuleKind::Escalation);
    }

    #[test]
    fn ties_at_the_bottom_edge_all_count() {
        let g = GroupRanking {
            group: RankingGroup::Province,
            units: vec![
                standing("01", Some(1), Status::Achieved),
                standing("02", Some(2), Status::Achieved),
                standing("04", Some(2), Status::Achieved),
                standing("06", None, Status::NoData),
            ],
        };
        let bottom: Vec<&str> = g
            .units
            .iter()
            .filter(|u| in_bottom(&g, u, 1))
            .map(|u| u.code.as_str())
            .collect();
        assert_eq!(bottom, ["02", "04"]);
    }
}
