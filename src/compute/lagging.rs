//! The lagging alert's rule (issue 14 §4): which units are behind in a way
//! that calls for action, and why. Missing a yearly target alone is no alert:
//! in July 2025 every unit missed the 100 % level-4 target, and a mail every
//! unit gets every month is a mail nobody reads. A unit is alerted when it
//! meets neither its target nor its own trajectory on an indicator, ranks
//! among the last `bottom_n` of its group, or its composite score fell by a
//! material margin from the month before. Pure.

use crate::compute::evaluate::Status;
use crate::compute::national::{GroupRanking, UnitStanding};
use crate::config::{AlertSettings, IndicatorCatalogue};
use crate::domain::number::decimal;

/// The thresholds of `alerts.toml`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LaggingRule {
    /// The last `bottom_n` ranked of a group are alerted (0: off).
    pub bottom_n: u32,
    /// A composite score down by at least this many points is alerted (0: off).
    pub score_drop_points: f64,
}

impl From<&AlertSettings> for LaggingRule {
    fn from(a: &AlertSettings) -> Self {
        Self {
            bottom_n: a.bottom_n,
            score_drop_points: a.lagging_score_drop_points,
        }
    }
}

/// Why a unit gets the lagging alert.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// Short of the target and of the unit's own trajectory on `indicator`.
    BehindTargetAndTrajectory { indicator: String },
    /// Among the last `n` ranked units of its group.
    Bottom { n: u32 },
    /// The composite score fell from `before` to `now`.
    ScoreDrop { before: f64, now: f64 },
}

impl Reason {
    /// As the alert and the digest say it.
    pub fn describe_vi(&self, indicators: &IndicatorCatalogue) -> String {
        match self {
            Reason::BehindTargetAndTrajectory { indicator } => {
                let name = indicators
                    .get(indicator)
                    .map(|i| i.name.as_str())
                    .unwrap_or(indicator);
                format!("{name}: chưa đạt chỉ tiêu và chậm so với lộ trình của đơn vị")
            }
            Reason::Bottom { n } => format!("thuộc nhóm {n} đơn vị cuối bảng xếp hạng"),
            Reason::ScoreDrop { before, now } => format!(
                "điểm tổng hợp giảm {} điểm so với tháng trước ({} → {})",
                decimal(before - now, 1),
                decimal(*before, 1),
                decimal(*now, 1)
            ),
        }
    }
}

/// Every reason `unit` of `group` is alerted for; empty: no alert.
/// `previous_score` is its composite score of the month before, if any.
pub fn reasons(
    rule: &LaggingRule,
    group: &GroupRanking,
    unit: &UnitStanding,
    previous_score: Option<f64>,
) -> Vec<Reason> {
    let mut out: Vec<Reason> = unit
        .evaluations
        .iter()
        .filter(|e| e.status == Status::Lagging && e.target.is_some() && e.trajectory.is_some())
        .map(|e| Reason::BehindTargetAndTrajectory {
            indicator: e.indicator.clone(),
        })
        .collect();
    if in_bottom(group, unit, rule.bottom_n) {
        out.push(Reason::Bottom { n: rule.bottom_n });
    }
    if let (Some(before), Some(now)) = (previous_score, unit.composite.score) {
        if rule.score_drop_points > 0.0 && before - now >= rule.score_drop_points {
            out.push(Reason::ScoreDrop { before, now });
        }
    }
    out
}

/// On track: no indicator with a target misses both the target and the
/// unit's trajectory (the result mail's subject says so).
pub fn on_track(unit: &UnitStanding) -> bool {
    !unit
        .evaluations
        .iter()
        .any(|e| e.status == Status::Lagging && e.target.is_some())
}

/// Ranked among the last `bottom_n` of its group (ties at the edge all
/// count: fewer than `bottom_n` ranked units stand strictly below it).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::evaluate::{Composite, Evaluation};
    use crate::domain::RankingGroup;

    fn standing(
        code: &str,
        rank: u32,
        score: f64,
        evals: &[(Status, Option<f64>)],
    ) -> UnitStanding {
        UnitStanding {
            code: code.into(),
            name: code.into(),
            group: RankingGroup::Province,
            evaluations: evals
                .iter()
                .map(|(status, trajectory)| Evaluation {
                    indicator: "online_dossier_rate".into(),
                    numerator: None,
                    denominator: None,
                    value: Some(40.0),
                    months_with_data: 1,
                    months_expected: 1,
                    target: Some(100.0),
                    trajectory: *trajectory,
                    gap: Some(-60.0),
                    status: *status,
                    points: None,
                })
                .collect(),
            composite: Composite {
                score: Some(score),
                scored: 1,
                expected: 1,
            },
            rank: Some(rank),
            rank_change: None,
        }
    }

    const RULE: LaggingRule = LaggingRule {
        bottom_n: 1,
        score_drop_points: 5.0,
    };

    /// July 2025: everyone below the 100 % target. Only 03 (behind its own
    /// trajectory), 05 (last), 02 (score down 6 points) call for action.
    #[test]
    fn missing_the_target_alone_is_no_alert() {
        let group = GroupRanking {
            group: RankingGroup::Province,
            units: vec![
                standing("01", 1, 80.0, &[(Status::Lagging, None)]),
                standing("02", 2, 70.0, &[(Status::OnTrack, Some(30.0))]),
                standing("03", 3, 60.0, &[(Status::Lagging, Some(50.0))]),
                standing("04", 4, 50.0, &[(Status::Lagging, None)]),
                standing("05", 5, 40.0, &[(Status::Lagging, None)]),
            ],
        };
        let previous = |code: &str| match code {
            "02" => Some(76.0),
            "04" => Some(54.0),
            _ => None,
        };
        let alerted: Vec<(&str, Vec<Reason>)> = group
            .units
            .iter()
            .map(|u| {
                (
                    u.code.as_str(),
                    reasons(&RULE, &group, u, previous(&u.code)),
                )
            })
            .filter(|(_, r)| !r.is_empty())
            .collect();
        assert_eq!(
            alerted,
            [
                (
                    "02",
                    vec![Reason::ScoreDrop {
                        before: 76.0,
                        now: 70.0
                    }]
                ),
                (
                    "03",
                    vec![Reason::BehindTargetAndTrajectory {
                        indicator: "online_dossier_rate".into()
                    }]
                ),
                ("05", vec![Reason::Bottom { n: 1 }]),
            ]
        );
        let on: Vec<bool> = group.units.iter().map(on_track).collect();
        assert_eq!(on, [false, true, false, false, false]);
    }

    #[test]
    fn ties_at_the_bottom_edge_all_count() {
        let g = GroupRanking {
            group: RankingGroup::Province,
            units: vec![
                standing("01", 1, 9.0, &[]),
                standing("02", 2, 8.0, &[]),
                standing("04", 2, 8.0, &[]),
            ],
        };
        let bottom: Vec<&str> = g
            .units
            .iter()
            .filter(|u| in_bottom(&g, u, 1))
            .map(|u| u.code.as_str())
            .collect();
        assert_eq!(bottom, ["02", "04"]);
        assert!(!g.units.iter().any(|u| in_bottom(&g, u, 0)));
    }
}
