//! One indicator for one unit over one period: numerator and denominator summed
//! over the period's months, value, gap to target, status, points; and the
//! composite score over a unit's indicators. Pure: the figures come in, nothing
//! is read or written.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::{CompositeMethod, Direction, Indicator, ValueUnit, ZeroDenominator};

/// One month of one unit's figures: measure name → value. A measure the unit did
/// not report that month is absent, never zero.
pub type MonthFigures = BTreeMap<String, f64>;

/// Where a unit stands against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Meets the yearly target.
    Achieved,
    /// Short of the yearly target but meets this month's trajectory (1145/BTTTT-THH plans).
    OnTrack,
    Lagging,
    /// Nothing to compute from: no report, or a zero denominator.
    NoData,
    /// Valued, but no target applies.
    NoTarget,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Achieved,
        Status::OnTrack,
        Status::Lagging,
        Status::NoData,
        Status::NoTarget,
    ];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Achieved => "achieved",
            Status::OnTrack => "on_track",
            Status::Lagging => "lagging",
            Status::NoData => "no_data",
            Status::NoTarget => "no_target",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// As pages and mails say it.
    /// The status in the current language (pages; `domain::lang`).
    pub fn name(self) -> String {
        match self {
            Status::Achieved => crate::t!("status-achieved"),
            Status::OnTrack => crate::t!("status-on-track"),
            Status::Lagging => crate::t!("status-lagging"),
            Status::NoData => crate::t!("status-no-data"),
            Status::NoTarget => crate::t!("status-no-target"),
        }
    }

    pub fn name_vi(self) -> &'static str {
        match self {
            Status::Achieved => "Đạt",
            Status::OnTrack => "Đúng lộ trình",
            Status::Lagging => "Chậm",
            Status::NoData => "Không có số liệu",
            Status::NoTarget => "Chưa có chỉ tiêu",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Evaluation {
    pub indicator: String,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    /// Percent for ratio indicators; the measure itself otherwise. `None` = no data, never 0.
    pub value: Option<f64>,
    /// Reports (unit-months) of the period with figures for this indicator…
    pub months_with_data: usize,
    /// …of those expected (a merged unit's predecessors each count).
    pub months_expected: usize,
    pub target: Option<f64>,
    /// This month's value of the unit's own plan, when it filed one.
    pub trajectory: Option<f64>,
    /// Value minus target, in the value's unit (percentage points for rates).
    pub gap: Option<f64>,
    pub status: Status,
    pub points: Option<f64>,
}

/// Values this close count as equal: 49.9999999 meets a 50% target.
const EPSILON: f64 = 1e-9;

/// The yearly target and, when the unit filed one, this month's trajectory value.
#[derive(Debug, Clone, Copy, Default)]
pub struct Goals {
    pub target: Option<f64>,
    pub trajectory: Option<f64>,
}

/// Evaluates `indicator` over the months of a period. Numerators and denominators
/// are summed across months (never an average of monthly rates); a value-only
/// indicator sums counts and averages percents and scores over the months it has.
pub fn evaluate(indicator: &Indicator, months: &[MonthFigures], goals: Goals) -> Evaluation {
    let (numerator, denominator, value, months_with_data) = value_of(indicator, months);
    // A sum that overflowed is no figure: "no data", never inf or NaN on a page.
    let value = value.filter(|v| v.is_finite());
    let status = match (value, goals.target) {
        (None, _) => Status::NoData,
        (Some(_), None) => Status::NoTarget,
        (Some(v), Some(t)) if meets(indicator.direction, v, t) => Status::Achieved,
        (Some(v), Some(_))
            if goals
                .trajectory
                .is_some_and(|tr| meets(indicator.direction, v, tr)) =>
        {
            Status::OnTrack
        }
        (Some(_), Some(_)) => Status::Lagging,
    };
    let zero_denominator = months_with_data > 0 && denominator == Some(0.0);
    Evaluation {
        indicator: indicator.code.clone(),
        numerator,
        denominator,
        value,
        months_with_data,
        months_expected: months.len(),
        target: goals.target,
        trajectory: goals.trajectory,
        gap: value.zip(goals.target).map(|(v, t)| v - t),
        status,
        points: points(indicator, value, zero_denominator),
    }
}

fn value_of(
    indicator: &Indicator,
    months: &[MonthFigures],
) -> (Option<f64>, Option<f64>, Option<f64>, usize) {
    let numerator = &indicator.numerator;
    match &indicator.denominator {
        Some(denominator) => {
            // A month counts only when it has both figures, so the ratio stays honest.
            let pairs: Vec<(f64, f64)> = months
                .iter()
                .filter_map(|m| Some((numerator.eval(m)?, denominator.eval(m)?)))
                .collect();
            if pairs.is_empty() {
                return (None, None, None, 0);
            }
            let num: f64 = pairs.iter().map(|p| p.0).sum();
            let den: f64 = pairs.iter().map(|p| p.1).sum();
            let value = (den > 0.0).then(|| num / den * 100.0);
            (Some(num), Some(den), value, pairs.len())
        }
        None => {
            let values: Vec<f64> = months.iter().filter_map(|m| numerator.eval(m)).collect();
            if values.is_empty() {
                return (None, None, None, 0);
            }
            let total: f64 = values.iter().sum();
            let value = match indicator.unit {
                ValueUnit::Count => total,
                ValueUnit::Percent | ValueUnit::Score => total / values.len() as f64,
            };
            (Some(total), None, Some(value), values.len())
        }
    }
}

/// Whether `value` meets `goal` in the indicator's direction (equal within EPSILON meets).
pub fn meets(direction: Direction, value: f64, goal: f64) -> bool {
    match direction {
        Direction::HigherIsBetter => value >= goal - EPSILON,
        Direction::LowerIsBetter => value <= goal + EPSILON,
    }
}

/// Decision 766/QĐ-TTg style: `max × min(1, value / cap)`; a zero denominator
/// scores by the indicator's policy (nothing to handle can mean full points).
fn points(indicator: &Indicator, value: Option<f64>, zero_denominator: bool) -> Option<f64> {
    let p = indicator.points?;
    match value {
        Some(v) => Some(p.max * (v / p.cap_percent).clamp(0.0, 1.0)),
        None if zero_denominator => match p.zero_denominator {
            ZeroDenominator::NoData => None,
            ZeroDenominator::ZeroPoints => Some(0.0),
            ZeroDenominator::FullPoints => Some(p.max),
        },
        None => None,
    }
}

/// A unit's composite score and how much of it rests on data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Composite {
    /// `None` when no scored indicator has data: listed last, never ranked as 0.
    pub score: Option<f64>,
    /// Indicators that contributed, of those that count for the group.
    pub scored: usize,
    pub expected: usize,
}

