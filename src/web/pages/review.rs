//! A reviewer's verdict on a flagged change (`POST /chat-luong/ra-soat`):
//! "checked, correct" or "to be corrected", with a note, kept in ClickHouse
//! (`outlier_reviews`). Ministry staff only, with the session's CSRF token.

use actix_web::{http::header, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

use super::layout::PageError;
use crate::domain::Month;
use crate::store::{ReviewRow, Verdict};
use crate::web::auth::Viewer;
use crate::web::State;

/// A note is a sentence or two, not a document.
const NOTE_MAX_CHARS: usize = 1_000;

#[derive(Deserialize)]
pub struct ReviewForm {
    unit: String,
    indicator: String,
    month: String,
    verdict: String,
    #[serde(default)]
    note: String,
    csrf: Option<String>,
    /// The page's `to`, to return to it.
    #[serde(default)]
    to: String,
}

#[post("/chat-luong/ra-soat")]
pub async fn review_handler(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    form: web::Form<ReviewForm>,
) -> Result<HttpResponse, PageError> {
    let account = viewer
        .require_form(&[], form.csrf.as_deref())
        .map_err(|e| PageError::access(e, &req))?;
    let month: Month = form
        .month
        .parse()
        .map_err(|e| PageError::bad(format!("month: {e}")))?;
    let verdict = Verdict::parse(&form.verdict).ok_or_else(|| {
        PageError::bad(format!(
            "verdict: '{}' is neither 'correct' nor 'to_correct'",
            form.verdict
        ))
    })?;
    if state
        .registry
        .get(&crate::domain::UnitCode::new(&form.unit))
        .is_none()
    {
        return Err(PageError::bad(format!(
            "unit: '{}' is not in the registry",
            form.unit
        )));
    }
    if state.indicators.get(&form.indicator).is_none() {
        return Err(PageError::bad(format!(
            "indicator: '{}' is not in the catalogue",
            form.indicator
        )));
    }
    let note = form.note.trim();
    if note.chars().count() > NOTE_MAX_CHARS {
        return Err(PageError::bad(format!(
            "note: longer than {NOTE_MAX_CHARS} characters"
        )));
    }
    let now = Utc::now();
    let row = ReviewRow {
        unit_code: form.unit.clone(),
        indicator: form.indicator.clone(),
        month: month.first_day(),
        verdict,
        note: note.to_string(),
        reviewer: account.login.clone(),
        reviewed_at: now,
        reviewed_us: u64::try_from(now.timestamp_micros()).unwrap_or_default(),
    };
    state.store.record_review(&row).await?;
    tracing::info!(unit = %row.unit_code, month = %month, indicator = %row.indicator,
        verdict = verdict.as_str(), reviewer = %row.reviewer, "outlier reviewed");
    let back = match form.to.parse::<Month>() {
        Ok(to) => format!("/chat-luong?to={to}#outliers"),
        Err(_) => "/chat-luong#outliers".into(),
    };
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, back))
        .finish())
}
