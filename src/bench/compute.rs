//! Compute: every indicator, status and ranking of every unit for every month,
//! quarter and year of a span, as the compute job stores them, beside one
//! hand-written ClickHouse query per indicator that computes its monthly value
//! for all units and months (the baseline: what the database alone costs).

use std::time::{Duration, Instant};

use clickhouse::Row;
use serde::Deserialize;

use crate::app::App;
use crate::compute::publish::Written;
use crate::config::Indicator;
use crate::domain::{Month, Period};
use crate::store::Store;

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

/// The SQL aggregate over `service_stats_current` of a service measure.
fn service_aggregate(measure: &str) -> Option<&'static str> {
    Some(match measure {
        "services_total" => "count()",
        "services_full_online" => "countIf(level = 'full_online')",
        "services_partial_online" => "countIf(level = 'partial_online')",
        "services_online" => "countIf(level != 'not_online')",
        "services_eligible_full_online" => "countIf(eligible_full_online = 1)",
        "services_integrated_national_portal" => "countIf(integrated_national_portal = 1)",
        "dossiers_received" => "sum(received)",
        "dossiers_received_online" => "sum(received_online)",
        "dossiers_processed" => "sum(processed)",
        "dossiers_processed_on_time" => "sum(processed_on_time)",
        "dossiers_processed_late" => "sum(processed_late)",
        "dossiers_pending_overdue" => "sum(pending_overdue)",
        _ => return None,
    })
}

/// The hand-written query for `indicator`: its value for every unit and month,
/// and the measure codes it binds. `None` for the reporting indicators, whose
/// facts are arrival times rather than a column to aggregate.
pub fn baseline_sql(indicator: &Indicator) -> Option<(String, Vec<String>)> {
    let num = indicator.numerator.as_str();
    let den = indicator.denominator.as_deref();
    if let Some(n) = service_aggregate(num) {
        let value = match den.map(service_aggregate) {
            None => format!("toFloat64({n})"),
            Some(Some(d)) => format!("if({d} = 0, nan, {n} / {d} * 100)"),
            Some(None) => return None,
        };
        let sql = format!(
            "SELECT unit_code, toString(month), {value} FROM service_stats_current \
             GROUP BY unit_code, month ORDER BY unit_code, month"
        );
        return Some((sql, Vec::new()));
    }
    if num.starts_with("reports_") && num.ends_with("_months") {
        return None;
    }
    let (value, binds) = match den {
        None => ("sumIf(value, measure_code = ?)", vec![num.to_string()]),
        Some(d) => (
            "if(sumIf(value, measure_code = ?) = 0, nan, sumIf(value, measure_code = ?) / sumIf(value, measure_code = ?) * 100)",
            vec![d.to_string(), num.to_string(), d.to_string()],
        ),
    };
    let sql = format!(
        "SELECT unit_code, toString(month), {value} FROM measure_values_current \
         GROUP BY unit_code, month ORDER BY unit_code, month"
    );
    Some((sql, binds))
}

#[derive(Debug, Row, Deserialize)]
struct Value {
    _unit_code: String,
    _month: String,
    _value: f64,
}

#[derive(Debug, Clone)]
pub struct Baseline {
    pub indicator: String,
    /// `None`: no single-table query computes it (reporting indicators).
    pub elapsed: Option<Duration>,
    pub rows: usize,
}

/// Runs the baseline query of each indicator `chosen` picks, once (results fetched and dropped).
pub async fn baselines(app: &App, chosen: impl Fn(&str) -> bool) -> anyhow::Result<Vec<Baseline>> {
    let mut out = Vec::new();
    for indicator in app.indicators.iter().filter(|i| chosen(&i.code)) {
        let Some((sql, binds)) = baseline_sql(indicator) else {
            out.push(Baseline {
                indicator: indicator.code.clone(),
                elapsed: None,
                rows: 0,
            });
            continue;
        };
        let (elapsed, rows) = run_baseline(&app.store, &sql, &binds).await?;
        out.push(Baseline {
            indicator: indicator.code.clone(),
            elapsed: Some(elapsed),
            rows,
        });
    }
    Ok(out)
}

async fn run_baseline(
    store: &Store,
    sql: &str,
    binds: &[String],
) -> anyhow::Result<(Duration, usize)> {
    let mut q = store.client().query(sql);
    for b in binds {
        q = q.bind(b.as_str());
    }
    let started = Instant::now();
    let rows: Vec<Value> = q.fetch_all().await?;
    Ok((started.elapsed(), rows.len()))
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
