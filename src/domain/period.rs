//! Reporting periods: month, quarter, year, year to date. Aggregates over a
//! period sum numerators and denominators of its months; they never average rates.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::domain::Month;

/// How quarters are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuarterCalendar {
    /// Q1 = January–March, …
    #[default]
    Calendar,
    /// The reporting cut-off calendar of Decision 676/QĐ-BKHCN: Q1 = 15 Dec of the
    /// previous year to 14 Mar, Q2 = 15 Mar–14 Jun, Q3 = 15 Jun–14 Sep, Q4 = 15 Sep–14 Dec.
    CutOff676,
}

impl QuarterCalendar {
    /// The name in chiso.toml and in stored computations.
    pub fn as_str(self) -> &'static str {
        match self {
            QuarterCalendar::Calendar => "calendar",
            QuarterCalendar::CutOff676 => "cut_off_676",
        }
    }

    /// The (year, quarter) a day belongs to.
    pub fn quarter_of_day(self, day: NaiveDate) -> (i32, u32) {
        match self {
            QuarterCalendar::Calendar => (day.year(), (day.month() - 1) / 3 + 1),
            QuarterCalendar::CutOff676 => {
                // Shift by the cut-off: from the 15th, a day counts with the next month.
                let (y, m) = if day.day() >= 15 {
                    next_month(day.year(), day.month())
                } else {
                    (day.year(), day.month())
                };
                // After the shift, Jan–Mar is Q1 (15 Dec–14 Mar), and so on.
                (y, (m - 1) / 3 + 1)
            }
        }
    }

    /// The quarter a month's report counts in. Data is monthly, so under the 676
    /// calendar a month goes to the quarter holding most of its days: December
    /// (17 days from the 15th) opens next year's Q1, March (14 days before the 15th)
    /// belongs to Q2. Q1 = Dec–Feb, Q2 = Mar–May, Q3 = Jun–Aug, Q4 = Sep–Nov.
    pub fn quarter_of_month(self, month: Month) -> (i32, u32) {
        match self {
            QuarterCalendar::Calendar => self.quarter_of_day(month.first_day()),
            QuarterCalendar::CutOff676 => {
                let (y, m) = next_month(month.year(), month.month());
                (y, (m - 1) / 3 + 1)
            }
        }
    }

    /// The months of a quarter under this calendar.
    pub fn months_of_quarter(self, year: i32, quarter: u32) -> Vec<Month> {
        let first_in_calendar = Month::new(year, (quarter - 1) * 3 + 1);
        let first = match self {
            QuarterCalendar::Calendar => first_in_calendar,
            QuarterCalendar::CutOff676 => first_in_calendar.map(Month::prev),
        };
        first
            .map(|f| {
                std::iter::successors(Some(f), |m| Some(m.next()))
                    .take(3)
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn next_month(year: i32, month: u32) -> (i32, u32) {
    if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    }
}

/// A reporting period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Month(Month),
    Quarter {
        year: i32,
        quarter: u32,
    },
    Year(i32),
    /// January of the month's year through the month.
    YearToDate(Month),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("'{0}' is not a period: expected YYYY-MM, YYYY-Qn, YYYY or YYYY-MM-YTD (e.g. 2021-06, 2021-Q2, 2021, 2021-06-YTD)")]
pub struct PeriodError(String);

impl Period {
    /// The months whose numerators and denominators the period sums.
    pub fn months(self, calendar: QuarterCalendar) -> Vec<Month> {
        match self {
            Period::Month(m) => vec![m],
            Period::Quarter { year, quarter } => calendar.months_of_quarter(year, quarter),
            Period::Year(y) => Month::new(y, 1)
                .zip(Month::new(y, 12))
                .map(|(a, b)| a.through(b).collect())
                .unwrap_or_default(),
            Period::YearToDate(m) => Month::new(m.year(), 1)
                .map(|a| a.through(m).collect())
                .unwrap_or_default(),
        }
    }

    /// The period a rank change is measured against: the one just before, of the same kind.
    pub fn previous(self) -> Period {
        match self {
            Period::Month(m) => Period::Month(m.prev()),
            Period::Quarter { year, quarter: 1 } => Period::Quarter {
                year: year - 1,
                quarter: 4,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter - 1,
            },
            Period::Year(y) => Period::Year(y - 1),
            Period::YearToDate(m) => {
                Period::YearToDate(Month::new(m.year() - 1, m.month()).unwrap_or(m))
            }
        }
    }

    /// Every period whose figures include `month`: the month, its quarter,
    /// its year and its year to date. What a new month's data recomputes.
    pub fn containing(month: Month, calendar: QuarterCalendar) -> [Period; 4] {
        let (year, quarter) = calendar.quarter_of_month(month);
        [
            Period::Month(month),
            Period::Quarter { year, quarter },
            Period::Year(month.year()),
            Period::YearToDate(month),
        ]
    }

    /// The last month of the period: the one whose trajectory target applies.
    pub fn last_month(self, calendar: QuarterCalendar) -> Option<Month> {
        self.months(calendar).last().copied()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month(m) => write!(f, "{m}"),
            Period::Quarter { year, quarter } => write!(f, "{year}-Q{quarter}"),
            Period::Year(y) => write!(f, "{y}"),
            Period::YearToDate(m) => write!(f, "{m}-YTD"),
        }
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || PeriodError(s.to_string());
        let t = s.trim();
        if let Some(m) = t.strip_suffix("-YTD") {
            return m.parse().map(Period::YearToDate).map_err(|_| err());
        }
        if let Some((y, q)) = t.split_once("-Q") {
            let year: i32 = y.parse().map_err(|_| err())?;
            let quarter: u32 = q.parse().map_err(|_| err())?;
            return if y.len() == 4 && (1..=4).contains(&quarter) {
                Ok(Period::Quarter { year, quarter })
            } else {
                Err(err())
            };
        }
        if t.len() == 4 {
            return t.parse().map(Period::Year).map_err(|_| err());
        }
        t.parse().map(Period::Month).map_err(|_| err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn months(p: &str, cal: QuarterCalendar) -> Vec<String> {
        p.parse::<Period>()
            .unwrap()
            .months(cal)
            .iter()
            .map(|m| m.to_string())
            .collect()
    }

    #[test]
    fn the_676_calendar_puts_14_march_in_q1_and_15_march_in_q2() {
        let cal = QuarterCalendar::CutOff676;
        assert_eq!(cal.quarter_of_day(day("2021-03-14")), (2021, 1));
        assert_eq!(cal.quarter_of_day(day("2021-03-15")), (2021, 2));
        assert_eq!(cal.quarter_of_day(day("2020-12-14")), (2020, 4));
        assert_eq!(cal.quarter_of_day(day("2020-12-15")), (2021, 1));
        assert_eq!(cal.quarter_of_day(day("2021-09-14")), (2021, 3));
        assert_eq!(cal.quarter_of_day(day("2021-09-15")), (2021, 4));
    }

    #[test]
    fn calendar_quarters_are_the_default() {
        let cal = QuarterCalendar::default();
        assert_eq!(cal.quarter_of_day(day("2021-03-31")), (2021, 1));
        assert_eq!(cal.quarter_of_day(day("2021-04-01")), (2021, 2));
        assert_eq!(months("2021-Q2", cal), ["2021-04", "2021-05", "2021-06"]);
    }

    #[test]
    fn monthly_data_follows_the_676_quarters_by_majority_of_days() {
        let cal = QuarterCalendar::CutOff676;
        assert_eq!(months("2021-Q1", cal), ["2020-12", "2021-01", "2021-02"]);
        assert_eq!(months("2021-Q2", cal), ["2021-03", "2021-04", "2021-05"]);
        for p in ["2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4"] {
            let Period::Quarter { year, quarter } = p.parse().unwrap() else {
                unreachable!()
            };
            for m in (Period::Quarter { year, quarter }).months(cal) {
                assert_eq!(cal.quarter_of_month(m), (year, quarter), "{m} in {p}");
            }
        }
    }

    #[test]
    fn years_and_year_to_date_cover_their_months() {
        assert_eq!(months("2021", QuarterCalendar::Calendar).len(), 12);
        assert_eq!(
            months("2021-03-YTD", QuarterCalendar::Calendar),
            ["2021-01", "2021-02", "2021-03"]
        );
    }

    #[test]
    fn periods_print_parse_and_step_back() {
        for s in ["2021-06", "2021-Q1", "2021", "2021-06-YTD"] {
            assert_eq!(s.parse::<Period>().unwrap().to_string(), s);
        }
        assert_eq!(
            "2021-Q1".parse::<Period>().unwrap().previous().to_string(),
            "2020-Q4"
        );
        assert_eq!(
            "2021-01".parse::<Period>().unwrap().previous().to_string(),
            "2020-12"
        );
        for bad in ["2021-Q5", "21", "2021-13", "Q1", "2021-06-ytd"] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }
}
