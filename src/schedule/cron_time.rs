//! Cron expressions read in a time zone: when a job is next due, and which
//! single due instant a stopped service missed. Pure: no clock, no I/O.

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

/// A cron expression (sec min hour day month weekday [year]) read in `zone`.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    schedule: cron::Schedule,
    zone: Tz,
}

#[derive(Debug, thiserror::Error)]
#[error("'{expr}' is not a cron expression: {source}")]
pub struct CronError {
    expr: String,
    source: cron::error::Error,
}

impl CronSchedule {
    pub fn parse(expr: &str, zone: Tz) -> Result<Self, CronError> {
        let schedule = cron::Schedule::from_str(expr).map_err(|source| CronError {
            expr: expr.to_string(),
            source,
        })?;
        Ok(Self { schedule, zone })
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    pub fn expression(&self) -> &str {
        self.schedule.source()
    }

    /// The first due instant strictly after `instant`.
    pub fn next_after(&self, instant: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = whole_second(instant).with_timezone(&self.zone);
        self.schedule
            .after(&local)
            .next()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The last due instant at or before `instant`.
    pub fn latest_due(&self, instant: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // The crate searches backwards strictly before its start; start a second later.
        let local = (whole_second(instant) + Duration::seconds(1)).with_timezone(&self.zone);
        self.schedule
            .after(&local)
            .next_back()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The latest instant due in (`since`, `now`], if any came due: a job is
    /// run once however many of its slots passed while it ran or slept.
    pub fn due_between(&self, since: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.next_after(since)
            .filter(|t| *t <= now)
            .and_then(|_| self.latest_due(now))
    }

    /// The one due instant to catch up at start: the latest in (`last`, `now`].
    ///
    /// However many slots passed while the service was down, a job is caught up
    /// once, for the latest: collect pulls the current months anyway, and a
    /// burst of reminders would only repeat one another. With no run ever
    /// recorded nothing was missed: a fresh install waits for its first due
    /// instant rather than, say, mailing every unit the moment it starts.
    pub fn missed(&self, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let last = last?;
        self.latest_due(now).filter(|due| *due > last)
    }
}

/// Job runs are recorded in whole seconds; cron instants are whole seconds.
fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use chrono_tz::Asia::Ho_Chi_Minh;

    use super::*;

    fn hcm(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Ho_Chi_Minh
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn daily_2am() -> CronSchedule {
        CronSchedule::parse("0 0 2 * * *", Ho_Chi_Minh).unwrap()
    }

    fn sixth_at_9() -> CronSchedule {
        CronSchedule::parse("0 0 9 6 * *", Ho_Chi_Minh).unwrap()
    }

    #[test]
    fn daily_run_after_a_month_end_is_the_first_of_the_next_month_local() {
        // 2025-01-31 23:00 in Hanoi is 16:00 UTC; 02:00 local on 1 Feb is 19:00 UTC on 31 Jan.
        let next = daily_2am().next_after(hcm(2025, 1, 31, 23, 0)).unwrap();
        assert_eq!(next, utc(2025, 1, 31, 19, 0));
    }

    #[test]
    fn monthly_run_after_a_month_end_is_the_sixth_of_the_next_month() {
        let next = sixth_at_9().next_after(hcm(2025, 1, 31, 23, 0)).unwrap();
        assert_eq!(next, utc(2025, 2, 6, 2, 0));
    }

    #[test]
    fn daily_run_after_a_year_end_falls_on_new_year_local_but_old_year_utc() {
        let next = daily_2am().next_after(hcm(2025, 12, 31, 23, 30)).unwrap();
        assert_eq!(next, utc(2025, 12, 31, 19, 0));
        assert_eq!(next.with_timezone(&Ho_Chi_Minh), hcm(2026, 1, 1, 2, 0));
    }

    #[test]
    fn monthly_run_after_a_year_end_is_the_sixth_of_january() {
        let next = sixth_at_9().next_after(hcm(2025, 12, 31, 23, 30)).unwrap();
        assert_eq!(next, utc(2026, 1, 6, 2, 0));
    }

    #[test]
    fn the_zone_decides_the_day_near_midnight_utc() {
        // 20:00 UTC on 5 Jan is 03:00 on the 6th in Hanoi: past 02:00, so the next is the 7th.
        let next = daily_2am().next_after(utc(2026, 1, 5, 20, 0)).unwrap();
        assert_eq!(next, hcm(2026, 1, 7, 2, 0));
    }

    #[test]
    fn next_is_strictly_after_a_due_instant() {
        let due = hcm(2026, 3, 1, 2, 0);
        assert_eq!(daily_2am().next_after(due).unwrap(), hcm(2026, 3, 2, 2, 0));
        assert_eq!(daily_2am().latest_due(due).unwrap(), due);
    }

    #[test]
    fn a_job_that_overran_two_slots_is_due_once_for_the_latest() {
        let since = hcm(2026, 10, 6, 1, 59);
        let now = hcm(2026, 10, 8, 2, 40);
        assert_eq!(
            daily_2am().due_between(since, now),
            Some(hcm(2026, 10, 8, 2, 0))
        );
        let at = hcm(2026, 10, 6, 2, 0);
        assert_eq!(
            daily_2am().due_between(at, at + Duration::milliseconds(900)),
            None,
            "not due again the second it ran"
        );
    }

    #[test]
    fn the_cron_crate_has_no_last_day_of_month() {
        // Quartz `L` is not supported: a month-end job needs another way.
        assert!(CronSchedule::parse("0 0 9 L * *", Ho_Chi_Minh).is_err());
    }

    #[test]
    fn days_past_a_short_months_end_are_skipped() {
        let s = CronSchedule::parse("0 0 9 31 * *", Ho_Chi_Minh).unwrap();
        assert_eq!(
            s.next_after(hcm(2026, 1, 31, 10, 0)).unwrap(),
            hcm(2026, 3, 31, 9, 0)
        );
    }

    #[test]
    fn two_days_down_catches_up_once_for_the_latest_slot() {
        let last = hcm(2026, 10, 4, 2, 0);
        let now = hcm(2026, 10, 6, 8, 15);
        assert_eq!(
            daily_2am().missed(Some(last), now),
            Some(hcm(2026, 10, 6, 2, 0))
        );
    }

    #[test]
    fn nothing_is_missed_before_the_next_slot() {
        let last = hcm(2026, 10, 6, 2, 0);
        assert_eq!(
            daily_2am().missed(Some(last), hcm(2026, 10, 7, 1, 59)),
            None
        );
    }

    #[test]
    fn a_slot_due_exactly_now_is_missed() {
        let last = hcm(2026, 10, 5, 2, 0);
        let now = hcm(2026, 10, 6, 2, 0);
        assert_eq!(daily_2am().missed(Some(last), now), Some(now));
    }

    #[test]
    fn with_no_run_ever_recorded_nothing_is_caught_up() {
        assert_eq!(daily_2am().missed(None, hcm(2026, 10, 6, 8, 0)), None);
    }

    #[test]
    fn a_monthly_job_down_over_a_year_end_catches_up_the_january_slot() {
        let last = hcm(2025, 11, 6, 9, 0);
        let now = hcm(2026, 1, 20, 8, 0);
        assert_eq!(
            sixth_at_9().missed(Some(last), now),
            Some(hcm(2026, 1, 6, 9, 0))
        );
    }
}
