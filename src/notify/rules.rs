//! Who gets which mail for a month (issues 4 and 14): pure functions over
//! the month's published ranking, who reported, the deadline and today's
//! date. Due dates are windows, not instants, so a day the job did not run
//! loses nothing:
//!
//! - before `deadline − remind_days_before_deadline`: nothing is due;
//! - from then to the deadline (both included): a reminder to each unit that
//!   has not reported, in rounds: round r opens `r × remind_repeat_days` days
//!   after the window, up to `remind_max_repeats`; only the newest open
//!   round is due (each round its own ledger key);
//! - after the deadline: the escalation to each unit still not reported (one
//!   mail to its contacts, the staff list in Cc), the monthly result to each
//!   unit that reported, the lagging alert to those `lagging::reasons` names,
//!   and the digest to the staff list. These windows stay open: a run weeks
//!   late still sends what was never sent (the ledger stops repeats).

use std::collections::{BTreeSet, HashMap};

use chrono::{Days, NaiveDate};

use crate::compute::lagging::{self, LaggingRule};
use crate::compute::national::{GroupRanking, UnitStanding};
use crate::config::Unit;
pub use crate::store::RuleKind;

/// One message: its envelope is `to` and `cc` together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: Vec<String>,
    pub cc: Vec<String>,
}

impl Mail {
    fn to(address: String) -> Self {
        Self {
            to: vec![address],
            cc: vec![],
        }
    }

    /// The address its ledger key is made of (the first `to`).
    pub fn key_address(&self) -> &str {
        self.to.first().map(String::as_str).unwrap_or_default()
    }

    /// As the ledger's `recipient` column shows it: `a, b (cc: s)`.
    pub fn display(&self) -> String {
        let to = self.to.join(", ");
        match self.cc.is_empty() {
            true => to,
            false => format!("{to} (cc: {})", self.cc.join(", ")),
        }
    }
}

/// One mail's words sent as each of `mails`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub rule: RuleKind,
    /// `None` for the national digest.
    pub unit: Option<String>,
    /// The reminder's round (0: the first; 0 for every other rule).
    pub round: u32,
    pub mails: Vec<Mail>,
}

/// The rule settings of `alerts.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub lagging: LaggingRule,
    pub remind_days_before_deadline: u32,
    pub repeat: Repeat,
    pub staff: Vec<String>,
}

/// The not-reported reminder's repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Repeat {
    /// Days between rounds; 0: one round only.
    pub every_days: u32,
    /// Rounds after the first.
    pub max_repeats: u32,
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
    /// Composite scores of the month before, by unit code.
    pub previous_scores: &'a HashMap<String, f64>,
}

/// Where `today` falls against the month's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    TooEarly,
    BeforeDeadline,
    AfterDeadline,
}

/// The first day of the not-reported window.
pub fn opens(deadline: NaiveDate, days_before: u32) -> NaiveDate {
    deadline
        .checked_sub_days(Days::new(u64::from(days_before)))
        .unwrap_or(deadline)
}

pub fn window(today: NaiveDate, deadline: NaiveDate, days_before: u32) -> Window {
    if today > deadline {
        Window::AfterDeadline
    } else if today >= opens(deadline, days_before) {
        Window::BeforeDeadline
    } else {
        Window::TooEarly
    }
}

/// The reminder round open on `today`, for a window opening on `opens`.
pub fn round_on(today: NaiveDate, opens: NaiveDate, repeat: Repeat) -> u32 {
    if repeat.every_days == 0 {
        return 0;
    }
    let days = u32::try_from((today - opens).num_days()).unwrap_or(0);
    (days / repeat.every_days).min(repeat.max_repeats)
}

/// Every mail due on `facts.today`, in a stable order: units by registry order,
/// the digest last.
pub fn due(facts: &Facts<'_>, policy: &Policy) -> Vec<Intent> {
    let days_before = policy.remind_days_before_deadline;
    let w = window(facts.today, facts.deadline, days_before);
    let round = round_on(
        facts.today,
        opens(facts.deadline, days_before),
        policy.repeat,
    );
    let standings = standings(facts.groups);
    let mut out = Vec::new();
    for unit in facts.units {
        let code = unit.code.as_str();
        let contacts = dedup(unit.contacts.clone());
        let each = || contacts.iter().cloned().map(Mail::to).collect::<Vec<_>>();
        let mut push = |rule, round, mails: Vec<Mail>| {
            if mails.iter().any(|m| !m.to.is_empty()) {
                out.push(Intent {
                    rule,
                    unit: Some(code.to_string()),
                    round,
                    mails,
                });
            }
        };
        match (w, facts.reported.contains(code)) {
            (Window::TooEarly, _) | (Window::BeforeDeadline, true) => {}
            (Window::BeforeDeadline, false) => push(RuleKind::NotReported, round, each()),
            (Window::AfterDeadline, false) => {
                let cc = dedup(policy.staff.clone())
                    .into_iter()
                    .filter(|s| !contacts.iter().any(|c| c.eq_ignore_ascii_case(s)))
                    .collect();
                let mail = Mail {
                    to: contacts.clone(),
                    cc,
                };
                push(RuleKind::Escalation, 0, vec![mail]);
            }
            (Window::AfterDeadline, true) => {
                push(RuleKind::Result, 0, each());
                let alerted = standings.get(code).is_some_and(|(g, u)| {
                    let before = facts.previous_scores.get(code).copied();
                    !lagging::reasons(&policy.lagging, g, u, before).is_empty()
                });
                if alerted {
                    push(RuleKind::Lagging, 0, each());
                }
            }
        }
    }
    if w == Window::AfterDeadline && !policy.staff.is_empty() {
        out.push(Intent {
            rule: RuleKind::Digest,
            unit: None,
            round: 0,
            mails: dedup(policy.staff.clone())
                .into_iter()
                .map(Mail::to)
                .collect(),
        });
    }
    out
}

