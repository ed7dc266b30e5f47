//! What the monthly report says, gathered once from the stored results: the
//! month's published computation (or, when it was never computed, one drawn
//! from the current data and marked provisional), the national figures with
//! the year's targets, who lags and who did not report, and the month's data
//! quality. Missing data stays `None` here, never 0.

use chrono::{DateTime, Utc};

use std::collections::HashMap;

use crate::compute::evaluate::{meets, Status};
use crate::compute::lagging::{self, LaggingRule};
use crate::compute::national::{read_inputs, GroupRanking};
use crate::compute::outliers::{outliers, Materiality, Outlier};
use crate::compute::publish::Computer;
use crate::compute::summary::{national_figures, NationalFigure};
use crate::config::{ComputeSettings, Indicator, IndicatorCatalogue, ValueUnit};
use crate::domain::{Month, Period, RankingGroup, UnitCode};
use crate::store::{RejectionCount, StoreError, Units};

/// Whether the month's results are published (frozen) or may still change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Frozen at this as-of time.
    Published { frozen_at: DateTime<Utc> },
    /// The newest computation, or one drawn now when none was stored.
    Provisional { computed_at: DateTime<Utc> },
}

impl Standing {
    pub fn as_of(self) -> DateTime<Utc> {
        match self {
            Standing::Published { frozen_at } => frozen_at,
            Standing::Provisional { computed_at } => computed_at,
        }
    }
}

/// An indicator as the report's columns show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub code: String,
    pub name: String,
    pub unit: ValueUnit,
}

/// One line of the national table: an indicator over one group (or all of
/// them together), against the year's target for that group.
#[derive(Debug, Clone, PartialEq)]
pub struct NationalLine {
    pub column: Column,
    pub figure: NationalFigure,
    /// The group's target for the year; over all groups, their common target if they share one.
    pub target: Option<f64>,
    /// Whether the pooled figure (else the mean of units) meets the target;
    /// `None` without a target or a figure.
    pub meets_target: Option<bool>,
    /// Units that meet their own target.
    pub units_achieved: usize,
}

impl NationalLine {
    /// The figure compared with the target: the pooled one, else the mean of units.
    pub fn headline(&self) -> Option<f64> {
        self.figure.pooled.or(self.figure.mean_of_units)
    }
}

/// A unit named in the report, with its group.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitLine {
    pub group: RankingGroup,
    pub code: String,
    pub name: String,
    pub rank: Option<u32>,
    /// For a lagging unit: the indicators behind their target.
    pub behind: Vec<String>,
    /// Why the unit gets the lagging alert (`compute::lagging`, the rule the
    /// mails follow); empty when it gets none.
    pub alerted: Vec<String>,
}

/// The month's reporting and the checks its data went through.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Quality {
    pub units_due: usize,
    pub reported: usize,
    pub on_time: usize,
    /// Reports stored after the deadline of a month chiso was not yet collecting
    /// (a backfill, an import of history): neither on time nor late.
    pub arrival_unknown: usize,
    /// Units with refused payloads, by name.
    pub rejections: Vec<(String, RejectionCount)>,
    /// Month-over-month changes flagged for review, most severe first.
    pub outliers: Vec<Outlier>,
}

/// Everything the report shows for one month.
#[derive(Debug, Clone)]
pub struct MonthlyReport {
    pub month: Month,
    pub standing: Standing,
    pub generated_at: DateTime<Utc>,
    pub national: Vec<NationalLine>,
    /// The three groups, ranked apart, each with its columns.
    pub groups: Vec<(GroupRanking, Vec<Column>)>,
    pub lagging: Vec<UnitLine>,
    pub not_reported: Vec<UnitLine>,
    pub quality: Quality,
}

impl MonthlyReport {
    /// An indicator's name as the report's columns carry it.
    pub fn indicator_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.groups
            .iter()
            .flat_map(|(_, columns)| columns.iter())
            .find(|c| c.code == code)
            .map_or(code, |c| c.name.as_str())
    }
}

