//! The audit log for ministry staff: `/nhat-ky` (filters: kind, who, from, to)
//! and the same rows as CSV at `/nhat-ky.csv`.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use maud::html;
use serde::Deserialize;

use super::csv_file::csv_response;
use super::layout::{page, PageError};
use crate::store::{AuditEvent, AuditFilter, AuditKind};
use crate::t;
use crate::web::auth::Viewer;
use crate::web::State;

/// Rows on the page; the CSV may carry more.
const PAGE_ROWS: u64 = 500;
const CSV_ROWS: u64 = 100_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    kind: Option<String>,
    who: Option<String>,
    /// First day, YYYY-MM-DD (UTC).
    from: Option<String>,
    /// Last day, YYYY-MM-DD (UTC), included.
    to: Option<String>,
    /// The reader's language, read by the language middleware (`lang.rs`).
    #[allow(dead_code)]
    lang: Option<String>,
}

fn day(text: &Option<String>, name: &str) -> Result<Option<NaiveDate>, PageError> {
    match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| PageError::bad(t!("audit-bad-day", name = name, text = t))),
    }
}

fn start_of(d: NaiveDate) -> Option<DateTime<Utc>> {
    d.and_hms_opt(0, 0, 0).map(|t| t.and_utc())
}

fn filter_of(query: &Query) -> Result<AuditFilter, PageError> {
    let kind = match query.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(k) => Some(
            AuditKind::parse(k).ok_or_else(|| PageError::bad(t!("audit-bad-kind", kind = k)))?,
        ),
    };
    Ok(AuditFilter {
        kind,
        who: query.who.clone().filter(|w| !w.trim().is_empty()),
        from: day(&query.from, "from")?.and_then(start_of),
        until: day(&query.to, "to")?
            .and_then(|d| d.succ_opt())
            .and_then(start_of),
    })
}

async fn events(
    state: &State,
    viewer: &Viewer,
    req: &HttpRequest,
    query: &Query,
    limit: u64,
) -> Result<Vec<AuditEvent>, PageError> {
    viewer
        .require_role(&[])
        .map_err(|e| PageError::access(e, req))?;
    let filter = filter_of(query)?;
    Ok(state.store.audit_log(&filter, limit).await?)
}

fn kind_name(kind: AuditKind) -> String {
    match kind {
        AuditKind::LoginSucceeded => t!("audit-kind-login"),
        AuditKind::LoginFailed => t!("audit-kind-login-failed"),
        AuditKind::LoginThrottled => t!("audit-kind-login-throttled"),
        AuditKind::Logout => t!("audit-kind-logout"),
        AuditKind::AccountChanged => t!("audit-kind-account-changed"),
        AuditKind::TokenChanged => t!("audit-kind-token-changed"),
        AuditKind::Freeze => t!("audit-kind-freeze"),
        AuditKind::Import => t!("audit-kind-import"),
        AuditKind::SqlQuery => t!("audit-kind-sql-query"),
        AuditKind::RemindRun => t!("audit-kind-remind-run"),
    }
}

fn actor(e: &AuditEvent) -> String {
    if e.actor.is_empty() {
        t!("audit-actor-system")
    } else {
        e.actor.clone()
    }
}

#[get("/nhat-ky")]
pub async fn page_handler(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    query: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let rows = events(&state, &viewer, &req, &query, PAGE_ROWS).await?;
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let csv_link = format!("/nhat-ky.csv?{}", req.query_string());
    let body = html! {
        h1 { (t!("audit-title")) }
        form method="get" action="/nhat-ky" {
            label { (t!("audit-kind")) " " select name="kind" {
                option value="" { (t!("audit-all")) }
                @for k in AuditKind::ALL {
                    option value=(k.as_str()) selected[query.kind.as_deref() == Some(k.as_str())] { (kind_name(k)) }
                }
            } }
            " " label { (t!("audit-account")) " " input name="who" value=(value(&query.who)); }
            " " label { (t!("audit-from-day")) " " input type="date" name="from" value=(value(&query.from)); }
            " " label { (t!("audit-to-day")) " " input type="date" name="to" value=(value(&query.to)); }
            " " button type="submit" { (t!("audit-filter")) }
        }
        p.muted { (t!("audit-latest", count = rows.len(), max = PAGE_ROWS)) " "
            a href=(csv_link) { (t!("common-download-csv")) } }
        div.scroll { table {
            thead { tr { th.name { (t!("audit-at-utc")) } th.name { (t!("audit-kind")) } th.name { (t!("audit-actor")) }
                th.name { (t!("audit-subject")) } th.name { (t!("audit-address")) } th.name { (t!("audit-detail")) } } }
            tbody { @for e in &rows {
                tr { td.name { (e.at.format("%Y-%m-%d %H:%M:%S")) } td.name { (kind_name(e.kind)) }
                    td.name { (actor(e)) } td.name { (e.subject) } td.name { (e.address) }
                    td.name { (e.detail)
                        @if e.kind == AuditKind::SqlQuery {
                            " — " (t!("audit-sql-cost", rows = e.rows, bytes = e.bytes, ms = e.duration_ms))
                            @if e.refused != 0 { ", " (t!("audit-refused")) }
                        } } }
            } }
        } }
    };
    Ok(page(&t!("audit-title"), body))
}

/// A CSV cell a spreadsheet will not run: a leading `=`, `+`, `-`, `@`, tab or
/// carriage return gets a `'` before it (OWASP CSV injection).
fn inert(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

#[get("/nhat-ky.csv")]
pub async fn csv(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    query: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let rows = events(&state, &viewer, &req, &query, CSV_ROWS).await?;
    let header = [
        "at",
        "kind",
        "actor",
        "subject",
        "address",
        "detail",
        "rows",
        "bytes",
        "duration_ms",
        "refused",
    ];
    let mut out = vec![header.map(String::from).to_vec()];
    for e in rows {
        out.push(
            [
                e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                e.kind.as_str().to_string(),
                e.actor,
                e.subject,
                e.address,
                e.detail,
                e.rows.to_string(),
                e.bytes.to_string(),
                e.duration_ms.to_string(),
                e.refused.to_string(),
            ]
            .map(inert)
            .to_vec(),
        );
    }
    Ok(csv_response("nhat-ky.csv", out))
}

#[cfg(test)]
mod tests {
    #[test]
    fn formulas_are_made_inert() {
        assert_eq!(super::inert("=HYPERLINK(1)".into()), "'=HYPERLINK(1)");
        assert_eq!(super::inert("-1+2".into()), "'-1+2");
        assert_eq!(super::inert("an.nguyen".into()), "an.nguyen");
    }
}