/// The composite over one unit's evaluations (only indicators of its group).
/// Sum of points: points earned over the points at stake among indicators with
/// data, × 100. Weighted sum: Σ weight × value over Σ weight, among indicators
/// with data. Rescaling to what has data keeps a missing indicator from counting as 0;
/// `scored`/`expected` shows how complete the score is.
pub fn composite(method: CompositeMethod, scored: &[(&Indicator, &Evaluation)]) -> Composite {
    let terms: Vec<(f64, Option<f64>)> = match method {
        CompositeMethod::SumOfPoints => scored
            .iter()
            .filter_map(|(i, e)| Some((i.points?.max, e.points)))
            .collect(),
        CompositeMethod::WeightedSum => scored
            .iter()
            .filter(|(i, _)| i.weight > 0.0 && i.unit != ValueUnit::Count)
            .map(|(i, e)| {
                (
                    i.weight,
                    e.value.map(|v| i.weight * oriented(i.direction, v)),
                )
            })
            .collect(),
    };
    let expected = terms.len();
    let with_data: Vec<(f64, f64)> = terms
        .iter()
        .filter_map(|(w, v)| Some((*w, (*v)?)))
        .collect();
    let stake: f64 = with_data.iter().map(|t| t.0).sum();
    let earned: f64 = with_data.iter().map(|t| t.1).sum();
    let score = (stake > 0.0).then(|| match method {
        CompositeMethod::SumOfPoints => earned / stake * 100.0,
        CompositeMethod::WeightedSum => earned / stake,
    });
    Composite {
        score,
        scored: with_data.len(),
        expected,
    }
}

/// A lower-is-better rate counts as its complement in a weighted sum.
fn oriented(direction: Direction, value: f64) -> f64 {
    match direction {
        Direction::HigherIsBetter => value,
        Direction::LowerIsBetter => 100.0 - value,
    }
}

#[cfg(test)]
mod tests;