/// Gathers the report of `month` through `computer`: the published results
/// (computing nothing new and storing nothing), the inputs of the month and
/// the one before (for reporting counts and flagged changes), the rejections.
pub async fn monthly_report(
    computer: &Computer<'_>,
    (settings, rule): (&ComputeSettings, LaggingRule),
    month: Month,
) -> Result<MonthlyReport, StoreError> {
    let materiality = Materiality {
        min_points: settings.outlier_min_points,
        min_relative: settings.outlier_min_relative,
    };
    let published = computer.published_or_live(Period::Month(month)).await?;
    let standing = match published.frozen_at {
        Some(frozen_at) => Standing::Published { frozen_at },
        None => Standing::Provisional {
            computed_at: published.computed_at,
        },
    };
    let months = [month.prev(), month];
    let inputs = read_inputs(
        computer.store,
        (computer.registry, computer.indicators),
        &months,
        Units::All,
        computer.deadline,
    )
    .await?;
    let flagged = outliers(
        computer.registry,
        computer.indicators,
        &inputs,
        &months,
        materiality,
    );
    let rejections = computer.store.rejection_counts(month).await?;
    let indicators = computer.indicators;
    let reported = |code: &str| {
        inputs
            .figures
            .get(code, month)
            .get("reports_received_months")
            == Some(&1.0)
    };
    let due: Vec<_> = computer.registry.valid_in(month).collect();
    let figures_of = |code: &str| inputs.figures.get(code, month);
    let quality = Quality {
        units_due: due.len(),
        reported: due.iter().filter(|u| reported(u.code.as_str())).count(),
        on_time: due
            .iter()
            .filter(|u| figures_of(u.code.as_str()).get("reports_on_time_months") == Some(&1.0))
            .count(),
        arrival_unknown: due
            .iter()
            .filter(|u| reported(u.code.as_str()))
            .filter(|u| !figures_of(u.code.as_str()).contains_key("reports_on_time_months"))
            .count(),
        rejections: rejections
            .into_iter()
            .map(|r| {
                let name = computer
                    .registry
                    .get(&UnitCode::new(r.unit_code.as_str()))
                    .map_or_else(|| r.unit_code.clone(), |u| u.name.clone());
                (name, r)
            })
            .collect(),
        outliers: flagged,
    };
    let groups = published.groups;
    // The composite scores of the month before, as the lagging alert compares.
    let before: HashMap<String, f64> = computer
        .published_or_live(Period::Month(month.prev()))
        .await?
        .groups
        .iter()
        .flat_map(|g| g.units.iter())
        .filter_map(|u| u.composite.score.map(|s| (u.code.clone(), s)))
        .collect();
    let mut not_reported = Vec::new();
    let mut lagging = Vec::new();
    for g in &groups {
        for u in &g.units {
            let line = |behind, alerted| UnitLine {
                group: g.group,
                code: u.code.clone(),
                name: u.name.clone(),
                rank: u.rank,
                behind,
                alerted,
            };
            if !reported(&u.code) {
                not_reported.push(line(Vec::new(), Vec::new()));
                continue;
            }
            let behind: Vec<String> = u
                .evaluations
                .iter()
                .filter(|e| e.status == Status::Lagging && e.target.is_some())
                .map(|e| name_of(indicators, &e.indicator))
                .collect();
            let alerted: Vec<String> = lagging::reasons(&rule, g, u, before.get(&u.code).copied())
                .iter()
                .map(|r| r.describe_vi(indicators))
                .collect();
            if !behind.is_empty() || !alerted.is_empty() {
                lagging.push(line(behind, alerted));
            }
        }
    }
    Ok(MonthlyReport {
        month,
        standing,
        generated_at: Utc::now(),
        national: national_lines(indicators, &groups, month.year()),
        groups: groups
            .into_iter()
            .map(|g| {
                let columns = indicators.for_group(g.group).map(column).collect();
                (g, columns)
            })
            .collect(),
        lagging,
        not_reported,
        quality,
    })
}

