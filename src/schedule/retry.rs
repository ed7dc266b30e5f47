//! When a failed or timed-out run is tried again: a minute after it ended,
//! the wait doubling with each failure in a row, never more than 30 minutes
//! apart, until a run succeeds. A collect that failed while ClickHouse was
//! down is thus done minutes after it is back, not at the next day's slot.
//! Pure: no clock, no I/O.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::Failures;

/// The wait before the first retry.
pub const FIRST_RETRY: Duration = Duration::from_secs(60);
/// The longest wait between two retries.
pub const MAX_RETRY: Duration = Duration::from_secs(30 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            first: FIRST_RETRY,
            max: MAX_RETRY,
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

    /// The retry the recorded failures call for: when, and the due instant it serves.
    pub fn after(&self, failures: &Failures) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            self.retry_at(failures.count, failures.last_finished),
            failures.last_served,
        )
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
        let (at, serves) = Backoff::default().after(&failures);
        assert_eq!(at, ended + chrono::Duration::minutes(4));
        assert_eq!(serves, served);
    }
}
