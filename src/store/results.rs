//! `computations`, `freezes`, `unit_results`, `indicator_results`: computed
//! results, one set per computation, and which computation each period publishes.

use chrono::{DateTime, Utc};
use clickhouse::Row;
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct ComputationRow {
    pub period: String,
    pub computation_id: String,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub computed_at: DateTime<Utc>,
    pub version: u64,
    pub content_hash: String,
    pub quarter_calendar: String,
    pub units: u32,
}

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct FreezeRow {
    pub period: String,
    pub computation_id: String,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub frozen_at: DateTime<Utc>,
    pub version: u64,
    /// The account that published; empty: the command line (or before 0014).
    pub frozen_by: String,
    /// Why it was published or revised.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct UnitResultRow {
    pub computation_id: String,
    pub period: String,
    pub ranking_group: String,
    pub position: u32,
    pub unit_code: String,
    pub unit_name: String,
    pub score: Option<f64>,
    pub indicators_scored: u16,
    pub indicators_expected: u16,
    pub rank: Option<u32>,
    pub rank_change: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct IndicatorResultRow {
    pub computation_id: String,
    pub period: String,
    pub unit_code: String,
    pub position: u16,
    pub indicator: String,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub value: Option<f64>,
    pub months_with_data: u16,
    pub months_expected: u16,
    pub target: Option<f64>,
    pub trajectory: Option<f64>,
    pub gap: Option<f64>,
    pub status: String,
    pub points: Option<f64>,
}

/// One computation's rows, in listing order.
#[derive(Debug, Clone, PartialEq)]
pub struct ComputationRows {
    pub computation: ComputationRow,
    pub units: Vec<UnitResultRow>,
    pub indicators: Vec<IndicatorResultRow>,
}

impl Store {
    /// Writes a computation: its results first and the `computations` row last,
    /// so a write cut short leaves rows no reader reaches, never a half result.
    pub async fn store_computation(&self, rows: &ComputationRows) -> Result<(), StoreError> {
        self.store_computations(std::slice::from_ref(rows)).await
    }

    /// Writes many computations in one INSERT per table, every result before
    /// any `computations` row (as `store_computation`): a whole recompute
    /// makes three parts for ClickHouse to merge, not three per period.
    pub async fn store_computations(&self, all: &[ComputationRows]) -> Result<(), StoreError> {
        if all.is_empty() {
            return Ok(());
        }
        let indicators: Vec<IndicatorResultRow> = all
            .iter()
            .flat_map(|r| r.indicators.iter().cloned())
            .collect();
        let units: Vec<UnitResultRow> = all.iter().flat_map(|r| r.units.iter().cloned()).collect();
        let computations: Vec<ComputationRow> = all.iter().map(|r| r.computation.clone()).collect();
        self.insert_rows("indicator_results", &indicators).await?;
        self.insert_rows("unit_results", &units).await?;
        let written = self.insert_rows("computations", &computations).await;
        for c in &computations {
            self.kept_records.forget(&c.period);
        }
        written
    }

    pub async fn store_freeze(&self, row: &FreezeRow) -> Result<(), StoreError> {
        let written = self.insert_rows("freezes", std::slice::from_ref(row)).await;
        self.kept_records.forget(&row.period);
        written
    }

    /// Every computation of `period`, oldest first.
    pub async fn computations(&self, period: &str) -> Result<Vec<ComputationRow>, StoreError> {
        let sql = "SELECT ?fields FROM computations WHERE period = ? ORDER BY version";
        let q = self.client.query(sql).bind(period);
        self.run("read computations", q.fetch_all()).await
    }

    /// Every frozen period (newest freeze of each), for listing published periods.
    pub async fn frozen_periods(&self) -> Result<Vec<FreezeRow>, StoreError> {
        let sql = "SELECT period, argMax(computation_id, version), max(frozen_at), max(version), \
                   argMax(frozen_by, version), argMax(reason, version) \
                   FROM freezes GROUP BY period ORDER BY period";
        self.run("read frozen periods", self.client.query(sql).fetch_all())
            .await
    }

    /// The rows of one computation, in listing order.
    pub async fn computation_rows(
        &self,
        computation: ComputationRow,
    ) -> Result<ComputationRows, StoreError> {
        let id = computation.computation_id.as_str();
        let units = self
            .client
            .query("SELECT ?fields FROM unit_results WHERE period = ? AND computation_id = ? ORDER BY ranking_group, position")
            .bind(&computation.period)
            .bind(id);
        let indicators = self
            .client
            .query("SELECT ?fields FROM indicator_results WHERE period = ? AND computation_id = ? ORDER BY unit_code, position")
            .bind(&computation.period)
            .bind(id);
        let units = self.run("read unit results", units.fetch_all()).await?;
        let indicators = self
            .run("read indicator results", indicators.fetch_all())
            .await?;
        Ok(ComputationRows {
            computation,
            units,
            indicators,
        })
    }
}
