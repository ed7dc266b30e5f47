//! The national monthly progress report the ministry sends up (issue 14 §10):
//! national figures against targets, each ranking group ranked apart, units
//! lagging and not reporting, data-quality notes and charts. `model` gathers
//! it from stored results through `compute` and `store`; `html` draws the
//! print-ready page and `xlsx` the workbook of its tables. `chiso report` and
//! the `/bao-cao/{month}` page share all three.

mod charts;
pub mod html;
pub mod model;
pub mod xlsx;

pub use model::{monthly_report, MonthlyReport, Standing};

/// `07/2025`, as the report names its month.
pub fn month_label(month: crate::domain::Month) -> String {
    format!("{:02}/{}", month.month(), month.year())
}

/// The file name of a month's report without its extension: `report-2025-07`.
pub fn file_stem(month: crate::domain::Month) -> String {
    format!("report-{month}")
}

/// `10:00 ngày 05/08/2025`, Vietnam time.
pub fn hanoi(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .format("%H:%M ngày %d/%m/%Y")
        .to_string()
}
