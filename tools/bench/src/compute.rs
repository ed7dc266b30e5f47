//! Compute: every indicator, status and ranking of every unit for every month,
//! quarter and year of a span, as the compute job stores them, beside one
//! hand-written ClickHouse query per indicator that computes its monthly value
//! for all units and months (the baseline: what the database alone costs).

use std::time::{Duration, Instant};

use chiso::app::App;
use chiso::compute::publish::Written;
use chiso::domain::{Month, Period};

/// Months, then quarters, then years of `from..=to` (years): 84 + 28 + 7 for 2019–2025.
pub fn periods(from: i32, to: i32) -> Vec<Period> {
    let mut out = Vec::new();
    for y in from..=to {
        out.extend((1..=12).filter_map(|m| Month::new(y, m)).map(Period::Month));
    }
    for y in from..=to {
        out.extend((1..=4).map(|quarter| Period::Quarter { year: y, quarter }));
    }
    out.extend((from..=to).map(Period::Year));
    out
}

#[derive(Debug, Clone, Copy)]
pub struct ComputeRun {
    pub periods: usize,
    pub stored: usize,
    pub elapsed: Duration,
}

/// Computes (and stores when changed) every period, in order, as the compute job does.
pub async fn compute_all(app: &App, periods: &[Period]) -> anyhow::Result<ComputeRun> {
    let computer = app.computer();
    let started = Instant::now();
    let computed = computer.compute_periods(periods).await?;
    let stored = computed
        .iter()
        .filter(|c| c.written == Written::Stored)
        .count();
    Ok(ComputeRun {
        periods: periods.len(),
        stored,
        elapsed: started.elapsed(),
    })
}

#[derive(Debug, Clone)]
pub struct Baseline {
    pub indicator: String,
    /// `None`: no single-table query computes it (reporting indicators).
    pub elapsed: Option<Duration>,
    pub rows: usize,
    /// Why there is no baseline query, when there is none.
    pub why_none: &'static str,
}

/// Why `indicator` has no one-line baseline query.
fn why_none(indicator: &chiso::domain::Indicator) -> &'static str {
    if indicator.service_aggregates().next().is_some() {
        "a formula over each service's rows: count_services / sum_services"
    } else if indicator.numerator.expr().as_measure().is_some() {
        "reporting facts: arrival times of batches"
    } else {
        "a formula over several measures"
    }
}

/// Runs the baseline query of each indicator `chosen` picks, once (results fetched and dropped).
pub async fn baselines(app: &App, chosen: impl Fn(&str) -> bool) -> anyhow::Result<Vec<Baseline>> {
    let mut out = Vec::new();
    for indicator in app.indicators.iter().filter(|i| chosen(&i.code)) {
        let ran = app.store.run_baseline(indicator).await?;
        out.push(Baseline {
            indicator: indicator.code.clone(),
            elapsed: ran.map(|(elapsed, _)| elapsed),
            rows: ran.map_or(0, |(_, rows)| rows),
            why_none: why_none(indicator),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_span_2019_to_2025_has_84_months_28_quarters_and_7_years() {
        let p = periods(2019, 2025);
        assert_eq!(p.len(), 119);
        assert_eq!(
            p.iter().filter(|p| matches!(p, Period::Month(_))).count(),
            84
        );
        assert_eq!(p.iter().filter(|p| matches!(p, Period::Year(_))).count(), 7);
    }
}
