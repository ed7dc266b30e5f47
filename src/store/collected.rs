//! `service_stats`, `measure_values`, `batches`: what units reported, read as
//! users read it — the newest complete version of each unit-month.

use std::collections::HashMap;

use clickhouse::Row;
use serde::{Deserialize, Serialize};

use super::quorum::Database;
use super::{AttemptRow, BatchRow, MeasureRow, ServiceRow, Store, StoreError};
use crate::domain::Month;

/// The batch that holds a unit-month's current data.
#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct CurrentBatch {
    pub unit_code: String,
    pub attempt_id: String,
    pub content_hash: String,
    pub services: u32,
    pub measures: u32,
}

/// Per-unit sums of the current services of a month.
#[derive(Debug, Clone, PartialEq, Eq, Row, Serialize, Deserialize)]
pub struct UnitMonthTotals {
    pub unit_code: String,
    pub services: u64,
    pub full_online: u64,
    pub received: u64,
    pub received_online: u64,
    pub processed: u64,
    pub processed_on_time: u64,
    pub processed_late: u64,
    pub pending_overdue: u64,
}

/// The newest committed batch of each unit of one month: from the log, which
/// is written before `batches`, and from `batches` for those stored before the
/// log existed. `{scope}` is the month's condition (and the unit's), bound in
/// each branch: 18.16 does not push a condition into a UNION.
const CURRENT_BATCHES: &str = "SELECT unit_code, argMax(attempt_id, version), \
     argMax(content_hash, version), argMax(services, version), argMax(measures, version) \
     FROM (SELECT unit_code, attempt_id, version, content_hash, services, measures \
     FROM batch_log WHERE {scope} \
     UNION ALL SELECT unit_code, attempt_id, version, content_hash, services, measures \
     FROM batches WHERE {scope}) GROUP BY unit_code";

impl Store {
    /// Accepted unit-months, in the order that keeps readers whole: the data
    /// rows (the service rows, their sums and the measures at once), then `batch_log`, then `batches`, so a batch
    /// never points at missing rows and its arrival is always logged.
    pub async fn write_batches(
        &self,
        services: &[ServiceRow],
        measures: &[MeasureRow],
        batches: &[BatchRow],
    ) -> Result<(), StoreError> {
        let sums = super::service_sums::sums_of(services);
        let (s, sums, m) = futures::join!(
            self.insert_rows("service_stats", services),
            self.insert_rows("service_sums", &sums),
            self.insert_rows("measure_values", measures)
        );
        s?;
        sums?;
        m?;
        self.insert_rows("batch_log", batches).await?;
        self.insert_rows("batches", batches).await
    }

    /// Attempt records, written after the batches they report on.
    pub async fn record_attempts(&self, attempts: &[AttemptRow]) -> Result<(), StoreError> {
        self.insert_rows("collection_attempts", attempts).await
    }

    pub(crate) async fn insert_rows<T>(&self, table: &str, rows: &[T]) -> Result<(), StoreError>
    where
        T: clickhouse::RowOwned + clickhouse::RowWrite,
    {
        let written = self.insert_into(Database::Main, table, rows).await;
        // Even a failed insert may have landed: read the stamp again.
        if super::since_collect::COLLECT_TABLES.contains(&table) {
            self.since_collect.forget();
        }
        written
    }

    pub async fn current_batch(
        &self,
        unit: &str,
        month: Month,
    ) -> Result<Option<CurrentBatch>, StoreError> {
        let sql = CURRENT_BATCHES.replace("{scope}", "month = toDate(?) AND unit_code = ?");
        let month = month.first_day().to_string();
        let q = self
            .client
            .query(&sql)
            .bind(&month)
            .bind(unit)
            .bind(&month)
            .bind(unit);
        self.run("read current batch", q.fetch_optional()).await
    }

    /// Every unit's current batch of `month`, by unit code: what a collect run
    /// compares its pulls with, read once for the run.
    pub async fn current_batches(
        &self,
        month: Month,
    ) -> Result<HashMap<String, CurrentBatch>, StoreError> {
        let sql = CURRENT_BATCHES.replace("{scope}", "month = toDate(?)");
        let month = month.first_day().to_string();
        let q = self.client.query(&sql).bind(&month).bind(&month);
        let rows: Vec<CurrentBatch> = self.run("read current batches", q.fetch_all()).await?;
        Ok(rows.into_iter().map(|b| (b.unit_code.clone(), b)).collect())
    }

    /// Per-unit totals of `month`, one row per unit that has current services.
    pub async fn month_totals(&self, month: Month) -> Result<Vec<UnitMonthTotals>, StoreError> {
        let sql = "SELECT unit_code, count() AS services, countIf(level = 'full_online') AS full_online, \
             sum(received), sum(received_online), sum(processed), sum(processed_on_time), \
             sum(processed_late), sum(pending_overdue) \
                   FROM service_stats_current WHERE month = toDate(?) GROUP BY unit_code ORDER BY unit_code";
        let q = self.client.query(sql).bind(month.first_day().to_string());
        self.run("read month totals", q.fetch_all()).await
    }

    /// Current measures of `month`: (unit, measure, value).
    pub async fn month_measures(
        &self,
        month: Month,
    ) -> Result<Vec<(String, String, f64)>, StoreError> {
        let sql = "SELECT unit_code, measure_code, value FROM measure_values_current \
             WHERE month = toDate(?) ORDER BY unit_code, measure_code";
        let q = self.client.query(sql).bind(month.first_day().to_string());
        self.run("read month measures", q.fetch_all()).await
    }
}