fn column(i: &Indicator) -> Column {
    Column {
        code: i.code.clone(),
        name: i.name.clone(),
        unit: i.unit,
    }
}

fn name_of(indicators: &IndicatorCatalogue, code: &str) -> String {
    indicators
        .get(code)
        .map_or_else(|| code.to_string(), |i| i.name.clone())
}

/// The national figures of every indicator and group, with the group's target
/// for `year` and how many units meet their own.
pub fn national_lines(
    indicators: &IndicatorCatalogue,
    groups: &[GroupRanking],
    year: i32,
) -> Vec<NationalLine> {
    national_figures(indicators, groups)
        .into_iter()
        .filter_map(|figure| {
            let indicator = indicators.get(&figure.indicator)?;
            let in_line: Vec<&GroupRanking> = groups
                .iter()
                .filter(|g| figure.group.is_none_or(|one| one == g.group))
                .filter(|g| indicator.applies_to_group(g.group))
                .collect();
            let target = common_target(indicator, &in_line, year);
            let units_achieved = in_line
                .iter()
                .flat_map(|g| g.units.iter())
                .filter_map(|u| u.evaluations.iter().find(|e| e.indicator == indicator.code))
                .filter(|e| e.status == Status::Achieved)
                .count();
            let mut line = NationalLine {
                column: column(indicator),
                figure,
                target,
                meets_target: None,
                units_achieved,
            };
            line.meets_target = line
                .headline()
                .zip(target)
                .map(|(v, t)| meets(indicator.direction, v, t));
            Some(line)
        })
        .collect()
}

/// The target every group of `groups` has for `year` (a unit's own override
/// aside), or `None` when they differ or have none.
fn common_target(indicator: &Indicator, groups: &[&GroupRanking], year: i32) -> Option<f64> {
    // No unit has an empty code: only the group's own entries answer.
    let nobody = UnitCode::new("");
    let mut targets = groups
        .iter()
        .map(|g| indicator.target_for(year, g.group, &nobody));
    let first = targets.next()??;
    targets
        .all(|t| t.is_some_and(|t| (t - first).abs() < 1e-9))
        .then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn shipped() -> IndicatorCatalogue {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        let measures = crate::config::MeasureCatalogue::load(&dir.join("measures.toml")).unwrap();
        IndicatorCatalogue::load(&dir.join("indicators.toml"), &measures).unwrap()
    }

    fn empty(group: RankingGroup) -> GroupRanking {
        GroupRanking {
            group,
            units: Vec::new(),
        }
    }

    #[test]
    fn groups_share_a_target_only_when_each_has_the_same_one() {
        let catalogue = shipped();
        let rate = catalogue.get("online_dossier_rate").unwrap();
        let (p, m) = (
            empty(RankingGroup::Province),
            empty(RankingGroup::MinistryServices),
        );
        // 2023: 50 % for both (17/NQ-CP); 2019: 20 % for ministries only (676/QĐ-BKHCN).
        assert_eq!(common_target(rate, &[&p, &m], 2023), Some(50.0));
        assert_eq!(common_target(rate, &[&m], 2019), Some(20.0));
        assert_eq!(common_target(rate, &[&p, &m], 2019), None);
    }

    #[test]
    fn a_group_without_figures_has_no_headline_and_no_verdict() {
        let catalogue = shipped();
        let lines = national_lines(&catalogue, &[empty(RankingGroup::Province)], 2023);
        let rate = lines
            .iter()
            .find(|l| l.column.code == "online_dossier_rate")
            .unwrap();
        assert_eq!((rate.headline(), rate.target), (None, Some(50.0)));
        assert_eq!(rate.meets_target, None, "no data is not 'not met'");
        assert_eq!(rate.units_achieved, 0);
    }
}
