//! A period's national picture: every unit's indicator evaluations, composite
//! score, and rank within its group (never across groups), with the rank change
//! against the previous period.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::evaluate::{composite, evaluate, Composite, Evaluation, Goals, MonthFigures};
use super::figures::{Deadline, Figures, Inputs, Trajectories};
use super::lineage::members;
use super::ranking::{rank, rank_change, Scored};
use crate::config::{IndicatorCatalogue, Registry, Unit};
use crate::domain::{Month, Period, QuarterCalendar, RankingGroup};
use crate::store::{Store, StoreError, Units};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitStanding {
    pub code: String,
    pub name: String,
    pub group: RankingGroup,
    pub evaluations: Vec<Evaluation>,
    pub composite: Composite,
    pub rank: Option<u32>,
    /// Places gained since the previous period.
    pub rank_change: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupRanking {
    pub group: RankingGroup,
    pub units: Vec<UnitStanding>,
}

/// The months `rank_period` needs figures for: the period and the one before it.
pub fn months_needed(period: Period, calendar: QuarterCalendar) -> Vec<Month> {
    let mut months = period.previous().months(calendar);
    months.extend(period.months(calendar));
    months.sort();
    months.dedup();
    months
}

/// Ranks every group for `period`. The units valid in the period's last month
/// take part; a unit formed by a merger carries its predecessors' figures for
/// the months before it (see `lineage`), so a period before a merger ranks the
/// units that existed then.
pub fn rank_period(
    registry: &Registry,
    indicators: &IndicatorCatalogue,
    inputs: &Inputs,
    period: Period,
    calendar: QuarterCalendar,
) -> Vec<GroupRanking> {
    let mut now = standings(registry, indicators, inputs, period, calendar);
    let before = standings(registry, indicators, inputs, period.previous(), calendar);
    apply_rank_change(&mut now, &before);
    now
}

/// Sets each unit's rank change against its rank in `before` (none when it
/// was not ranked then, or is not now).
pub fn apply_rank_change(groups: &mut [GroupRanking], before: &[GroupRanking]) {
    let previous: HashMap<&str, Option<u32>> = before
        .iter()
        .flat_map(|g| g.units.iter().map(|u| (u.code.as_str(), u.rank)))
        .collect();
    for u in groups.iter_mut().flat_map(|g| g.units.iter_mut()) {
        u.rank_change = rank_change(previous.get(u.code.as_str()).copied().flatten(), u.rank);
    }
}

/// Every report that makes up `unit`'s figures over `months`, as the units
/// stand in month `reference`: one entry per member unit-month (a merged
/// unit's predecessors each count once).
pub fn unit_months(
    registry: &Registry,
    figures: &Figures,
    unit: &Unit,
    months: &[Month],
    reference: Month,
) -> Vec<MonthFigures> {
    months
        .iter()
        .flat_map(|&m| {
            members(registry, unit, m, reference)
                .into_iter()
                .map(move |p| figures.get(p.code.as_str(), m))
        })
        .collect()
}

/// One unit's evaluations over `months`, against its targets for the year of
/// the last month and its trajectory for that month; merged units as they
/// stand in `reference` (the period's last month, or a series' last).
pub fn evaluate_unit(
    registry: &Registry,
    indicators: &IndicatorCatalogue,
    inputs: &Inputs,
    unit: &Unit,
    months: &[Month],
    reference: Month,
) -> (Vec<Evaluation>, Composite) {
    let Some(&last) = months.last() else {
        return (Vec::new(), composite(indicators.composite(), &[]));
    };
    let reports = unit_months(registry, &inputs.figures, unit, months, reference);
    let applicable: Vec<_> = indicators.for_group(unit.group).collect();
    let evaluations: Vec<Evaluation> = applicable
        .iter()
        .map(|i| {
            let goals = Goals {
                target: i.target_for(last.year(), unit.group, &unit.code),
                trajectory: inputs.trajectories.get(unit.code.as_str(), &i.code, last),
            };
            evaluate(i, &reports, goals)
        })
        .collect();
    let pairs: Vec<_> = applicable.iter().copied().zip(evaluations.iter()).collect();
    let mut score = composite(indicators.composite(), &pairs);
    // "Did not report" is a fact about timeliness, not a score: a unit with no
    // report in the period is listed as no data, never ranked as 0.
    if !reports
        .iter()
        .any(|f| f.get("reports_received_months") == Some(&1.0))
    {
        score.score = None;
    }
    (evaluations, score)
}

fn standings(
    registry: &Registry,
    indicators: &IndicatorCatalogue,
    inputs: &Inputs,
    period: Period,
    calendar: QuarterCalendar,
) -> Vec<GroupRanking> {
    let months = period.months(calendar);
    let Some(&last) = months.last() else {
        return Vec::new();
    };
    RankingGroup::ALL
        .into_iter()
        .map(|group| {
            let mut units: HashMap<String, UnitStanding> = HashMap::new();
            let mut scored = Vec::new();
            for unit in registry.valid_in(last).filter(|u| u.group == group) {
                let (evaluations, composite) =
                    evaluate_unit(registry, indicators, inputs, unit, &months, last);
                let code = unit.code.to_string();
                let name = unit.name_on(last.last_day()).to_string();
                scored.push(Scored {
                    code: code.clone(),
                    name: name.clone(),
                    score: composite.score,
                });
                let standing = UnitStanding {
                    code: code.clone(),
                    name,
                    group,
                    evaluations,
                    composite,
                    rank: None,
                    rank_change: None,
                };
                units.insert(code, standing);
            }
            let ordered = rank(scored)
                .into_iter()
                .filter_map(|r| {
                    let mut u = units.remove(&r.code)?;
                    u.rank = r.rank;
                    Some(u)
                })
                .collect();
            GroupRanking {
                group,
                units: ordered,
            }
        })
        .collect()
}

/// Reads what computing `months` needs: figures, report arrivals, trajectories.
pub async fn read_inputs(
    store: &Store,
    (registry, indicators): (&Registry, &IndicatorCatalogue),
    months: &[Month],
    units: Units<'_>,
    deadline: Deadline,
) -> Result<Inputs, StoreError> {
    let (Some(&from), Some(&to)) = (months.first(), months.last()) else {
        return Ok(Inputs::default());
    };
    let services = store.service_figures((from, to), units).await?;
    let measures = store.measure_figures((from, to), units).await?;
    let arrivals = store.first_stored((from, to), units).await?;
    let watched = store.months_watched((from, to)).await?;
    let trajectories = store.trajectories(from, to).await?;
    let mut figures = Figures::assemble(
        registry,
        months,
        (services, measures),
        (arrivals, watched),
        deadline,
    );
    // The portal probes' monthly measures (issue 15 §4).
    let mut portals = super::portal::portal_months(store, (from, to)).await?;
    if let Units::Only(codes) = units {
        portals.retain(|p| codes.contains(&p.unit));
    }
    figures.add_portal_months(&portals);
    // What formulas count over services (`count_services(…)`), once per distinct aggregate.
    let mut counted = std::collections::BTreeSet::new();
    for aggregate in indicators.iter().flat_map(|i| i.service_aggregates()) {
        if counted.insert(aggregate.figure_key()) {
            let counts = store.service_counts(aggregate, (from, to), units).await?;
            figures.add_service_counts(&aggregate.figure_key(), counts);
        }
    }
    Ok(Inputs {
        figures,
        trajectories: Trajectories::new(trajectories),
    })
}

/// Reads the figures `period` needs from the store and ranks every group.
pub async fn national_ranking(
    store: &Store,
    registry: &Registry,
    indicators: &IndicatorCatalogue,
    period: Period,
    calendar: QuarterCalendar,
    deadline: Deadline,
) -> Result<Vec<GroupRanking>, StoreError> {
    let months = months_needed(period, calendar);
    let inputs = read_inputs(store, (registry, indicators), &months, Units::All, deadline).await?;
    Ok(rank_period(registry, indicators, &inputs, period, calendar))
}
