//! Results ↔ the rows of `unit_results` and `indicator_results`, both ways,
//! so that what is read back equals what was computed.

use std::collections::HashMap;

use super::evaluate::{Composite, Evaluation, Status};
use super::national::{GroupRanking, UnitStanding};
use crate::domain::RankingGroup;
use crate::store::{ComputationRow, ComputationRows, IndicatorResultRow, UnitResultRow};

pub fn to_rows(computation: ComputationRow, groups: &[GroupRanking]) -> ComputationRows {
    let id = &computation.computation_id;
    let period = &computation.period;
    let mut units = Vec::new();
    let mut indicators = Vec::new();
    for g in groups {
        for (position, u) in g.units.iter().enumerate() {
            units.push(UnitResultRow {
                computation_id: id.clone(),
                period: period.clone(),
                ranking_group: g.group.as_str().to_string(),
                position: small(position),
                unit_code: u.code.clone(),
                unit_name: u.name.clone(),
                score: u.composite.score,
                indicators_scored: small(u.composite.scored),
                indicators_expected: small(u.composite.expected),
                rank: u.rank,
                rank_change: u.rank_change,
            });
            for (position, e) in u.evaluations.iter().enumerate() {
                indicators.push(IndicatorResultRow {
                    computation_id: id.clone(),
                    period: period.clone(),
                    unit_code: u.code.clone(),
                    position: small(position),
                    indicator: e.indicator.clone(),
                    numerator: e.numerator,
                    denominator: e.denominator,
                    value: e.value,
                    months_with_data: small(e.months_with_data),
                    months_expected: small(e.months_expected),
                    target: e.target,
                    trajectory: e.trajectory,
                    gap: e.gap,
                    status: e.status.as_str().to_string(),
                    points: e.points,
                });
            }
        }
    }
    ComputationRows {
        computation,
        units,
        indicators,
    }
}

/// The groups in `RankingGroup::ALL` order, units in listing order. Rows that
/// name an unknown group or status (a newer writer) are skipped, not guessed.
pub fn from_rows(rows: &ComputationRows) -> Vec<GroupRanking> {
    let mut evaluations: HashMap<&str, Vec<&IndicatorResultRow>> = HashMap::new();
    for r in &rows.indicators {
        evaluations.entry(r.unit_code.as_str()).or_default().push(r);
    }
    let mut groups: Vec<GroupRanking> = RankingGroup::ALL
        .into_iter()
        .map(|group| GroupRanking {
            group,
            units: Vec::new(),
        })
        .collect();
    let mut units: Vec<&UnitResultRow> = rows.units.iter().collect();
    units.sort_by_key(|u| u.position);
    for u in units {
        let Some(group) = groups
            .iter_mut()
            .find(|g| g.group.as_str() == u.ranking_group)
        else {
            continue;
        };
        let mut own = evaluations.remove(u.unit_code.as_str()).unwrap_or_default();
        own.sort_by_key(|e| e.position);
        group.units.push(UnitStanding {
            code: u.unit_code.clone(),
            name: u.unit_name.clone(),
            group: group.group,
            evaluations: own.into_iter().filter_map(evaluation).collect(),
            composite: Composite {
                score: u.score,
                scored: usize::from(u.indicators_scored),
                expected: usize::from(u.indicators_expected),
            },
            rank: u.rank,
            rank_change: u.rank_change,
        });
    }
    groups
}

fn evaluation(r: &IndicatorResultRow) -> Option<Evaluation> {
    Some(Evaluation {
        indicator: r.indicator.clone(),
        numerator: r.numerator,
        denominator: r.denominator,
        value: r.value,
        months_with_data: usize::from(r.months_with_data),
        months_expected: usize::from(r.months_expected),
        target: r.target,
        trajectory: r.trajectory,
        gap: r.gap,
        status: Status::parse(&r.status)?,
        points: r.points,
    })
}

/// Counts and positions here are far below the column's range; saturate, never wrap.
fn small<T: TryFrom<usize> + Bounded>(n: usize) -> T {
    T::try_from(n).unwrap_or(T::MAX)
}

trait Bounded {
    const MAX: Self;
}

impl Bounded for u16 {
    const MAX: Self = u16::MAX;
}

impl Bounded for u32 {
    const MAX: Self = u32::MAX;
}
