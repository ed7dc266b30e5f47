//! The Enum8 codes of the tables' columns, as the row structs (`rows.rs`) and
//! the reads of each table family use them.

use serde_repr::{Deserialize_repr, Serialize_repr};

/// `service_stats.level`, the Enum8 values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize_repr, Deserialize_repr)]
#[repr(i8)]
pub enum LevelCode {
    FullOnline = 1,
    PartialOnline = 2,
    NotOnline = 3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize_repr, Deserialize_repr)]
#[repr(i8)]
pub enum Channel {
    Http = 1,
    Csv = 2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize_repr, Deserialize_repr)]
#[repr(i8)]
pub enum Outcome {
    /// A new version of the unit-month was stored.
    Stored = 1,
    /// Valid, and identical to what was already stored: nothing written.
    Unchanged = 2,
    /// The payload failed validation; kept in `rejected_payloads`.
    Rejected = 3,
    /// No usable answer: timeout, connection error, HTTP error, storage error.
    Failed = 4,
}

impl Outcome {
    pub fn is_success(self) -> bool {
        matches!(self, Outcome::Stored | Outcome::Unchanged)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Stored => "stored",
            Outcome::Unchanged => "unchanged",
            Outcome::Rejected => "rejected",
            Outcome::Failed => "failed",
        }
    }
}

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
    /// A failed or timed-out run tried again after its backoff (docs/reliability.md).
    Retry = 4,
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
    /// Stopped at its deadline (`schedule.{job}_deadline_secs`); retried after a backoff.
    TimedOut = 6,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::CatchUp => "catch_up",
            Trigger::Manual => "manual",
            Trigger::Retry => "retry",
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
            RunOutcome::TimedOut => "timed_out",
        }
    }
}
