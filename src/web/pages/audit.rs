//! The audit log for ministry staff: `/nhat-ky` (filters: kind, who, from, to)
//! and the same rows as CSV at `/nhat-ky.csv`.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use maud::html;
use serde::Deserialize;

use super::csv_file::csv_response;
use super::layout::{page, PageError};
use crate::store::{AuditEvent, AuditFilter, AuditKind};
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
}

fn day(text: &Option<String>, name: &str) -> Result<Option<NaiveDate>, PageError> {
    match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| PageError::bad(format!("{name} '{t}': cần dạng YYYY-MM-DD"))),
    }
}

fn start_of(d: NaiveDate) -> Option<DateTime<Utc>> {
    d.and_hms_opt(0, 0, 0).map(|t| t.and_utc())
}

fn filter_of(query: &Query) -> Result<AuditFilter, PageError> {
    let kind = match query.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(k) => Some(
            AuditKind::parse(k)
                .ok_or_else(|| PageError::bad(format!("loại sự kiện '{k}' không có")))?,
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

fn kind_vi(kind: AuditKind) -> &'static str {
    match kind {
        AuditKind::LoginSucceeded => "Đăng nhập",
        AuditKind::LoginFailed => "Đăng nhập sai",
        AuditKind::LoginThrottled => "Đăng nhập bị chặn tạm",
        AuditKind::Logout => "Đăng xuất",
        AuditKind::AccountChanged => "Thay đổi tài khoản",
        AuditKind::TokenChanged => "Thay đổi token",
        AuditKind::Freeze => "Chốt kỳ",
        AuditKind::Import => "Nhập tệp",
        AuditKind::SqlQuery => "Truy vấn SQL",
        AuditKind::RemindRun => "Gửi nhắc nhở",
    }
}

fn actor(e: &AuditEvent) -> &str {
    if e.actor.is_empty() {
        "(dòng lệnh / lịch)"
    } else {
        &e.actor
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
        h1 { "Nhật ký hệ thống" }
        form method="get" action="/nhat-ky" {
            label { "Loại " select name="kind" {
                option value="" { "Tất cả" }
                @for k in AuditKind::ALL {
                    option value=(k.as_str()) selected[query.kind.as_deref() == Some(k.as_str())] { (kind_vi(k)) }
                }
            } }
            " " label { "Tài khoản " input name="who" value=(value(&query.who)); }
            " " label { "Từ ngày " input type="date" name="from" value=(value(&query.from)); }
            " " label { "Đến ngày " input type="date" name="to" value=(value(&query.to)); }
            " " button type="submit" { "Lọc" }
        }
        p.muted { (rows.len()) " sự kiện mới nhất (tối đa " (PAGE_ROWS) "). "
            a href=(csv_link) { "Tải CSV" } }
        div.scroll { table {
            thead { tr { th.name { "Thời điểm (UTC)" } th.name { "Loại" } th.name { "Người thực hiện" }
                th.name { "Đối tượng" } th.name { "Địa chỉ" } th.name { "Chi tiết" } } }
            tbody { @for e in &rows {
                tr { td.name { (e.at.format("%Y-%m-%d %H:%M:%S")) } td.name { (kind_vi(e.kind)) }
                    td.name { (actor(e)) } td.name { (e.subject) } td.name { (e.address) }
                    td.name { (e.detail)
                        @if e.kind == AuditKind::SqlQuery {
                            " — " (e.rows) " dòng, " (e.bytes) " byte, " (e.duration_ms) " ms"
                            @if e.refused != 0 { ", bị từ chối" }
                        } } }
            } }
        } }
    };
    Ok(page("Nhật ký hệ thống", body))
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
