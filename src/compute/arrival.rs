//! When a unit's report of a month arrived, as far as chiso can tell: on time
//! (first stored by the deadline), late (first stored after it, while chiso was
//! collecting the month), missing, or unknown — a month first collected after
//! its deadline by a backfill or an import of history says nothing of when the
//! unit reported. Unknown months are left out of the on-time rate.

/// A unit-month's report arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    OnTime,
    Late,
    /// Stored, but chiso was not collecting the month by its deadline.
    Unknown,
    Missing,
}

impl Arrival {
    /// `first_stored`: when the report was first stored; `first_attempt`: when
    /// chiso first tried to collect the month from any unit; all Unix seconds.
    pub fn of(first_stored: Option<i64>, first_attempt: Option<i64>, deadline: i64) -> Self {
        match first_stored {
            None => Arrival::Missing,
            Some(t) if t <= deadline => Arrival::OnTime,
            Some(_) if first_attempt.is_some_and(|a| a <= deadline) => Arrival::Late,
            Some(_) => Arrival::Unknown,
        }
    }

    /// As pages say it, in the current language (`domain::lang`).
    pub fn name(self) -> String {
        match self {
            Arrival::OnTime => crate::t!("arrival-on-time"),
            Arrival::Late => crate::t!("arrival-late"),
            Arrival::Unknown => crate::t!("arrival-unknown"),
            Arrival::Missing => crate::t!("arrival-missing"),
        }
    }

    /// As Vietnamese readers say it.
    pub fn name_vi(self) -> &'static str {
        match self {
            Arrival::OnTime => "Đúng hạn",
            Arrival::Late => "Muộn",
            Arrival::Unknown => "Không rõ thời điểm",
            Arrival::Missing => "Chưa báo cáo",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Arrival;

    const DEADLINE: i64 = 1_000;

    #[test]
    fn a_report_stored_by_the_deadline_is_on_time() {
        assert_eq!(Arrival::of(Some(900), Some(800), DEADLINE), Arrival::OnTime);
        assert_eq!(
            Arrival::of(Some(1_000), Some(1_000), DEADLINE),
            Arrival::OnTime
        );
    }

    #[test]
    fn after_the_deadline_it_is_late_only_if_chiso_was_collecting_the_month() {
        assert_eq!(Arrival::of(Some(1_500), Some(900), DEADLINE), Arrival::Late);
        // Backfilled or imported from history: the first attempt came after the deadline.
        assert_eq!(
            Arrival::of(Some(1_500), Some(1_400), DEADLINE),
            Arrival::Unknown
        );
        assert_eq!(Arrival::of(Some(1_500), None, DEADLINE), Arrival::Unknown);
        assert_eq!(Arrival::of(None, Some(900), DEADLINE), Arrival::Missing);
        assert_eq!(Arrival::of(None, None, DEADLINE), Arrival::Missing);
    }
}
