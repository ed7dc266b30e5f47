//! `trajectories`: the month-by-month plans units file (1145/BTTTT-THH).

use chrono::{DateTime, NaiveDate, Utc};
use clickhouse::Row;
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::domain::Month;

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct TrajectoryRow {
    pub unit_code: String,
    pub indicator: String,
    #[serde(with = "clickhouse::serde::chrono::date")]
    pub month: NaiveDate,
    pub value: f64,
    pub source_file: String,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub imported_at: DateTime<Utc>,
    pub version: u64,
}

/// A trajectory value as computations read it.
#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct TrajectoryPoint {
    pub unit_code: String,
    pub indicator: String,
    pub month: String,
    pub value: f64,
}

impl Store {
    /// One INSERT: a file's plan is stored whole or not at all.
    pub async fn store_trajectories(&self, rows: &[TrajectoryRow]) -> Result<(), StoreError> {
        self.insert_rows("trajectories", rows).await
    }

    pub async fn trajectories(
        &self,
        from: Month,
        to: Month,
    ) -> Result<Vec<TrajectoryPoint>, StoreError> {
        let sql = "SELECT unit_code, indicator, toString(month), value FROM trajectories FINAL \
                   WHERE month >= toDate(?) AND month <= toDate(?) ORDER BY unit_code, indicator, month";
        self.fetch_month_range("read trajectories", sql, from, to)
            .await
    }
}
