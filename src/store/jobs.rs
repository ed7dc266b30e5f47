//! `job_runs`: the record of every scheduled, caught-up or manual job run,
//! which the scheduler reads back to find a run missed while it was down.

use chrono::{DateTime, Utc};

use super::rows::JobRunRow;
use super::{Store, StoreError};

/// A job's past runs, folded to what the catch-up at start needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobHistory {
    /// The latest due instant a run served to its end, succeeded or failed.
    /// Runs cut short (still 'running' after a crash, or interrupted) do not
    /// count, so the catch-up does them again.
    pub last_served: Option<DateTime<Utc>>,
    /// The earliest due instant of any recorded run; `None` for a job never run here.
    pub first_recorded: Option<DateTime<Utc>>,
    /// The latest due instant whose runs failed or timed out since the job
    /// last succeeded: how many runs, when the latest ended. The catch-up
    /// retries that instant after a backoff instead of counting it done.
    pub failures: Option<Failures>,
}

/// Failed or timed-out runs of one due instant since the last success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    pub last_finished: DateTime<Utc>,
    pub last_served: DateTime<Utc>,
}

impl Store {
    /// Writes one state of a run; the row with the highest version is its current state.
    pub async fn record_job_run(&self, row: &JobRunRow) -> Result<(), StoreError> {
        self.insert_rows("job_runs", std::slice::from_ref(row))
            .await
    }

    /// What the catch-up at start needs to know of `job`'s past runs.
    pub async fn job_history(&self, job: &str) -> Result<JobHistory, StoreError> {
        // FINAL folds each run to its latest row before the aggregates read its outcome.
        let sql = "SELECT toUInt32(maxIf(scheduled_for, outcome IN ('succeeded', 'failed', 'timed_out'))), \
                   toUInt32(min(scheduled_for)), count() FROM job_runs FINAL WHERE job = ?";
        let q = self.client.query(sql).bind(job);
        let (served, first, runs): (u32, u32, u64) =
            self.run("read job history", q.fetch_one()).await?;
        // The latest due instant that failed since the last success, with its
        // failures. max() of no rows is 0 (1970) in every ClickHouse: all runs
        // count when none succeeded.
        let sql = "SELECT count(), toUInt32(max(finished_at)), toUInt32(scheduled_for) \
                   FROM job_runs FINAL \
                   WHERE job = ? AND outcome IN ('failed', 'timed_out') AND started_at > \
                   (SELECT max(started_at) FROM job_runs FINAL WHERE job = ? AND outcome = 'succeeded') \
                   GROUP BY scheduled_for ORDER BY max(finished_at) DESC LIMIT 1";
        let q = self.client.query(sql).bind(job).bind(job);
        let latest: Option<(u64, u32, u32)> =
            self.run("read failed job runs", q.fetch_optional()).await?;
        let instant = |secs: u32| DateTime::from_timestamp(i64::from(secs), 0);
        let failures = latest.and_then(|(failed, finished, served)| {
            Some(Failures {
                count: u32::try_from(failed).unwrap_or(u32::MAX),
                last_finished: instant(finished)?,
                last_served: instant(served)?,
            })
        });
        Ok(JobHistory {
            last_served: (served > 0).then(|| instant(served)).flatten(),
            first_recorded: (runs > 0).then(|| instant(first)).flatten(),
            failures,
        })
    }

    /// The runs of `job`, each in its latest state, oldest first.
    pub async fn job_runs(&self, job: &str) -> Result<Vec<JobRunRow>, StoreError> {
        let q = self
            .client
            .query("SELECT ?fields FROM job_runs FINAL WHERE job = ? ORDER BY started_at, run_id")
            .bind(job);
        self.run("read job runs", q.fetch_all()).await
    }
}
