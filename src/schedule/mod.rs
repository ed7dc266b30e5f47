//! The scheduler, last in the pipeline: runs collect, compute and remind on
//! their cron expressions (read in `schedule.timezone`), each in its own task
//! under its own lock and deadline, records every run in `job_runs`, catches
//! up once at start a run missed while the service was down, retries a failed
//! run with a backoff, and never runs a job twice at the same time. It only
//! wires: each job is a plain async function a test can call.

mod cron_time;
mod execute;
mod job;
mod jobs;
pub mod lock;
mod retry;
mod runner;

use std::fmt;
use std::str::FromStr;

use chrono_tz::Tz;

pub use crate::lease::instance_name;
pub use crate::store::{JobRunRow, RunOutcome, Trigger};
pub use cron_time::{CronError, CronSchedule};
pub use job::{Job, JobContext, JobFn, JobFuture, DEFAULT_DEADLINE};
pub use jobs::{
    collect_job, collect_months, collect_recent, compute_job, compute_recent, probe_job,
    probe_portals, remind_job, remind_job_leading,
};
pub use lock::{JobLock, LockError};
pub use retry::{Backoff, FIRST_RETRY, MAX_RETRIES, MAX_RETRY};
pub use runner::{Scheduler, STOP_GRACE};

use crate::config::ScheduleSettings;
use crate::store::StoreError;

/// The jobs chiso runs, in the order they run when due together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobName {
    Collect,
    Compute,
    Remind,
    /// The portal probe (`[probe]` of chiso.toml), on its own schedule.
    Probe,
}

impl JobName {
    pub const ALL: [JobName; 4] = [
        JobName::Collect,
        JobName::Compute,
        JobName::Remind,
        JobName::Probe,
    ];

    /// The name in `job_runs.job`, lock files and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            JobName::Collect => "collect",
            JobName::Compute => "compute",
            JobName::Remind => "remind",
            JobName::Probe => "probe",
        }
    }
}

impl fmt::Display for JobName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobName {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobName::ALL
            .into_iter()
            .find(|j| j.as_str() == s)
            .ok_or_else(|| ScheduleError::UnknownJob(s.to_string()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("schedule.timezone: '{0}' is not an IANA time zone")]
    Zone(String),
    #[error("schedule.{key}: {source}")]
    Cron {
        key: &'static str,
        source: CronError,
    },
    #[error("no job named '{0}': expected collect, compute, remind or probe")]
    UnknownJob(String),
    #[error("job {0} is listed twice")]
    DuplicateJob(JobName),
    #[error("job {0} is not in this scheduler's list")]
    NotScheduled(JobName),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("job runs: {0}")]
    Store(#[from] StoreError),
}

/// The cron expressions of `[schedule]`, parsed in its zone.
#[derive(Debug, Clone)]
pub struct Schedules {
    pub zone: Tz,
    pub collect: CronSchedule,
    pub compute: CronSchedule,
    pub remind: CronSchedule,
    /// `probe.schedule`.
    pub probe: CronSchedule,
}

impl Schedules {
    /// Settings were validated at start-up; errors here still name the key.
    pub fn from_settings(s: &ScheduleSettings) -> Result<Self, ScheduleError> {
        Self::with_probe(s, &crate::config::ProbeSettings::default().schedule)
    }

    /// `from_settings` with the probe job's cron expression (`probe.schedule`).
    pub fn with_probe(s: &ScheduleSettings, probe: &str) -> Result<Self, ScheduleError> {
        let zone: Tz = s
            .timezone
            .parse()
            .map_err(|_| ScheduleError::Zone(s.timezone.clone()))?;
        let parse = |key: &'static str, expr: &str| {
            CronSchedule::parse(expr, zone).map_err(|source| ScheduleError::Cron { key, source })
        };
        Ok(Self {
            zone,
            collect: parse("collect", &s.collect)?,
            compute: parse("compute", &s.compute)?,
            remind: parse("remind", &s.remind)?,
            probe: parse("probe", probe)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_names_round_trip_and_unknown_names_are_refused() {
        for j in JobName::ALL {
            assert_eq!(j.as_str().parse::<JobName>().unwrap(), j);
        }
        let err = "colect".parse::<JobName>().unwrap_err().to_string();
        assert!(err.contains("'colect'"), "{err}");
    }

    #[test]
    fn the_shipped_schedules_parse_and_a_bad_one_names_its_key() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/chiso.toml");
        let settings = crate::config::Settings::load(&path, |_| None, &Default::default())
            .unwrap()
            .schedule;
        let s = Schedules::from_settings(&settings).unwrap();
        assert_eq!(s.zone, chrono_tz::Asia::Ho_Chi_Minh);
        assert_eq!(s.compute.expression(), "0 30 2 * * *");
        let bad = ScheduleSettings {
            remind: "0 0 9 32 * *".into(),
            ..settings
        };
        let err = Schedules::from_settings(&bad).unwrap_err().to_string();
        assert!(err.starts_with("schedule.remind: '0 0 9 32 * *'"), "{err}");
    }
}
