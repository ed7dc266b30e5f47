//! A job: its name, its cron schedule, what a run covers, and the plain async
//! function that does the work. Which jobs are due between two instants.

use std::future::Future;
use std::sync::Arc;

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

#[derive(Clone)]
pub struct Job {
    pub name: JobName,
    pub schedule: CronSchedule,
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
            period: |ctx| ctx.month().to_string(),
            run: Arc::new(move |ctx| Box::pin(run(ctx))),
        }
    }

    /// What a run covers, as `job_runs.period` shows it (e.g. `2026-09..2026-10`).
    pub fn covering(mut self, period: fn(&JobContext) -> String) -> Self {
        self.period = period;
        self
    }
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("name", &self.name)
            .field("schedule", &self.schedule.expression())
            .finish()
    }
}

/// Jobs that came due in (`since`, `now`], in list order, each with the latest
/// instant it came due: a job is run once however many of its slots passed.
pub(super) fn due(
    jobs: &[Job],
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<(JobName, DateTime<Utc>)> {
    jobs.iter()
        .filter(|j| j.schedule.next_after(since).is_some_and(|t| t <= now))
        .filter_map(|j| Some((j.name, j.schedule.latest_due(now)?)))
        .collect()
}

/// The earliest instant after `since` at which some job comes due.
pub(super) fn next_due(jobs: &[Job], since: DateTime<Utc>) -> Option<DateTime<Utc>> {
    jobs.iter()
        .filter_map(|j| j.schedule.next_after(since))
        .min()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use chrono_tz::Asia::Ho_Chi_Minh;

    use super::*;

    fn hcm(d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Ho_Chi_Minh
            .with_ymd_and_hms(2026, 10, d, h, mi, s)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn jobs() -> Vec<Job> {
        let job = |name, expr| {
            let schedule = CronSchedule::parse(expr, Ho_Chi_Minh).unwrap();
            Job::new(name, schedule, |_| async { Ok(String::new()) })
        };
        vec![
            job(JobName::Collect, "0 0 2 * * *"),
            job(JobName::Compute, "0 30 2 * * *"),
            job(JobName::Remind, "0 0 9 6 * *"),
        ]
    }

    #[test]
    fn a_job_due_while_another_ran_is_due_next_in_list_order() {
        // Collect started at 02:00 and ran 40 minutes: compute (02:30) is due after it.
        let due = due(&jobs(), hcm(6, 1, 59, 59), hcm(6, 2, 40, 0));
        assert_eq!(
            due,
            [
                (JobName::Collect, hcm(6, 2, 0, 0)),
                (JobName::Compute, hcm(6, 2, 30, 0))
            ]
        );
    }

    #[test]
    fn a_job_run_at_its_instant_is_not_due_again_that_second() {
        let at = hcm(6, 2, 0, 0);
        assert!(due(&jobs(), at, at + chrono::Duration::milliseconds(900)).is_empty());
        assert_eq!(next_due(&jobs(), at), Some(hcm(6, 2, 30, 0)));
    }

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
