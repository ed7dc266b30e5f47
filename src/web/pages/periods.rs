//! The period a page shows: read from `?period=`, named in Vietnamese.

use crate::domain::Period;
pub use crate::web::range::latest_month;

pub fn parse_period(text: &Option<String>) -> Result<Period, String> {
    match text.as_deref().filter(|t| !t.is_empty()) {
        None => Ok(Period::Month(latest_month())),
        Some(t) => t
            .parse()
            .map_err(|e: crate::domain::PeriodError| e.to_string()),
    }
}

pub fn period_label(p: Period) -> String {
    match p {
        Period::Month(m) => format!("Tháng {:02}/{}", m.month(), m.year()),
        Period::Quarter { year, quarter } => format!("Quý {quarter}/{year}"),
        Period::Year(y) => format!("Năm {y}"),
        Period::YearToDate(m) => format!("Từ đầu năm đến tháng {:02}/{}", m.month(), m.year()),
    }
}
