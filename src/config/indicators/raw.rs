//! The catalogue as written in `indicators.toml`, before any check.

use serde::Deserialize;

use super::{Indicator, Points, YearTarget};
use crate::domain::formula::Formula;
use crate::domain::{
    CompositeMethod, Direction, RankingGroup, UnitCode, ValueUnit, ZeroDenominator,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCatalogue {
    pub(super) composite: RawComposite,
    pub(super) indicator: Vec<RawIndicator>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawComposite {
    pub(super) method: CompositeMethod,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIndicator {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) source: String,
    pub(super) numerator: String,
    pub(super) denominator: Option<String>,
    pub(super) unit: ValueUnit,
    #[serde(default)]
    pub(super) direction: Direction,
    pub(super) applies_to: Vec<RankingGroup>,
    pub(super) weight: f64,
    pub(super) points: Option<RawPoints>,
    #[serde(default)]
    pub(super) target: Vec<RawTarget>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPoints {
    pub(super) max: f64,
    pub(super) cap_percent: f64,
    pub(super) zero_denominator: Option<ZeroDenominator>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTarget {
    pub(super) from_year: i32,
    pub(super) until_year: Option<i32>,
    pub(super) value: f64,
    pub(super) groups: Option<Vec<RankingGroup>>,
    #[serde(default)]
    pub(super) units: Vec<UnitCode>,
}

impl RawIndicator {
    pub(super) fn into_indicator(
        self,
        (numerator, denominator): (Formula, Option<Formula>),
    ) -> Indicator {
        let applies_to = self.applies_to;
        let targets = self
            .target
            .into_iter()
            .map(|t| YearTarget {
                from_year: t.from_year,
                until_year: t.until_year,
                value: t.value,
                groups: t.groups.unwrap_or_else(|| applies_to.clone()),
                units: t.units,
            })
            .collect();
        Indicator {
            code: self.code,
            name: self.name,
            description: self.description,
            source: self.source,
            numerator,
            denominator,
            unit: self.unit,
            direction: self.direction,
            applies_to,
            weight: self.weight,
            points: self.points.map(|pt| Points {
                max: pt.max,
                cap_percent: pt.cap_percent,
                zero_denominator: pt.zero_denominator.unwrap_or_default(),
            }),
            targets,
        }
    }
}
