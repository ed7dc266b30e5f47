//! The `from`/`to` month range of pages and API calls, parsed once: by
//! default the twelve months up to the newest a unit can have reported.

use chrono::Utc;

use crate::domain::Month;

/// The longest range one request may ask for: ten years of months.
pub const MAX_MONTHS: i64 = 120;

/// Which parameter is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeError {
    pub parameter: &'static str,
    pub message: String,
}

/// The month before the current one in Hanoi: the newest a unit has reported.
pub fn latest_month() -> Month {
    Month::of(
        Utc::now()
            .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
            .date_naive(),
    )
    .prev()
}

/// `from`..=`to` (YYYY-MM each, either may be missing or empty).
pub fn month_range(from: Option<&str>, to: Option<&str>) -> Result<(Month, Month), RangeError> {
    let parse = |v: Option<&str>, parameter: &'static str| {
        v.filter(|t| !t.trim().is_empty())
            .map(|t| {
                t.parse::<Month>().map_err(|e| RangeError {
                    parameter,
                    message: e.to_string(),
                })
            })
            .transpose()
    };
    let to = parse(to, "to")?.unwrap_or_else(latest_month);
    let from = parse(from, "from")?
        .unwrap_or_else(|| Month::new(to.year() - 1, to.month()).map_or(to, Month::next));
    if from > to {
        return Err(RangeError {
            parameter: "from",
            message: format!("{from} is after to {to}"),
        });
    }
    if to.index() - from.index() >= MAX_MONTHS {
        return Err(RangeError {
            parameter: "to",
            message: format!("{from}..{to} is longer than {MAX_MONTHS} months; ask in parts"),
        });
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_defaults_to_twelve_months_and_names_the_bad_parameter() {
        let (from, to) = month_range(None, Some("2021-06")).unwrap();
        assert_eq!(
            (from.to_string(), to.to_string()),
            ("2020-07".into(), "2021-06".into())
        );
        assert_eq!(
            month_range(Some("2021-13"), None).unwrap_err().parameter,
            "from"
        );
        assert_eq!(
            month_range(Some("2021-06"), Some("2021-01"))
                .unwrap_err()
                .parameter,
            "from"
        );
        assert_eq!(
            month_range(Some("2001-01"), Some("2021-01"))
                .unwrap_err()
                .parameter,
            "to"
        );
    }
}
