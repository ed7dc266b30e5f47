//! `chiso serve`'s loops: each job in its own task, sleeping until its slot
//! or its retry is due, under its own lock, so a stuck remind never holds
//! collect or compute. Every run is recorded in `job_runs`, stopped at its
//! deadline, and a failed or timed-out run is retried with a backoff.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::execute::{execute, nap, until_stopped, Running};
use super::job::{Job, JobContext};
use super::retry::Backoff;
use super::{lock, JobName, JobRunRow, RunOutcome, ScheduleError, Trigger};
use crate::lease::{instance_name, Lease};
use crate::store::Store;

/// The wall clock is read again at least this often, so a clock set forward or
/// a machine woken from sleep does not push a run back.
const MAX_NAP: Duration = Duration::from_secs(60);

/// After shutdown, how long the loops get to record their runs interrupted
/// before they are aborted (a ClickHouse that does not answer cannot hold the stop).
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// Cheap to clone: each job's loop holds a copy.
#[derive(Clone)]
pub struct Scheduler {
    store: Store,
    state_dir: PathBuf,
    jobs: Vec<Job>,
    /// Held while a job runs in this process; the lock file covers other processes.
    busy: Arc<HashMap<JobName, tokio::sync::Mutex<()>>>,
    /// True while a job runs in this process, for the jobs that run after it.
    running: Arc<HashMap<JobName, watch::Sender<bool>>>,
    host: String,
    backoff: Backoff,
    /// Jobs run only while this instance leads (always, in single-host mode).
    lease: Lease,
}

