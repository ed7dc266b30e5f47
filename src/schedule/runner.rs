//! `chiso serve`'s loop: sleep until a job is due, run the due jobs one after
//! another, record each run. Runs one job at a time, in list order, so compute
//! (due after collect) waits for a collect that overran its slot.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::FutureExt;

use super::job::{due, next_due, Job, JobContext};
use super::{lock, JobName, JobRunRow, RunOutcome, ScheduleError, Trigger};
use crate::store::Store;

/// The wall clock is read again at least this often, so a clock set forward or
/// a machine woken from sleep does not push a run back.
const MAX_NAP: Duration = Duration::from_secs(60);

pub struct Scheduler {
    store: Store,
    state_dir: PathBuf,
    jobs: Vec<Job>,
    /// Held while a job runs in this process; the lock file covers other processes.
    busy: HashMap<JobName, tokio::sync::Mutex<()>>,
    host: String,
}

impl Scheduler {
    /// `jobs` in the order they run when due together (collect before compute).
    /// `state_dir` holds the lock files (`settings.resolve(&settings.schedule.state_dir)`).
    pub fn new(store: Store, state_dir: PathBuf, jobs: Vec<Job>) -> Result<Self, ScheduleError> {
        for (i, job) in jobs.iter().enumerate() {
            if jobs[..i].iter().any(|j| j.name == job.name) {
                return Err(ScheduleError::DuplicateJob(job.name));
            }
        }
        let busy = jobs
            .iter()
            .map(|job| (job.name, tokio::sync::Mutex::new(())))
            .collect();
        Ok(Self {
            store,
            state_dir,
            jobs,
            busy,
            host: format!("{}:{}", host_name(), std::process::id()),
        })
    }

    pub fn jobs(&self) -> &[Job] {
        &self.jobs
    }

    /// Runs one job now for `scheduled_for`, unless it is already running here or
    /// elsewhere (then recorded as skipped); returns the run's final record.
    pub async fn run_job(
        &self,
        name: JobName,
        scheduled_for: DateTime<Utc>,
        trigger: Trigger,
    ) -> Result<JobRunRow, ScheduleError> {
        self.run_job_until(name, scheduled_for, trigger, std::future::pending())
            .await
    }

    /// For each job, the due instant missed since its last recorded run, run once.
    /// `run_until` does this first; call it alone in tests or a one-shot.
    pub async fn catch_up(&self, now: DateTime<Utc>) -> Result<Vec<JobRunRow>, ScheduleError> {
        self.catch_up_until(now, std::future::pending()).await
    }

