//! An indicator of the catalogue (`config/indicators.toml`) as compute, pages
//! and mails use it: its formula, unit, direction, points and yearly targets.
//! Loaded and checked by `config::IndicatorCatalogue`.

use serde::{Deserialize, Serialize};

use super::formula::{Formula, ServiceAggregate};
use super::{RankingGroup, UnitCode};

/// How an indicator's value is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValueUnit {
    /// numerator / denominator × 100, or a percent measure itself; 0 to 100.
    Percent,
    /// A score measure itself, such as a published sub-index.
    Score,
    /// A count measure itself.
    Count,
}

impl ValueUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueUnit::Percent => "percent",
            ValueUnit::Score => "score",
            ValueUnit::Count => "count",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    HigherIsBetter,
    /// A target is then a ceiling.
    LowerIsBetter,
}

/// What a point-carrying ratio scores when its denominator is zero, i.e. the unit
/// had nothing to handle (Decision 766/QĐ-TTg gives full points for some).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ZeroDenominator {
    /// Left out of the unit's score.
    #[default]
    NoData,
    ZeroPoints,
    FullPoints,
}

/// How indicators combine into the score that ranks units within their group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompositeMethod {
    /// The sum of each indicator's points, 100 in all (Decision 766/QĐ-TTg).
    SumOfPoints,
    /// The weighted sum of indicator values, DTI-style (Decision 922/QĐ-BTTTT).
    WeightedSum,
}

/// 766-style points: `max × min(1, value / cap_percent)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Points {
    /// Points at or above the cap; above 0.
    pub max: f64,
    /// The value earning full points; in (0, 100].
    pub cap_percent: f64,
    pub zero_denominator: ZeroDenominator,
}

/// A threshold set by a directive for a span of years.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct YearTarget {
    pub from_year: i32,
    /// Last year included; `None` = still in force.
    pub until_year: Option<i32>,
    /// In the indicator's unit.
    pub value: f64,
    /// Never empty; a subset of the indicator's `applies_to`.
    pub groups: Vec<RankingGroup>,
    /// A per-unit override when not empty: these units only, winning over
    /// the entries for their group.
    #[schema(value_type = Vec<String>)]
    pub units: Vec<UnitCode>,
}

impl YearTarget {
    pub(crate) fn covers(&self, year: i32, group: RankingGroup) -> bool {
        self.from_year <= year
            && self.until_year.is_none_or(|u| year <= u)
            && self.groups.contains(&group)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Indicator {
    /// lower_snake ASCII, unique.
    pub code: String,
    /// Vietnamese, as shown on pages and in mails.
    pub name: String,
    pub description: String,
    /// The directive the indicator comes from.
    pub source: String,
    /// A formula over measures (docs/formulas.md); most are one measure name.
    #[schema(value_type = String)]
    pub numerator: Formula,
    /// `None`: the indicator is the numerator's value itself.
    #[schema(value_type = Option<String>)]
    pub denominator: Option<Formula>,
    pub unit: ValueUnit,
    pub direction: Direction,
    /// Never empty.
    pub applies_to: Vec<RankingGroup>,
    /// Share in the weighted composite, relative within a group; ≥ 0.
    pub weight: f64,
    pub points: Option<Points>,
    pub targets: Vec<YearTarget>,
}

impl Indicator {
    /// Every per-service aggregate its formulas count.
    pub fn service_aggregates(&self) -> impl Iterator<Item = &ServiceAggregate> {
        std::iter::once(&self.numerator)
            .chain(&self.denominator)
            .flat_map(|f| f.expr().service_aggregates())
    }

    pub fn applies_to_group(&self, group: RankingGroup) -> bool {
        self.applies_to.contains(&group)
    }

    /// The target in force in `year` for `unit` of `group`: an override naming
    /// the unit first, else its group's. Where entries overlap, the one starting
    /// latest wins: a later directive supersedes an earlier one.
    pub fn target_for(&self, year: i32, group: RankingGroup, unit: &UnitCode) -> Option<f64> {
        let latest = |own: bool| {
            self.targets
                .iter()
                .filter(|t| t.covers(year, group))
                .filter(|t| {
                    if own {
                        t.units.contains(unit)
                    } else {
                        t.units.is_empty()
                    }
                })
                .max_by_key(|t| t.from_year)
                .map(|t| t.value)
        };
        latest(true).or_else(|| latest(false))
    }

    /// Unit codes named by target overrides, for checking against the registry.
    pub fn override_units(&self) -> impl Iterator<Item = (usize, &UnitCode)> {
        self.targets
            .iter()
            .enumerate()
            .flat_map(|(j, t)| t.units.iter().map(move |u| (j, u)))
    }
}
