//! `job_runs`: the record of every scheduled, caught-up or manual job run,
//! which the scheduler reads back to find a run missed while it was down.

use chrono::{DateTime, Utc};
use serde_repr::{Deserialize_repr, Serialize_repr};

use super::rows::JobRunRow;
use super::{Store, StoreError};

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize_repr, Deserialize_repr)]
#[repr(i8)]
pub enum Trigger {
    /// Its cron expression came due while the service was up.
    Schedule = 1,
    /// Due while the service was down; run once at start.
    CatchUp = 2,
    /// An operator ran it by hand.
    Manual = 3,
}

/// How a run ended (or that it has not yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize_repr, Deserialize_repr)]
#[repr(i8)]
pub enum RunOutcome {
    Running = 1,
    Succeeded = 2,
    Failed = 3,
    /// Not run: the same job was already running, here or in another process.
    SkippedOverlap = 4,
    /// Stopped with the service; caught up at the next start.
    Interrupted = 5,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::CatchUp => "catch_up",
            Trigger::Manual => "manual",
        }
    }
}

impl RunOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Running => "running",
            RunOutcome::Succeeded => "succeeded",
            RunOutcome::Failed => "failed",
            RunOutcome::SkippedOverlap => "skipped_overlap",
            RunOutcome::Interrupted => "interrupted",
        }
    }
}

/// A job's past runs, folded to what the catch-up at start needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobHistory {
    /// The latest due instant a run served to its end, succeeded or failed.
    /// Runs cut short (still 'running' after a crash, or interrupted) do not
    /// count, so the catch-up does them again.
    pub last_served: Option<DateTime<Utc>>,
    /// The earliest due instant of any recorded run; `None` for a job never run here.
    pub first_recorded: Option<DateTime<Utc>>,
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
        let sql = "SELECT toUInt32(maxIf(scheduled_for, outcome IN ('succeeded', 'failed'))), \
                   toUInt32(min(scheduled_for)), count() FROM job_runs FINAL WHERE job = ?";
        let q = self.client.query(sql).bind(job);
        let (served, first, runs): (u32, u32, u64) =
            self.run("read job history", q.fetch_one()).await?;
        let instant = |secs: u32| DateTime::from_timestamp(i64::from(secs), 0);
        Ok(JobHistory {
            last_served: (served > 0).then(|| instant(served)).flatten(),
            first_recorded: (runs > 0).then(|| instant(first)).flatten(),
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
