//! The time collection records: the wall clock, or a calendar set by hand. The
//! demo sets it to replay past months day by day as a watching chiso would have
//! collected them, so its pages show on-time, late and missing reports.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};

/// Shared by its clones: the demo's collector and simulator read one calendar.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Milliseconds since the epoch the clock is set to; 0 follows the wall clock.
    set_to_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The wall clock, until someone sets it.
    pub fn wall() -> Clock {
        Clock::default()
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self.set_to_ms.load(Ordering::Relaxed) {
            0 => Utc::now(),
            ms => DateTime::from_timestamp_millis(ms).unwrap_or_else(Utc::now),
        }
    }

    pub fn set(&self, at: DateTime<Utc>) {
        // 0 is the wall clock's marker; a clock set to the epoch itself is 1 ms later.
        self.set_to_ms
            .store(at.timestamp_millis().max(1), Ordering::Relaxed);
    }

    pub fn follow_the_wall_clock(&self) {
        self.set_to_ms.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_clock_is_shared_by_its_clones_until_it_follows_the_wall_clock_again() {
        let clock = Clock::wall();
        let other = clock.clone();
        let at = DateTime::from_timestamp(1_600_000_000, 0).expect("a valid instant");
        clock.set(at);
        assert_eq!(other.now(), at);
        other.follow_the_wall_clock();
        assert!(clock.now() > at);
    }
}