/// Each unit's group and standing, by code.
pub fn standings(groups: &[GroupRanking]) -> HashMap<&str, (&GroupRanking, &UnitStanding)> {
    groups
        .iter()
        .flat_map(|g| g.units.iter().map(move |u| (u.code.as_str(), (g, u))))
        .collect()
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
    use crate::compute::evaluate::{Composite, Evaluation, Status};
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
                trajectory: (status == Status::Lagging).then_some(40.0),
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
            lagging: LaggingRule {
                bottom_n,
                score_drop_points: 0.0,
            },
            remind_days_before_deadline: 3,
            repeat: Repeat {
                every_days: 2,
                max_repeats: 1,
            },
            staff: vec!["staff@ministry.invalid".into(), "u05@units.invalid".into()],
        }
    }

    type Due = (RuleKind, Option<String>, u32, Vec<Mail>);

    /// 01, 02 achieved; 04 behind target and trajectory; 06 ranked last but
    /// achieved; 08 unreported.
    fn run(today: &str, bottom_n: u32) -> Vec<Due> {
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
            previous_scores: &HashMap::new(),
        };
        due(&facts, &policy(bottom_n))
            .into_iter()
            .map(|i| (i.rule, i.unit, i.round, i.mails))
            .collect()
    }

    fn one(address: &str) -> Vec<Mail> {
        vec![Mail::to(address.to_string())]
    }

    #[test]
    fn nothing_is_due_before_the_reminder_window_opens() {
        assert!(run("2021-07-01", 1).is_empty());
    }

    #[test]
    fn the_reminder_goes_to_unreported_units_in_rounds_until_the_deadline() {
        for (today, round) in [
            ("2021-07-02", 0),
            ("2021-07-03", 0),
            ("2021-07-04", 1),
            ("2021-07-05", 1),
        ] {
            assert_eq!(
                run(today, 1),
                [(
                    RuleKind::NotReported,
                    Some("08".into()),
                    round,
                    one("u08@units.invalid")
                )],
                "{today}"
            );
        }
        let once = Repeat::default();
        assert_eq!(round_on(day("2021-07-05"), day("2021-07-02"), once), 0);
    }

    #[test]
    fn after_the_deadline_results_alerts_the_escalation_and_the_digest_are_due() {
        let due = run("2021-07-06", 1);
        let summary: Vec<(RuleKind, Option<&str>)> =
            due.iter().map(|d| (d.0, d.1.as_deref())).collect();
        assert_eq!(
            summary,
            [
                (RuleKind::Result, Some("01")),
                (RuleKind::Result, Some("02")),
                (RuleKind::Result, Some("04")),
                (RuleKind::Lagging, Some("04")),
                (RuleKind::Result, Some("05")),
                (RuleKind::Result, Some("06")),
                (RuleKind::Lagging, Some("06")),
                (RuleKind::Escalation, Some("08")),
                (RuleKind::Digest, None),
            ]
        );
        // One escalation mail, staff in Cc (a staff address that is also a
        // contact is not copied twice); the digest goes to each staff address.
        assert_eq!(
            due[7].3,
            [Mail {
                to: vec!["u08@units.invalid".into()],
                cc: vec!["staff@ministry.invalid".into(), "u05@units.invalid".into()],
            }]
        );
        assert_eq!(due[8].3.len(), 2);
        // Weeks later the windows are still open: a missed run loses nothing.
        assert_eq!(run("2021-09-30", 1).len(), 9);
    }

    #[test]
    fn bottom_n_zero_alerts_only_units_behind_target_and_trajectory() {
        let lagging: Vec<Option<String>> = run("2021-07-06", 0)
            .into_iter()
            .filter(|d| d.0 == RuleKind::Lagging)
            .map(|d| d.1)
            .collect();
        assert_eq!(lagging, [Some("04".to_string())]);
    }
}