    /// Catches up, then runs jobs as they come due until `shutdown` completes.
    /// A run cut short by shutdown is recorded 'interrupted' and caught up at the
    /// next start. Failed runs and store errors are logged; the loop goes on.
    pub async fn run_until(&self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut since = Utc::now();
        match self.catch_up_until(since, shutdown.as_mut()).await {
            Ok(runs) if runs.iter().any(|r| r.outcome == RunOutcome::Interrupted) => return,
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "catch-up at start failed"),
        }
        loop {
            let now = Utc::now();
            let due = due(&self.jobs, since, now);
            if due.is_empty() {
                let nap = next_due(&self.jobs, since)
                    .and_then(|t| (t - now).to_std().ok())
                    .map_or(MAX_NAP, |d| d.min(MAX_NAP));
                tokio::select! {
                    _ = &mut shutdown => return,
                    _ = tokio::time::sleep(nap) => continue,
                }
            }
            since = now;
            for (name, at) in due {
                let run = self.run_job_until(name, at, Trigger::Schedule, shutdown.as_mut());
                match run.await {
                    Ok(row) if row.outcome == RunOutcome::Interrupted => return,
                    Ok(_) => {}
                    Err(e) => tracing::error!(job = %name, error = %e, "job run not recorded"),
                }
            }
        }
    }

    async fn catch_up_until(
        &self,
        now: DateTime<Utc>,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<Vec<JobRunRow>, ScheduleError> {
        tokio::pin!(stop);
        let mut runs = Vec::new();
        for job in &self.jobs {
            let history = self.store.job_history(job.name.as_str()).await?;
            // A job only ever cut short is owed its first run from then on.
            let last = history.last_served.or(history
                .first_recorded
                .map(|t| t - chrono::Duration::seconds(1)));
            let Some(due) = job.schedule.missed(last, now) else {
                continue;
            };
            tracing::info!(job = %job.name, %due, "catching up a run missed while the service was down");
            let row = self
                .run_job_until(job.name, due, Trigger::CatchUp, stop.as_mut())
                .await?;
            let interrupted = row.outcome == RunOutcome::Interrupted;
            runs.push(row);
            if interrupted {
                break;
            }
        }
        Ok(runs)
    }

    async fn run_job_until(
        &self,
        name: JobName,
        scheduled_for: DateTime<Utc>,
        trigger: Trigger,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<JobRunRow, ScheduleError> {
        let (Some(job), Some(busy)) = (
            self.jobs.iter().find(|j| j.name == name),
            self.busy.get(&name),
        ) else {
            return Err(ScheduleError::NotScheduled(name));
        };
        let ctx = JobContext {
            job: name,
            run_id: uuid::Uuid::new_v4().to_string(),
            scheduled_for,
            zone: job.schedule.zone(),
            trigger,
        };
        let mut row = self.row(job, &ctx);
        let Ok(_busy) = busy.try_lock() else {
            return self
                .skip(row, format!("{name} is already running in this process"))
                .await;
        };
        let Some(_lock) = lock::acquire(&self.state_dir, name)? else {
            let holder = lock::holder(&self.state_dir, name).unwrap_or_else(|| "?".into());
            let why = format!("{name} is already running elsewhere ({holder} holds its lock)");
            return self.skip(row, why).await;
        };
        self.store.record_job_run(&row).await?;
        tracing::info!(job = %name, trigger = trigger.as_str(), period = %row.period, "job started");
        let (outcome, detail) = execute(job, ctx, stop).await;
        row.outcome = outcome;
        row.detail = detail;
        row.finished_at = Utc::now();
        row.version = 2;
        self.store.record_job_run(&row).await?;
        match outcome {
            RunOutcome::Succeeded => {
                tracing::info!(job = %name, detail = %row.detail, "job succeeded")
            }
            _ => {
                tracing::warn!(job = %name, outcome = outcome.as_str(), detail = %row.detail, "job did not succeed")
            }
        }
        Ok(row)
    }

    /// The 'running' row a run starts with.
    fn row(&self, job: &Job, ctx: &JobContext) -> JobRunRow {
        let now = Utc::now();
        JobRunRow {
            run_id: ctx.run_id.clone(),
            job: job.name.as_str().to_string(),
            period: (job.period)(ctx),
            scheduled_for: ctx.scheduled_for,
            trigger: ctx.trigger,
            started_at: now,
            finished_at: now,
            outcome: RunOutcome::Running,
            detail: String::new(),
            host: self.host.clone(),
            version: 1,
        }
    }

    async fn skip(&self, mut row: JobRunRow, why: String) -> Result<JobRunRow, ScheduleError> {
        tracing::warn!(job = %row.job, "{why}; this run is skipped");
        row.outcome = RunOutcome::SkippedOverlap;
        row.detail = why;
        row.version = 2;
        self.store.record_job_run(&row).await?;
        Ok(row)
    }
}

/// Runs the job function until it ends or `stop` completes.
async fn execute(
    job: &Job,
    ctx: JobContext,
    stop: impl std::future::Future<Output = ()>,
) -> (RunOutcome, String) {
    let run = job.run.clone();
    // A panic in the job, even while building its future, fails this run only.
    let work = AssertUnwindSafe(async move { run(ctx).await }).catch_unwind();
    tokio::select! {
        _ = stop => (
            RunOutcome::Interrupted,
            "stopped with the service; caught up at the next start".to_string(),
        ),
        done = work => match done {
            Ok(Ok(summary)) => (RunOutcome::Succeeded, summary),
            Ok(Err(e)) => (RunOutcome::Failed, format!("{e:#}")),
            Err(panic) => (RunOutcome::Failed, format!("panicked: {}", panic_text(&panic))),
        },
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// The machine's name for `job_runs.host`; Linux keeps it under /proc.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}
