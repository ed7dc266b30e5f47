//! The period a page shows: read from `?period=`, named in the reader's language.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::lang::Lang;
use crate::domain::{Month, Period};
use crate::t;
pub use crate::web::range::latest_month;

pub fn parse_period(text: &Option<String>) -> Result<Period, String> {
    match text.as_deref().filter(|t| !t.is_empty()) {
        None => Ok(Period::Month(latest_month())),
        Some(t) => t
            .parse()
            .map_err(|e: crate::domain::PeriodError| e.to_string()),
    }
}

/// "Tháng 11/2026", "November 2026".
pub fn month_label(m: Month) -> String {
    let padded = format!("{:02}", m.month());
    t!(
        "period-month",
        month = m.month(),
        padded = padded,
        year = m.year()
    )
}

/// "tháng 11/2026", "November 2026": a month inside a sentence.
pub fn month_in_sentence(m: Month) -> String {
    let padded = format!("{:02}", m.month());
    t!(
        "period-month-in-sentence",
        month = m.month(),
        padded = padded,
        year = m.year()
    )
}

pub fn period_label(p: Period) -> String {
    match p {
        Period::Month(m) => month_label(m),
        Period::Quarter { year, quarter } => t!("period-quarter", quarter = quarter, year = year),
        Period::Year(y) => t!("period-year", year = y),
        Period::YearToDate(m) => t!("period-year-to-date", month = month_in_sentence(m)),
    }
}

/// A time as people in Vietnam read it, in the reader's language:
/// `14:05 ngày 03/11/2026`, `14:05 on 3 November 2026`.
pub fn time_and_day(t: DateTime<Utc>) -> String {
    t!("time-and-day", time = hanoi(t, "%H:%M"), day = day(t))
}

/// The day in Vietnam: `03/11/2026`, `3 November 2026`.
pub fn day(t: DateTime<Utc>) -> String {
    date(t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).date_naive())
}

/// `03/11/2026`, `3 November 2026`.
pub fn date(d: NaiveDate) -> String {
    match Lang::current() {
        Lang::Vi => d.format("%d/%m/%Y").to_string(),
        Lang::En => d.format("%-d %B %Y").to_string(),
    }
}

/// A time as shown on a clock in Vietnam, with `format`.
pub fn hanoi(t: DateTime<Utc>, format: &str) -> String {
    t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .format(format)
        .to_string()
}
