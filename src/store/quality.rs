//! Reads for the data-quality and unit pages: attempts and rejections over
//! time, without the payloads.

use clickhouse::Row;
use serde::Deserialize;

use super::codes::{Channel, Outcome};
use super::{Store, StoreError};
use crate::domain::Month;

/// One collection attempt, for a unit's history.
#[derive(Debug, Clone, Row, Deserialize)]
pub struct UnitAttempt {
    pub month: String,
    pub channel: Channel,
    /// Unix seconds.
    pub started_at: u32,
    pub outcome: Outcome,
    pub http_status: u16,
    pub tries: u8,
    pub error: String,
}

/// Attempts of a unit-month by outcome.
#[derive(Debug, Clone, Row, Deserialize)]
pub struct AttemptTally {
    pub unit_code: String,
    pub month: String,
    pub attempts: u64,
    pub stored: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub failed: u64,
}

/// A refused payload, without the payload.
#[derive(Debug, Clone, Row, Deserialize)]
pub struct RejectionSummary {
    pub unit_code: String,
    pub month: String,
    /// Unix seconds.
    pub received_at: u32,
    pub field: String,
    pub reason: String,
}

impl Store {
    /// A unit's latest attempts, newest first.
    pub async fn unit_attempts(
        &self,
        unit: &str,
        limit: u64,
    ) -> Result<Vec<UnitAttempt>, StoreError> {
        let q = self
            .client
            .query(
                "SELECT toString(month), channel, toUInt32(started_at), outcome, http_status, tries, error \
                 FROM collection_attempts WHERE unit_code = ? ORDER BY started_us DESC LIMIT ?",
            )
            .bind(unit)
            .bind(limit);
        self.run("read a unit's attempts", q.fetch_all()).await
    }

    pub async fn attempt_tally(
        &self,
        from: Month,
        to: Month,
    ) -> Result<Vec<AttemptTally>, StoreError> {
        let sql = "SELECT unit_code, toString(month), count(), countIf(outcome = 'stored'), \
                   countIf(outcome = 'unchanged'), countIf(outcome = 'rejected'), countIf(outcome = 'failed') \
                   FROM collection_attempts WHERE month >= toDate(?) AND month <= toDate(?) \
                   GROUP BY unit_code, month ORDER BY unit_code, month";
        self.fetch_month_range("tally attempts", sql, from, to)
            .await
    }

    pub async fn rejection_summaries(
        &self,
        from: Month,
        to: Month,
    ) -> Result<Vec<RejectionSummary>, StoreError> {
        let sql = "SELECT unit_code, toString(month), toUInt32(received_at), field, reason \
                   FROM rejected_payloads WHERE month >= toDate(?) AND month <= toDate(?) \
                   ORDER BY received_at DESC LIMIT 500";
        self.fetch_month_range("read rejections", sql, from, to)
            .await
    }
}
