//! The national monthly progress report for ministry staff: `/bao-cao/{month}`
//! is the print-ready page, `/bao-cao/{month}.xlsx` its tables, both from
//! `crate::report`, as `chiso report` writes them.

use actix_web::{get, web, HttpRequest, HttpResponse};

use super::layout::{html_response, PageError};
use crate::compute::lagging::LaggingRule;
use crate::domain::Month;
use crate::report::{self, MonthlyReport};
use crate::web::auth::Viewer;
use crate::web::State;

/// Both routes; the workbook first, or `{month}` would take "2025-07.xlsx".
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(xlsx).service(page_handler);
}

/// Ministry staff only: the report names every unit's shortfalls before they
/// are published.
async fn build(
    state: &State,
    viewer: &Viewer,
    req: &HttpRequest,
    month: &str,
) -> Result<MonthlyReport, PageError> {
    viewer
        .require_role(&[])
        .map_err(|e| PageError::access(e, req))?;
    let month: Month = month
        .parse()
        .map_err(|e| PageError::bad(format!("tháng '{month}': {e}")))?;
    Ok(report::monthly_report(
        &state.computer(),
        (&state.settings.compute, LaggingRule::from(&state.alerts)),
        month,
    )
    .await?)
}

#[get("/bao-cao/{month}.xlsx")]
pub async fn xlsx(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    month: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let built = build(&state, &viewer, &req, &month).await?;
    let bytes = report::xlsx::render(&built).map_err(|e| PageError::internal(&e))?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"{}.xlsx\"",
                report::file_stem(built.month)
            ),
        ))
        .body(bytes))
}

#[get("/bao-cao/{month}")]
pub async fn page_handler(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    month: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let built = build(&state, &viewer, &req, &month).await?;
    let href = format!("/bao-cao/{}.xlsx", built.month);
    Ok(html_response(report::html::render(&built, &href)))
}