/// A run a job's loop owes besides its slots: a catch-up or a retry.
#[derive(Debug, Clone, Copy)]
struct Owed {
    at: DateTime<Utc>,
    serves: DateTime<Utc>,
    trigger: Trigger,
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
        let running = jobs
            .iter()
            .map(|job| (job.name, watch::channel(false).0))
            .collect();
        Ok(Self {
            store,
            state_dir,
            jobs,
            busy: Arc::new(busy),
            running: Arc::new(running),
            host: instance_name(),
            backoff: Backoff::default(),
            lease: Lease::single(&instance_name()),
        })
    }

    /// Runs the jobs only while `lease` is held (cluster mode): a lost lease
    /// stops the running job and the loops until it is held again. Lock
    /// files are then not used: the lease stands for them across hosts.
    pub fn with_lease(mut self, lease: Lease) -> Self {
        self.lease = lease;
        self
    }

    /// Retries wait `backoff` (default: 1 min doubling up to 30 min).
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
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

    /// For each job, what it owes at `now`: the due instant missed since its
    /// last recorded run, else a retry of its failed runs whose backoff is
    /// over; run once each. `run_until` does this first, per job.
    pub async fn catch_up(&self, now: DateTime<Utc>) -> Result<Vec<JobRunRow>, ScheduleError> {
        let mut runs = Vec::new();
        for job in &self.jobs {
            if let (Some(owed), _) = self.owed(job, now).await? {
                if owed.at > now {
                    continue;
                }
                runs.push(
                    self.run_owed(job.name, owed, std::future::pending())
                        .await?,
                );
            }
        }
        Ok(runs)
    }

    /// Runs each job in its own task until `shutdown` completes: first what
    /// it owes (catch-up, retry), then its slots, and retries after a failure
    /// until a run succeeds. A run cut short by shutdown is recorded
    /// 'interrupted' and caught up at the next start. Returns within
    /// `STOP_GRACE` of `shutdown`.
    pub async fn run_until(&self, shutdown: impl std::future::Future<Output = ()>) {
        let (stop, stopped) = watch::channel(false);
        let mut loops = tokio::task::JoinSet::new();
        for job in &self.jobs {
            loops.spawn(self.clone().job_loop(job.name, stopped.clone()));
        }
        shutdown.await;
        stop.send_replace(true);
        let drained = async { while loops.join_next().await.is_some() {} };
        if tokio::time::timeout(STOP_GRACE, drained).await.is_err() {
            tracing::warn!(
                "job loops still busy {} s after shutdown; aborted",
                STOP_GRACE.as_secs()
            );
            loops.abort_all();
        }
    }

    /// One job's life in `run_until`: while this instance leads, its slots,
    /// catch-ups and retries; when the lease is lost, a wait for it.
    async fn job_loop(self, name: JobName, stopped: watch::Receiver<bool>) {
        let Some(job) = self.jobs.iter().find(|j| j.name == name).cloned() else {
            return;
        };
        let mut leading = self.lease.subscribe();
        loop {
            tokio::select! {
                held = leading.wait_for(|l| l.leads()) => if held.is_err() { return },
                _ = until_stopped(stopped.clone()) => return,
            }
            // Ended by the stop, or by the lease lost (then: wait for it again).
            let (halt, halted) = watch::channel(false);
            let mut lost = self.lease.subscribe();
            let mut stop = stopped.clone();
            let watcher = tokio::spawn(async move {
                tokio::select! {
                    _ = lost.wait_for(|l| !l.leads()) => {}
                    _ = stop.wait_for(|s| *s) => {}
                }
                halt.send_replace(true);
            });
            self.lead(&job, &stopped, halted).await;
            watcher.abort();
            if *stopped.borrow() {
                return;
            }
            tracing::warn!(job = %name, "lease lost: the job waits until this instance leads again");
        }
    }

    /// The job's loop while leading; returns when `halted` (stop or lease lost).
    /// A running job is stopped by `stopped`, and by a lost lease unless the
    /// test hook `notify::fence::TRUST_ZOOKEEPER_ONLY_ENV` is set.
    async fn lead(
        &self,
        job: &Job,
        stopped: &watch::Receiver<bool>,
        halted: watch::Receiver<bool>,
    ) {
        let name = job.name;
        let run_stop = match crate::notify::fence::zookeeper_only() {
            true => stopped.clone(),
            false => halted.clone(),
        };
        let service_stop = stopped.clone();
        let stopped = halted;
        // ClickHouse may be down at start: read the history again until it answers.
        let (mut owed, mut failures) = loop {
            match self.owed(job, Utc::now()).await {
                Ok(owed) => break owed,
                Err(e) => {
                    tracing::error!(job = %name, error = %e, "reading the job's history failed; trying again")
                }
            }
            if nap(MAX_NAP, &stopped).await {
                return;
            }
        };
        let mut since = Utc::now();
        loop {
            let now = Utc::now();
            let (serves, trigger) = if let Some(at) = job.schedule.due_between(since, now) {
                since = now;
                (at, Trigger::Schedule)
            } else if let Some(o) = owed.filter(|o| o.at <= now) {
                (o.serves, o.trigger)
            } else {
                let wake = [job.schedule.next_after(since), owed.map(|o| o.at)]
                    .into_iter()
                    .flatten()
                    .min();
                let wait = wake
                    .and_then(|t| (t - now).to_std().ok())
                    .map_or(MAX_NAP, |d| d.min(MAX_NAP));
                if nap(wait, &stopped).await {
                    return;
                }
                continue;
            };
            if let Some(before) = job.after {
                if self.wait_idle(before, &stopped).await {
                    return;
                }
            }
            let ran = self
                .run_job_until(name, serves, trigger, until_stopped(run_stop.clone()))
                .await;
            let outcome = match ran {
                Ok(row) if row.outcome == RunOutcome::Interrupted && !*service_stop.borrow() => {
                    self.lease_lost(row).await;
                    RunOutcome::Interrupted
                }
                Ok(row) => row.outcome,
                Err(e) => {
                    tracing::error!(job = %name, error = %e, "job run not recorded; retried");
                    RunOutcome::Failed
                }
            };
            match outcome {
                RunOutcome::Interrupted => return,
                RunOutcome::Succeeded => {
                    failures = 0;
                    owed = None;
                }
                RunOutcome::Failed | RunOutcome::TimedOut => {
                    // Failures count per due instant: a new slot starts again at one.
                    let same_slot =
                        trigger == Trigger::Retry || owed.is_some_and(|o| o.serves == serves);
                    failures = if same_slot {
                        failures.saturating_add(1)
                    } else {
                        1
                    };
                    owed = None;
                    if self.backoff.retries_left(failures) {
                        let at = self.backoff.retry_at(failures, Utc::now());
                        tracing::info!(job = %name, %at, failures, "failed run retried later");
                        owed = Some(Owed {
                            at,
                            serves,
                            trigger: Trigger::Retry,
                        });
                    } else {
                        tracing::warn!(job = %name, failures, "retries spent; the next slot runs as scheduled");
                    }
                }
                // Another holder runs it: look again after a wait, not at once.
                RunOutcome::SkippedOverlap | RunOutcome::Running => {
                    if let Some(o) = owed.as_mut() {
                        o.at = self.backoff.retry_at(failures.max(1), Utc::now());
                    }
                }
            }
        }
    }

    /// What `job` owes at `now` by its record: a missed slot (now), else a
    /// retry of the due instant its latest failed runs served; and how many
    /// runs failed in a row.
    async fn owed(
        &self,
        job: &Job,
        now: DateTime<Utc>,
    ) -> Result<(Option<Owed>, u32), ScheduleError> {
        let history = self.store.job_history(job.name.as_str()).await?;
        // A job only ever cut short is owed its first run from then on.
        let last = history.last_served.or(history
            .first_recorded
            .map(|t| t - chrono::Duration::seconds(1)));
        if let Some(due) = job.schedule.missed(last, now) {
            let owed = Owed {
                at: now,
                serves: due,
                trigger: Trigger::CatchUp,
            };
            // A slot not yet tried has no failures of its own.
            return Ok((Some(owed), 0));
        }
        let failures = history.failures.map_or(0, |f| f.count);
        let retry = history.failures.and_then(|f| {
            let (at, serves) = self.backoff.after(&f)?;
            Some(Owed {
                at,
                serves,
                trigger: Trigger::Retry,
            })
        });
        Ok((retry, failures))
    }

    async fn run_owed(
        &self,
        name: JobName,
        owed: Owed,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<JobRunRow, ScheduleError> {
        match owed.trigger {
            Trigger::CatchUp => {
                tracing::info!(job = %name, due = %owed.serves, "catching up a run missed while the service was down")
            }
            _ => tracing::info!(job = %name, due = %owed.serves, "retrying a failed run"),
        }
        self.run_job_until(name, owed.serves, owed.trigger, stop)
            .await
    }

    /// Waits until `job` is not running in this process; true when stopped meanwhile.
    async fn wait_idle(&self, job: JobName, stopped: &watch::Receiver<bool>) -> bool {
        let Some(running) = self.running.get(&job) else {
            return false;
        };
        let mut idle = running.subscribe();
        tokio::select! {
            _ = idle.wait_for(|r| !*r) => false,
            _ = until_stopped(stopped.clone()) => true,
        }
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
        let _lock = if self.lease.is_cluster() {
            let now = self.lease.leadership();
            if !now.leads() {
                let why = format!("this instance does not hold the lease ({})", now.role());
                return self.skip(row, why).await;
            }
            None
        } else {
            let Some(lock) = lock::acquire(&self.state_dir, name)? else {
                let holder = lock::holder(&self.state_dir, name).unwrap_or_else(|| "?".into());
                let why = format!("{name} is already running elsewhere ({holder} holds its lock)");
                return self.skip(row, why).await;
            };
            Some(lock)
        };
        let _running = self.running.get(&name).map(Running::mark);
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

    /// The 'running' row a run starts with; `host` is the instance.
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

    /// A run cut short by the lost lease says so (not "stopped with the service").
    async fn lease_lost(&self, mut row: JobRunRow) {
        row.detail = "stopped: this instance lost the lease; the new leader catches it up".into();
        row.version = 3;
        if let Err(e) = self.store.record_job_run(&row).await {
            tracing::warn!(job = %row.job, error = %e, "interrupted run's reason not recorded");
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
