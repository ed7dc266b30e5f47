//! The inputs of a computation: every unit-month's figures (reporting
//! measures included) and the monthly trajectories units filed.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveTime, TimeZone};
use chrono_tz::Tz;

use super::arrival::Arrival;
use super::evaluate::MonthFigures;
use super::portal::{portal_measures, PortalMonth};
use crate::config::Registry;
use crate::domain::Month;
use crate::store::{
    FirstStored, MeasureFigure, MonthWatched, ServiceCount, ServiceFigures, TrajectoryPoint,
};

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
    pub fn of(self, month: Month) -> i64 {
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
    /// when first stored by the deadline. A month whose arrival is unknown
    /// (`Arrival::Unknown`) has no on-time figure: the on-time rate leaves it
    /// out, and its coverage (months with data) says so.
    pub fn assemble(
        registry: &Registry,
        months: &[Month],
        (services, measures): (Vec<ServiceFigures>, Vec<MeasureFigure>),
        (arrivals, watched): (Vec<FirstStored>, Vec<MonthWatched>),
        deadline: Deadline,
    ) -> Self {
        let mut by_unit_month: BTreeMap<(String, Month), MonthFigures> = BTreeMap::new();
        let arrived: HashMap<(String, String), u32> = arrivals
            .into_iter()
            .map(|a| ((a.unit_code, a.month), a.first_stored_at))
            .collect();
        let watched: HashMap<String, u32> = watched
            .into_iter()
            .map(|w| (w.month, w.first_attempt_at))
            .collect();
        for &m in months {
            let first_attempt = watched
                .get(&m.first_day().to_string())
                .map(|&t| i64::from(t));
            for unit in registry.valid_in(m) {
                let key = (unit.code.to_string(), m.first_day().to_string());
                let at = arrived.get(&key).copied();
                let figures = by_unit_month.entry((unit.code.to_string(), m)).or_default();
                figures.insert("reports_due_months".into(), 1.0);
                figures.insert(
                    "reports_received_months".into(),
                    f64::from(u8::from(at.is_some())),
                );
                let arrival = Arrival::of(at.map(i64::from), first_attempt, deadline.of(m));
                if arrival != Arrival::Unknown {
                    let on_time = arrival == Arrival::OnTime;
                    figures.insert(
                        "reports_on_time_months".into(),
                        f64::from(u8::from(on_time)),
                    );
                }
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

    /// Adds a formula's service count (`key`) to the unit-months that reported
    /// services; a month without a service report gets no count, never a zero.
    pub fn add_service_counts(&mut self, key: &str, counts: Vec<ServiceCount>) {
        // The store lists only unit-months where some service counted.
        for figures in self.by_unit_month.values_mut() {
            if figures.contains_key("services_total") {
                figures.insert(key.to_string(), 0.0);
            }
        }
        for c in counts {
            let Some(m) = month_of(&c.month) else {
                continue;
            };
            if let Some(figures) = self.by_unit_month.get_mut(&(c.unit_code, m)) {
                if figures.contains_key("services_total") {
                    figures.insert(key.to_string(), c.count as f64);
                }
            }
        }
    }

    /// Adds each portal month's measures (`portal::portal_measures`) to its
    /// unit-month; a unit-month without probes gets none, never a zero.
    pub fn add_portal_months(&mut self, months: &[PortalMonth]) {
        for m in months {
            let figures = self
                .by_unit_month
                .entry((m.unit.clone(), m.month))
                .or_default();
            for (key, value) in portal_measures(m) {
                figures.insert(key.to_string(), value);
            }
        }
    }

    pub fn get(&self, unit: &str, month: Month) -> MonthFigures {
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

/// The monthly plans units filed (1145/BTTTT-THH): unit × indicator × month → value.
#[derive(Debug, Default)]
pub struct Trajectories {
    by_key: HashMap<(String, String, Month), f64>,
}

impl Trajectories {
    pub fn new(points: Vec<TrajectoryPoint>) -> Self {
        let by_key = points
            .into_iter()
            .filter_map(|p| Some(((p.unit_code, p.indicator, month_of(&p.month)?), p.value)))
            .collect();
        Self { by_key }
    }

    pub fn get(&self, unit: &str, indicator: &str, month: Month) -> Option<f64> {
        self.by_key
            .get(&(unit.to_string(), indicator.to_string(), month))
            .copied()
    }
}

/// Everything a computation reads.
#[derive(Debug, Default)]
pub struct Inputs {
    pub figures: Figures,
    pub trajectories: Trajectories,
}
