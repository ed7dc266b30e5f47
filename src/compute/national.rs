//! A period's national picture: every unit's indicator evaluations, composite
//! score, and rank within its group (never across groups), with the rank change
//! against the previous period.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveTime, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;

use super::evaluate::{composite, evaluate, Composite, Evaluation, Goals, MonthFigures};
use super::ranking::{rank, rank_change, Scored};
use crate::config::{IndicatorCatalogue, Registry};
use crate::domain::{Month, Period, QuarterCalendar, RankingGroup};
use crate::store::{FirstStored, MeasureFigure, ServiceFigures, Store, StoreError};

/// Every unit-month's figures, reporting measures included.
#[derive(Debug, Default)]
pub struct Figures {
    by_unit_month: BTreeMap<(String, Month), MonthFigures>,
}

/// When reports are due, for the reporting-rate measures.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    pub day: u32,
    pub zone: Tz,
}

impl Deadline {
    /// End of `day` of the month after `month`, in the zone, as Unix seconds.
    fn of(self, month: Month) -> i64 {
        let day = month
            .next()
            .first_day()
            .with_day0(self.day.saturating_sub(1))
            .unwrap_or(month.next().first_day());
        let end = day.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default());
        self.zone
            .from_local_datetime(&end)
            .earliest()
            .map(|t| t.timestamp())
            .unwrap_or(i64::MAX)
    }
}

impl Figures {
    /// Assembles what the store read for `months`. Each unit valid in a month is
    /// due one report; it counts as received when the month was stored, on time
    /// when first stored by the deadline.
    pub fn assemble(
        registry: &Registry,
        months: &[Month],
        services: Vec<ServiceFigures>,
        measures: Vec<MeasureFigure>,
        arrivals: Vec<FirstStored>,
        deadline: Deadline,
    ) -> Self {
        let mut by_unit_month: BTreeMap<(String, Month), MonthFigures> = BTreeMap::new();
        let arrived: HashMap<(String, String), u32> = arrivals
            .into_iter()
            .map(|a| ((a.unit_code, a.month), a.first_stored_at))
            .collect();
        for &m in months {
            for unit in registry.valid_in(m) {
                let key = (unit.code.to_string(), m.first_day().to_string());
                let at = arrived.get(&key).copied();
                let figures = by_unit_month.entry((unit.code.to_string(), m)).or_default();
                figures.insert("reports_due_months".into(), 1.0);
                figures.insert(
                    "reports_received_months".into(),
                    f64::from(u8::from(at.is_some())),
                );
                let on_time = at.is_some_and(|t| i64::from(t) <= deadline.of(m));
                figures.insert(
                    "reports_on_time_months".into(),
                    f64::from(u8::from(on_time)),
                );
            }
        }
        for s in services {
            if let Some(m) = month_of(&s.month) {
                let figures = by_unit_month.entry((s.unit_code.clone(), m)).or_default();
                figures.extend(s.named().into_iter().map(|(k, v)| (k.to_string(), v)));
            }
        }
        for f in measures {
            if let Some(m) = month_of(&f.month) {
                by_unit_month
                    .entry((f.unit_code, m))
                    .or_default()
                    .insert(f.measure_code, f.value);
            }
        }
        Self { by_unit_month }
    }

    fn get(&self, unit: &str, month: Month) -> MonthFigures {
        self.by_unit_month
            .get(&(unit.to_string(), month))
            .cloned()
            .unwrap_or_default()
    }
}

/// `2021-06-01` (ClickHouse's Date as text) → the month.
fn month_of(date: &str) -> Option<Month> {
    date.get(..7)?.parse().ok()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// Ranks every group for `period`. Units valid in any month of the period take part.
pub fn rank_period(
    registry: &Registry,
    indicators: &IndicatorCatalogue,
    figures: &Figures,
    period: Period,
    calendar: QuarterCalendar,
) -> Vec<GroupRanking> {
    let now = standings(registry, indicators, figures, period, calendar);
    let before = standings(registry, indicators, figures, period.previous(), calendar);
    let previous_rank: HashMap<&str, Option<u32>> = before
        .iter()
        .flat_map(|g| g.units.iter().map(|u| (u.code.as_str(), u.rank)))
        .collect();
    now.into_iter()
        .map(|mut g| {
            for u in &mut g.units {
                u.rank_change = rank_change(
                    previous_rank.get(u.code.as_str()).copied().flatten(),
                    u.rank,
                );
            }
            g
        })
        .collect()
}

fn standings(
    registry: &Registry,
    indicators: &IndicatorCatalogue,
    figures: &Figures,
    period: Period,
    calendar: QuarterCalendar,
) -> Vec<GroupRanking> {
    let months = period.months(calendar);
    let Some(last) = months.last().copied() else {
        return Vec::new();
    };
    let groups = [
        RankingGroup::Province,
        RankingGroup::MinistryServices,
        RankingGroup::MinistryNoServices,
    ];
    groups
        .into_iter()
        .map(|group| {
            let mut units: HashMap<String, UnitStanding> = HashMap::new();
            let mut scored = Vec::new();
            let applicable: Vec<_> = indicators.for_group(group).collect();
            for unit in registry
                .all()
                .iter()
                .filter(|u| u.group == group && months.iter().any(|m| u.valid_in(*m)))
            {
                let code = unit.code.to_string();
                let unit_months: Vec<MonthFigures> = months
                    .iter()
                    .filter(|m| unit.valid_in(**m))
                    .map(|m| figures.get(&code, *m))
                    .collect();
                let evaluations: Vec<Evaluation> = applicable
                    .iter()
                    .map(|i| {
                        evaluate(
                            i,
                            &unit_months,
                            Goals {
                                target: i.target_for(last.year(), group),
                                trajectory: None,
                            },
                        )
                    })
                    .collect();
                let pairs: Vec<_> = applicable.iter().copied().zip(evaluations.iter()).collect();
                let mut composite = composite(indicators.composite(), &pairs);
                // "Did not report" is a fact about timeliness, not a score: a unit
                // with no report in the period is listed as no data, never ranked as 0.
                let reported = unit_months
                    .iter()
                    .any(|f| f.get("reports_received_months") == Some(&1.0));
                if !reported {
                    composite.score = None;
                }
                scored.push(Scored {
                    code: code.clone(),
                    name: unit.name.clone(),
                    score: composite.score,
                });
                let standing = UnitStanding {
                    code: code.clone(),
                    name: unit.name.clone(),
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
    let (Some(&from), Some(&to)) = (months.first(), months.last()) else {
        return Ok(Vec::new());
    };
    let services = store.service_figures(from, to).await?;
    let measures = store.measure_figures(from, to).await?;
    let arrivals = store.first_stored(from, to).await?;
    let figures = Figures::assemble(registry, &months, services, measures, arrivals, deadline);
    Ok(rank_period(
        registry, indicators, &figures, period, calendar,
    ))
}
