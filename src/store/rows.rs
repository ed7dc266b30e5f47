//! Row structs mirror their tables column for column (checked against
//! `DESCRIBE TABLE` by the integration tests, since 18.16 cannot validate).

use chrono::{DateTime, NaiveDate, Utc};
use clickhouse::Row;
use serde::{Deserialize, Serialize};

use super::codes::{Channel, LevelCode, Outcome, RunOutcome, Trigger};

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct ServiceRow {
    pub unit_code: String,
    #[serde(with = "clickhouse::serde::chrono::date")]
    pub month: NaiveDate,
    pub service_code: String,
    pub service_name: String,
    pub field: String,
    pub level: LevelCode,
    pub eligible_full_online: u8,
    pub integrated_national_portal: u8,
    pub received: u64,
    pub received_online: u64,
    pub processed: u64,
    pub processed_on_time: u64,
    pub processed_late: u64,
    pub pending_overdue: u64,
    pub attempt_id: String,
    pub version: u64,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub collected_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct MeasureRow {
    pub unit_code: String,
    #[serde(with = "clickhouse::serde::chrono::date")]
    pub month: NaiveDate,
    pub measure_code: String,
    pub value: f64,
    pub source: String,
    pub attempt_id: String,
    pub version: u64,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub collected_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct BatchRow {
    pub unit_code: String,
    #[serde(with = "clickhouse::serde::chrono::date")]
    pub month: NaiveDate,
    pub attempt_id: String,
    pub version: u64,
    pub content_hash: String,
    pub services: u32,
    pub measures: u32,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub stored_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct AttemptRow {
    pub attempt_id: String,
    pub unit_code: String,
    #[serde(with = "clickhouse::serde::chrono::date")]
    pub month: NaiveDate,
    pub channel: Channel,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub started_at: DateTime<Utc>,
    /// Orders attempts within a second.
    pub started_us: u64,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub finished_at: DateTime<Utc>,
    pub outcome: Outcome,
    /// 0 when no HTTP response was had (timeout, connection error, CSV).
    pub http_status: u16,
    pub tries: u8,
    pub services: u32,
    pub measures: u32,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct RejectedRow {
    pub attempt_id: String,
    pub unit_code: String,
    #[serde(with = "clickhouse::serde::chrono::date")]
    pub month: NaiveDate,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub received_at: DateTime<Utc>,
    pub field: String,
    pub reason: String,
    /// The payload as received: every page, one per line, or the CSV lines with their header.
    pub payload: String,
}

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct JobRunRow {
    pub run_id: String,
    pub job: String,
    pub period: String,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub scheduled_for: DateTime<Utc>,
    pub trigger: Trigger,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub started_at: DateTime<Utc>,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub finished_at: DateTime<Utc>,
    pub outcome: RunOutcome,
    pub detail: String,
    pub host: String,
    /// 1 for the 'running' row, 2 for the final one.
    pub version: u64,
}
