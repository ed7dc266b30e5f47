//! A past month collected again day by day on the collector's clock, as a
//! chiso watching it then would have: the demo replays its newest months this
//! way, so its pages show reports on time, late and missing, each with the
//! arrival a live deployment would have recorded.

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::report::Report;
use super::runner::{Collector, CollectorError};
use crate::domain::Month;

/// Days after the month's end on which the replay collects: daily up to a
/// deadline early in the month, then more sparsely (a collector that keeps
/// retrying); day 0 is the first day of the next month.
pub const REPLAY_DAYS: [u64; 10] = [0, 1, 2, 3, 4, 5, 7, 10, 14, 20];

impl Collector {
    /// Collects `month` for every unit valid in it at `hour` (local time in
    /// `zone`) of each of `days` after the month ends, with the clock set to
    /// that instant, stopping before the wall clock's now. The clock then
    /// follows the wall clock again. Returns each day's instant and report.
    pub async fn replay_month(
        &self,
        month: Month,
        (days, hour, zone): (&[u64], u32, Tz),
    ) -> Result<Vec<(DateTime<Utc>, Report)>, CollectorError> {
        let units = self.units_for(month, None)?;
        let at = NaiveTime::from_hms_opt(hour.min(23), 0, 0).unwrap_or_default();
        let mut reports = Vec::new();
        for &day in days {
            let local = (month.next().first_day() + chrono::Days::new(day)).and_time(at);
            let Some(instant) = zone.from_local_datetime(&local).earliest() else {
                continue;
            };
            let instant = instant.with_timezone(&Utc);
            if instant > Utc::now() {
                break;
            }
            self.clock.set(instant);
            let report = self.collect(month, &units, false).await;
            reports.push((instant, report));
        }
        self.clock.follow_the_wall_clock();
        Ok(reports)
    }
}
