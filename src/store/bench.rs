//! What `chiso-bench` reads and copies, so no table name lives outside the
//! store: row counts and sizes, one hand-written query per indicator (the
//! compute baseline), and the statements it hands to `clickhouse-client`.

use std::time::{Duration, Instant};

use clickhouse::Row;
use serde::Deserialize;

use super::{Store, StoreError};
use crate::domain::Indicator;

/// The two data tables, in the order the ingest baseline loads them.
pub const COLLECTED_TABLES: [&str; 2] = ["service_stats", "measure_values"];

/// Rows and bytes on disk of a database's tables (active parts).
#[derive(Debug, Clone, Row, Deserialize)]
pub struct TableSize {
    pub table: String,
    pub rows: u64,
    pub bytes_on_disk: u64,
}

#[derive(Debug, Row, Deserialize)]
struct Value {
    _unit_code: String,
    _month: String,
    _value: f64,
}

impl Store {
    /// service_stats + measure_values rows in this store's database.
    pub async fn collected_row_count(&self) -> Result<u64, StoreError> {
        let sql =
            "SELECT (SELECT count() FROM service_stats) + (SELECT count() FROM measure_values)";
        self.run("count collected rows", self.client.query(sql).fetch_one())
            .await
    }

    /// Rows and bytes of the data and batch tables of `database`.
    pub async fn table_sizes(&self, database: &str) -> Result<Vec<TableSize>, StoreError> {
        let sql = "SELECT table, sum(rows), sum(bytes_on_disk) FROM system.parts \
                   WHERE active AND database = ? AND table IN ('service_stats', 'measure_values', 'batches') \
                   GROUP BY table ORDER BY table";
        let q = self.admin.query(sql).bind(database);
        self.run("read table sizes", q.fetch_all()).await
    }

    /// Runs the hand-written query of `indicator` once (rows fetched and
    /// dropped): its time and row count. `None` where no single-table query
    /// computes it (the reporting indicators).
    pub async fn run_baseline(
        &self,
        indicator: &Indicator,
    ) -> Result<Option<(Duration, usize)>, StoreError> {
        let Some((sql, binds)) = baseline_sql(indicator) else {
            return Ok(None);
        };
        let mut q = self.client.query(&sql);
        for b in &binds {
            q = q.bind(b.as_str());
        }
        let started = Instant::now();
        let rows: Vec<Value> = self
            .run(&format!("baseline of {}", indicator.code), q.fetch_all())
            .await?;
        Ok(Some((started.elapsed(), rows.len())))
    }
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
/// facts are arrival times rather than a column to aggregate, and for formulas
/// beyond one measure (`docs/formulas.md`), which have no one-line equivalent.
pub fn baseline_sql(indicator: &Indicator) -> Option<(String, Vec<String>)> {
    let num = indicator.numerator.expr().as_measure()?;
    let den = match &indicator.denominator {
        Some(d) => Some(d.expr().as_measure()?),
        None => None,
    };
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

/// `clickhouse-client` statements that copy `from` into `to` with each service
/// row `scale` times under distinct service codes (so `scale` × the services
/// and dossiers per unit-month), their sums (0016_service_sums.sql) and the
/// formula aggregates already counted (0017_service_aggregates.sql) `scale`
/// times as large, as the copies would have been counted; measures and batch
/// records once.
pub fn scale_copy_sql(from: &str, to: &str, scale: u32) -> [String; 6] {
    [
        format!(
            "INSERT INTO {to}.service_stats SELECT unit_code, month, \
             concat(service_code, '-', toString(k)), service_name, field, level, eligible_full_online, \
             integrated_national_portal, received, received_online, processed, processed_on_time, \
             processed_late, pending_overdue, attempt_id, version, collected_at \
             FROM {from}.service_stats ARRAY JOIN range({scale}) AS k"
        ),
        format!(
            "INSERT INTO {to}.service_sums SELECT unit_code, month, version, \
             services_total * {scale}, services_full_online * {scale}, \
             services_partial_online * {scale}, services_online * {scale}, \
             services_eligible_full_online * {scale}, services_integrated_national_portal * {scale}, \
             dossiers_received * {scale}, dossiers_received_online * {scale}, \
             dossiers_processed * {scale}, dossiers_processed_on_time * {scale}, \
             dossiers_processed_late * {scale}, dossiers_pending_overdue * {scale} \
             FROM {from}.service_sums"
        ),
        // One row per key, its services under the copies' codes.
        format!(
            "INSERT INTO {to}.service_aggregates SELECT unit_code, month, version, aggregate, \
             any(value) * {scale}, \
             groupArrayArray(arrayMap(s -> concat(s, '-', toString(k)), services)) \
             FROM {from}.service_aggregates ARRAY JOIN range({scale}) AS k \
             GROUP BY unit_code, month, version, aggregate"
        ),
        format!("INSERT INTO {to}.measure_values SELECT * FROM {from}.measure_values"),
        format!("INSERT INTO {to}.batch_log SELECT * FROM {from}.batch_log"),
        format!("INSERT INTO {to}.batches SELECT * FROM {from}.batches"),
    ]
}

/// `clickhouse-client` statement: queries running on the server (itself included).
pub const RUNNING_QUERIES_SQL: &str = "SELECT count() FROM system.processes";

/// `clickhouse-client` statement: background merges of `database` under way.
pub fn merges_sql(database: &str) -> String {
    format!("SELECT count() FROM system.merges WHERE database = '{database}'")
}
