//! A job: its name, its cron schedule, what a run covers, and the plain async
//! function that does the work, its deadline and the job it runs after.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use futures::future::BoxFuture;

use super::{CronSchedule, JobName, Trigger};
use crate::domain::Month;

/// What a job function returns: a one-line summary, or the error that failed the run.
pub type JobFuture = BoxFuture<'static, anyhow::Result<String>>;
pub type JobFn = Arc<dyn Fn(JobContext) -> JobFuture + Send + Sync>;

/// What one run is for, handed to the job function.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub job: JobName,
    pub run_id: String,
    /// The due instant this run serves (the start time of a manual run).
    pub scheduled_for: DateTime<Utc>,
    pub zone: Tz,
    pub trigger: Trigger,
}

impl JobContext {
    /// The due instant on the wall clock of the schedule's zone.
    pub fn local(&self) -> DateTime<Tz> {
        self.scheduled_for.with_timezone(&self.zone)
    }

    /// The month of the due instant in the schedule's zone: at 02:00 on
    /// 1 November in Hanoi it is November, though UTC still says October.
    pub fn month(&self) -> Month {
        Month::of(self.local().date_naive())
    }
}

/// The deadline of a job built without one (`serve` sets each from `[schedule]`).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(3600);

#[derive(Clone)]
pub struct Job {
    pub name: JobName,
    pub schedule: CronSchedule,
    /// A run still going after this is stopped and recorded `timed_out`.
    pub deadline: Duration,
    /// A job whose scheduled runs wait for this job's run in this process to
    /// end (compute after collect); it waits at most that job's deadline.
    pub after: Option<JobName>,
    pub(super) period: fn(&JobContext) -> String,
    pub(super) run: JobFn,
}

impl Job {
    /// A job whose runs cover the month of their due instant, until `covering` says otherwise.
    pub fn new<F, Fut>(name: JobName, schedule: CronSchedule, run: F) -> Self
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<String>> + Send + 'static,
    {
        Self {
            name,
            schedule,
            deadline: DEFAULT_DEADLINE,
            after: None,
            period: |ctx| ctx.month().to_string(),
            run: Arc::new(move |ctx| Box::pin(run(ctx))),
        }
    }

    /// What a run covers, as `job_runs.period` shows it (e.g. `2026-09..2026-10`).
    pub fn covering(mut self, period: fn(&JobContext) -> String) -> Self {
        self.period = period;
        self
    }

    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Scheduled runs start only once `job`'s run in this process has ended.
    pub fn after(mut self, job: JobName) -> Self {
        self.after = Some(job);
        self
    }
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("name", &self.name)
            .field("schedule", &self.schedule.expression())
            .field("deadline", &self.deadline)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use chrono_tz::Asia::Ho_Chi_Minh;

    use super::*;

    #[test]
    fn the_month_of_a_run_is_read_in_the_zone() {
        let ctx = JobContext {
            job: JobName::Collect,
            run_id: String::new(),
            // 19:00 UTC on 31 October is 02:00 on 1 November in Hanoi.
            scheduled_for: Utc.with_ymd_and_hms(2026, 10, 31, 19, 0, 0).unwrap(),
            zone: Ho_Chi_Minh,
            trigger: Trigger::Schedule,
        };
        assert_eq!(ctx.month().to_string(), "2026-11");
    }
}
