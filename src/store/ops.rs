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

    /// When each unit's latest collection that stored or confirmed a report
    /// ended (unix seconds).
    pub async fn last_collect_successes(&self) -> Result<Vec<UnitInstant>, StoreError> {
        let sql = "SELECT unit_code, toUInt32(max(finished_at)) FROM collection_attempts \
                   WHERE outcome IN ('stored', 'unchanged') GROUP BY unit_code ORDER BY unit_code";
        self.run(
            "read last collection successes",
            self.client.query(sql).fetch_all(),
        )
        .await
    }

    /// Each unit's latest month with a stored (or confirmed) report, as
    /// year × 12 + month − 1 (a number alerting rules can compare).
    pub async fn latest_reported_months(&self) -> Result<Vec<UnitMonthIndex>, StoreError> {
        let sql = "SELECT unit_code, toUInt32(toYear(max(month)) * 12 + toMonth(max(month)) - 1) \
                   FROM collection_attempts WHERE outcome IN ('stored', 'unchanged') \
                   GROUP BY unit_code ORDER BY unit_code";
        self.run(
            "read latest reported months",
            self.client.query(sql).fetch_all(),
        )
        .await
    }

    /// Runs per job and outcome, each run by its latest state.
    pub async fn job_run_counts(&self) -> Result<Vec<JobRunCount>, StoreError> {
        let sql = "SELECT job, toString(outcome), count() FROM job_runs FINAL \
                   GROUP BY job, outcome ORDER BY job, outcome";
        self.run("count job runs", self.client.query(sql).fetch_all())
            .await
    }

    /// Each job's finished runs' durations (seconds); skipped runs took none.
    pub async fn job_durations(&self) -> Result<Vec<JobDurations>, StoreError> {
        let sql =
            "SELECT job, groupArray(toFloat64(finished_at - started_at)) FROM job_runs FINAL \
                   WHERE outcome NOT IN ('running', 'skipped_overlap') GROUP BY job ORDER BY job";
        self.run("read job durations", self.client.query(sql).fetch_all())
            .await
    }

    /// Mails per rule and the newest state of each ledger key.
    pub async fn mail_counts_by_kind(&self) -> Result<Vec<MailCount>, StoreError> {
        let sql = "SELECT r, s, count() FROM \
                   (SELECT toString(argMax(rule, version)) AS r, toString(argMax(state, version)) AS s \
                    FROM send_ledger GROUP BY key) GROUP BY r, s ORDER BY r, s";
        self.run("count mails by kind", self.client.query(sql).fetch_all())
            .await
    }
}

#[derive(Debug, Clone, Row, Deserialize)]
pub struct UnitInstant {
    pub unit_code: String,
    /// Unix seconds.
    pub at: u32,
}

#[derive(Debug, Clone, Row, Deserialize)]
pub struct UnitMonthIndex {
    pub unit_code: String,
    /// year × 12 + month − 1.
    pub index: u32,
}

#[derive(Debug, Clone, Row, Deserialize)]
pub struct JobRunCount {
    pub job: String,
    pub outcome: String,
    pub count: u64,
}

#[derive(Debug, Clone, Row, Deserialize)]
pub struct MailCount {
    /// The rule: lagging, not_reported, escalation, digest.
    pub kind: String,
    /// The newest state: pending, sending, sent, failed.
    pub outcome: String,
    pub count: u64,
}

#[derive(Debug, Clone, Row, Deserialize)]
pub struct JobDurations {
    pub job: String,
    /// Seconds, one per finished run.
    pub seconds: Vec<f64>,
}

impl JobDurations {
    pub fn count(&self) -> u64 {
        self.seconds.len() as u64
    }

    pub fn sum(&self) -> f64 {
        self.seconds.iter().sum()
    }

    /// Per-bucket (not cumulative) counts for `bounds`, then +Inf.
    pub fn buckets(&self, bounds: &[f64]) -> Vec<(f64, u64)> {
        let mut out: Vec<(f64, u64)> = bounds.iter().map(|b| (*b, 0)).collect();
        out.push((f64::INFINITY, 0));
        for s in &self.seconds {
            if let Some(slot) = out.iter_mut().find(|(bound, _)| s <= bound) {
                slot.1 += 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_fall_in_the_first_bucket_that_holds_them() {
        let d = super::JobDurations {
            job: "collect".into(),
            seconds: vec![0.5, 1.0, 3.0, 99999.0],
        };
        assert_eq!(
            d.buckets(&[1.0, 5.0]),
            vec![(1.0, 2), (5.0, 1), (f64::INFINITY, 1)]
        );
        assert_eq!((d.count(), d.sum()), (4, 100003.5));
    }
}
