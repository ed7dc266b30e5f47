//! When a failed or timed-out run is tried again: a minute after it ended,
//! the wait doubling with each failure of that due instant, never more than
//! 30 minutes apart, at most 10 times (about 3.5 hours), until a run succeeds;
//! then the job's next slot. A collect that failed while ClickHouse was down
//! is thus done minutes after it is back, not at the next day's slot, and a
//! unit down all day does not have every endpoint pulled every 30 minutes.
//! Pure: no clock, no I/O.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::Failures;

/// The wait before the first retry.
pub const FIRST_RETRY: Duration = Duration::from_secs(60);
/// The longest wait between two retries.
pub const MAX_RETRY: Duration = Duration::from_secs(30 * 60);
/// Retries of one due instant; then it waits for the job's next slot.
pub const MAX_RETRIES: u32 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
    pub retries: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            first: FIRST_RETRY,
            max: MAX_RETRY,
            retries: MAX_RETRIES,
        }
    }
}

impl Backoff {
    /// The wait after the `failures`-th failure in a row (the first is 1).
    pub fn wait(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(20);
        self.first.saturating_mul(1 << doublings).min(self.max)
    }

    /// When to retry after `failures` in a row, the latest ending at `ended`.
    pub fn retry_at(&self, failures: u32, ended: DateTime<Utc>) -> DateTime<Utc> {
        chrono::Duration::from_std(self.wait(failures))
            .ok()
            .and_then(|wait| ended.checked_add_signed(wait))
            .unwrap_or(ended)
    }

    /// Whether a due instant that failed `failures` times is tried again.
    pub fn retries_left(&self, failures: u32) -> bool {
        failures <= self.retries
    }

    /// The retry the recorded failures call for, if any is left: when, and
    /// the due instant it serves.
    pub fn after(&self, failures: &Failures) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.retries_left(failures.count).then(|| {
            (
                self.retry_at(failures.count, failures.last_finished),
                failures.last_served,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_wait_doubles_from_a_minute_up_to_half_an_hour() {
        let b = Backoff::default();
        let mins: Vec<u64> = (1..=8).map(|n| b.wait(n).as_secs() / 60).collect();
        assert_eq!(mins, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(b.wait(u32::MAX), MAX_RETRY);
        assert_eq!(b.wait(0), FIRST_RETRY);
    }

    #[test]
    fn the_retry_serves_the_failed_instant_after_the_wait() {
        let ended = Utc.with_ymd_and_hms(2026, 10, 6, 19, 5, 0).unwrap();
        let served = Utc.with_ymd_and_hms(2026, 10, 6, 19, 0, 0).unwrap();
        let failures = Failures {
            count: 3,
            last_finished: ended,
            last_served: served,
        };
        let (at, serves) = Backoff::default().after(&failures).unwrap();
        assert_eq!(at, ended + chrono::Duration::minutes(4));
        assert_eq!(serves, served);
    }

    #[test]
    fn a_due_instant_is_retried_ten_times_then_left_to_the_next_slot() {
        let b = Backoff::default();
        assert!(
            b.retries_left(MAX_RETRIES),
            "the 10th retry follows the 10th failure"
        );
        assert!(!b.retries_left(MAX_RETRIES + 1));
        let total: u64 = (1..=MAX_RETRIES).map(|n| b.wait(n).as_secs()).sum();
        assert_eq!(total / 60, 1 + 2 + 4 + 8 + 16 + 30 * 5);
    }
}
