//! `collection_attempts` and `rejected_payloads`: the record of every pull and
//! import, and of every payload turned away.

use chrono::NaiveDate;
use clickhouse::Row;
use serde::Deserialize;

use super::codes::{Channel, Outcome};
use super::rows::{AttemptRow, RejectedRow};
use super::{Store, StoreError};
use crate::domain::Month;

/// A unit's last attempt for a month, as `chiso runs` shows it.
#[derive(Debug, Clone, Row, Deserialize)]
pub struct AttemptSummary {
    pub unit_code: String,
    pub attempt_id: String,
    pub channel: Channel,
    pub started_at: u32,
    pub outcome: Outcome,
    pub http_status: u16,
    pub tries: u8,
    pub services: u32,
    pub measures: u32,
    pub error: String,
}

/// A unit's rejected payloads for a month, as the digest lists them.
#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct RejectionCount {
    pub unit_code: String,
    pub payloads: u64,
    /// The field and reason of the newest rejection.
    pub last_field: String,
    pub last_reason: String,
}

impl Store {
    pub async fn record_attempt(&self, row: &AttemptRow) -> Result<(), StoreError> {
        self.insert_rows("collection_attempts", std::slice::from_ref(row))
            .await
    }

    pub async fn record_rejection(&self, row: &RejectedRow) -> Result<(), StoreError> {
        self.insert_rows("rejected_payloads", std::slice::from_ref(row))
            .await
    }

    /// Each unit's latest attempt for `month`.
    pub async fn last_attempts(&self, month: Month) -> Result<Vec<AttemptSummary>, StoreError> {
        let sql = "SELECT unit_code, argMax(attempt_id, started_us), argMax(channel, started_us), \
                   toUInt32(argMax(started_at, started_us)), argMax(outcome, started_us), \
                   argMax(http_status, started_us), argMax(tries, started_us), argMax(services, started_us), \
                   argMax(measures, started_us), argMax(error, started_us) \
                   FROM collection_attempts WHERE month = toDate(?) GROUP BY unit_code ORDER BY unit_code";
        let q = self.client.query(sql).bind(month.first_day().to_string());
        self.run("read last attempts", q.fetch_all()).await
    }

    /// Rejected payloads for a unit and month, newest first.
    pub async fn rejections(
        &self,
        unit: &str,
        month: NaiveDate,
    ) -> Result<Vec<RejectedRow>, StoreError> {
        let q = self
            .client
            .query("SELECT ?fields FROM rejected_payloads WHERE unit_code = ? AND month = ? ORDER BY received_at DESC")
            .bind(unit)
            .bind(month.to_string());
        self.run("read rejected payloads", q.fetch_all()).await
    }

    /// Per unit, the payloads rejected for `month`, by unit code.
    pub async fn rejection_counts(&self, month: Month) -> Result<Vec<RejectionCount>, StoreError> {
        let sql = "SELECT unit_code, count(), argMax(field, received_at), argMax(reason, received_at) \
                   FROM rejected_payloads WHERE month = toDate(?) GROUP BY unit_code ORDER BY unit_code";
        let q = self.client.query(sql).bind(month.first_day().to_string());
        self.run("read rejection counts", q.fetch_all()).await
    }
}
