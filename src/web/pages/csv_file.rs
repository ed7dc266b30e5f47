//! Pages' CSV downloads: one way to write them, for every page.

use actix_web::{http::StatusCode, HttpResponse};

use super::layout::problem;

/// Rows as a CSV attachment (missing values are empty cells, never 0;
/// cells a spreadsheet would run as formulas are neutralised, `csv_safe`).
pub fn csv_response(filename: &str, rows: Vec<Vec<String>>) -> HttpResponse {
    let mut out = ::csv::Writer::from_writer(Vec::new());
    for r in &rows {
        if out
            .write_record(r.iter().map(|c| crate::web::csv_safe::cell(c).into_owned()))
            .is_err()
        {
            return problem(StatusCode::INTERNAL_SERVER_ERROR, &crate::t!("error-csv"));
        }
    }
    match out.into_inner() {
        Ok(bytes) => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{filename}\""),
            ))
            .body(bytes),
        Err(_) => problem(StatusCode::INTERNAL_SERVER_ERROR, &crate::t!("error-csv")),
    }
}
