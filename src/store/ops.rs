//! What `/healthz` and `/metrics` read: each job's latest run, and counts of
//! collection attempts, rejected payloads and mails.

use clickhouse::Row;
use serde::Deserialize;

use super::{Store, StoreError};

/// A job's latest run, as `/healthz` shows it.
#[derive(Debug, Clone, Row, Deserialize)]
pub struct LastRun {
    pub job: String,
    pub outcome: String,
    /// Unix seconds.
    pub started_at: u32,
    pub finished_at: u32,
    /// Unix seconds of the latest succeeded run; 0 if none.
    pub last_success: u32,
}

/// Attempts of one unit with one outcome.
#[derive(Debug, Clone, Row, Deserialize)]
pub struct AttemptCount {
    pub unit_code: String,
    pub outcome: String,
    pub count: u64,
}

#[derive(Debug, Clone, Row, Deserialize)]
pub struct UnitCount {
    pub unit_code: String,
    pub count: u64,
}

impl Store {
    /// Each job's latest run, by job name.
    pub async fn last_job_runs(&self) -> Result<Vec<LastRun>, StoreError> {
        // FINAL folds each run to its latest state before the aggregates read it.
        let sql = "SELECT job, toString(argMax(outcome, started_at)), toUInt32(max(started_at)), \
                   toUInt32(argMax(finished_at, started_at)), \
                   toUInt32(maxIf(finished_at, outcome = 'succeeded')) \
                   FROM job_runs FINAL GROUP BY job ORDER BY job";
        self.run("read last job runs", self.client.query(sql).fetch_all())
            .await
    }

    pub async fn attempt_counts(&self) -> Result<Vec<AttemptCount>, StoreError> {
        let sql = "SELECT unit_code, toString(outcome), count() FROM collection_attempts \
                   GROUP BY unit_code, outcome ORDER BY unit_code, outcome";
        self.run("count attempts", self.client.query(sql).fetch_all())
            .await
    }

    /// Rejected payloads per unit, over all months.
    pub async fn rejections_per_unit(&self) -> Result<Vec<UnitCount>, StoreError> {
        let sql = "SELECT unit_code, count() FROM rejected_payloads GROUP BY unit_code ORDER BY unit_code";
        self.run("count rejections", self.client.query(sql).fetch_all())
            .await
    }

    /// Mails (sent, failed) by the newest state of each ledger key.
    pub async fn mail_counts(&self) -> Result<(u64, u64), StoreError> {
        let sql = "SELECT toUInt64(countIf(s = 'sent')), toUInt64(countIf(s = 'failed')) \
                   FROM (SELECT argMax(toString(state), version) AS s FROM send_ledger GROUP BY key)";
        self.run("count mails", self.client.query(sql).fetch_one())
            .await
    }
}
