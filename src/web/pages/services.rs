//! A unit's public services over the months: the level each month (the month
//! each became fully online), its dossiers, and the flag for a service
//! declared fully online that received no online dossier in the last N
//! months (letter 1145/BTTTT-THH). Filtered by field and level; a CSV of the
//! same rows.

use std::collections::BTreeSet;

use actix_web::{get, web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use super::csv_file::csv_response;
use super::format::percent;
use super::layout::{page, PageError};
use super::unit::visible_unit;
use crate::compute::service_history::{histories, ServiceHistory};
use crate::config::Unit;
use crate::domain::{Month, ServiceLevel};
use crate::store::UnusedService;
use crate::web::auth::Viewer;
use crate::web::range::month_range;
use crate::web::State;

#[derive(Deserialize)]
pub struct Query {
    from: Option<String>,
    to: Option<String>,
    /// A field (lĩnh vực) as the unit reports it; empty: all.
    linh_vuc: Option<String>,
    /// A level (`full_online`, `partial_online`, `not_online`) or `unused`.
    muc_do: Option<String>,
}

/// Which services the viewer asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LevelFilter {
    All,
    Level(ServiceLevel),
    Unused,
}

impl LevelFilter {
    fn parse(text: Option<&str>) -> Result<LevelFilter, String> {
        match text.map(str::trim).unwrap_or("") {
            "" => Ok(LevelFilter::All),
            "unused" => Ok(LevelFilter::Unused),
            other => other
                .parse()
                .map(LevelFilter::Level)
                .map_err(|e| format!("muc_do: {e}, or unused")),
        }
    }

    fn keeps(self, s: &ServiceHistory, window: u32) -> bool {
        match self {
            LevelFilter::All => true,
            LevelFilter::Level(l) => s.level_now == Some(l),
            LevelFilter::Unused => s.unused(window),
        }
    }
}

/// What a request shows: the unit, its services and the filters applied.
struct Shown<'a> {
    unit: &'a Unit,
    from: Month,
    to: Month,
    window: u32,
    fields: Vec<String>,
    services: Vec<ServiceHistory>,
    field: String,
    level: LevelFilter,
}

async fn shown<'a>(
    state: &'a State,
    (viewer, req): (&Viewer, &HttpRequest),
    code: &str,
    query: &Query,
) -> Result<Shown<'a>, PageError> {
    let unit = visible_unit(state, (viewer, req), code)?;
    let (from, to) = month_range(query.from.as_deref(), query.to.as_deref())
        .map_err(|e| PageError::bad(format!("{}: {}", e.parameter, e.message)))?;
    let level = LevelFilter::parse(query.muc_do.as_deref()).map_err(PageError::bad)?;
    let window = state.settings.compute.unused_full_online_months;
    // Read back far enough to confirm the flag's window, whatever the range.
    let mut read_from = to;
    for _ in 1..window {
        read_from = read_from.prev();
    }
    let read_from = read_from.min(from);
    let store = &state.store;
    let key = format!("unit-services/{}/{read_from}/{to}", unit.code);
    let rows = store
        .since_collect(&key, || {
            store.unit_service_months(unit.code.as_str(), (read_from, to))
        })
        .await?;
    let all = histories(&rows, (read_from, to), from);
    let fields: BTreeSet<String> = all.iter().map(|s| s.field.clone()).collect();
    let field = query
        .linh_vuc
        .clone()
        .unwrap_or_default()
        .trim()
        .to_string();
    let services = all
        .into_iter()
        .filter(|s| field.is_empty() || s.field == field)
        .filter(|s| level.keeps(s, window))
        .collect();
    Ok(Shown {
        unit,
        from,
        to,
        window,
        fields: fields.into_iter().collect(),
        services,
        field,
        level,
    })
}

#[get("/don-vi/{code}/dich-vu")]
pub async fn page_handler(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    code: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let s = shown(&state, (&viewer, &req), &code, &query).await?;
    let title = format!("Dịch vụ công · {}", s.unit.name);
    Ok(page(&title, body(&s, req.query_string())))
}

fn body(s: &Shown, query: &str) -> Markup {
    let flagged = s.services.iter().filter(|x| x.unused(s.window)).count();
    let full = s
        .services
        .iter()
        .filter(|x| x.level_now == Some(ServiceLevel::FullOnline))
        .count();
    html! {
        h1 { "Dịch vụ công · " (s.unit.name) }
        p { a href={"/don-vi/" (s.unit.code)} { "← Trang đơn vị" } }
        (filters(s))
        p.muted {
            (s.services.len()) " dịch vụ · " (full) " toàn trình · từ "
            (label(s.from)) " đến " (label(s.to)) " · "
            a href={"/don-vi/" (s.unit.code) "/dich-vu.csv?" (query)} { "Tải CSV" }
        }
        @if flagged > 0 {
            p.note #unused {
                (flagged) " dịch vụ công bố toàn trình nhưng không có hồ sơ trực tuyến nào trong "
                (s.window) " tháng liền đến " (label(s.to)) "."
            }
        }
        @if s.services.is_empty() {
            p.nodata { "Không có dịch vụ nào được báo cáo trong khoảng này." }
        } @else {
            (table(s))
        }
    }
}

/// Flagged services the unit page names; the services page lists them all.
const NAMED: usize = 12;

/// The unit page's line: its services page, and its flagged services if any.
pub(super) fn unit_page_note(
    unit: &Unit,
    unused: &[UnusedService],
    window: u32,
    (from, to): (Month, Month),
) -> Markup {
    let base = format!("/don-vi/{}/dich-vu?from={from}&to={to}", unit.code);
    html! {
        p {
            a href=(base) { "Dịch vụ công: mức độ và hồ sơ theo tháng" }
        }
        @if !unused.is_empty() {
            p.note #unused {
                (unused.len()) " dịch vụ công bố toàn trình nhưng không có hồ sơ trực tuyến nào trong "
                (window) " tháng liền đến " (label(to)) ": "
                @for (i, u) in unused.iter().take(NAMED).enumerate() {
                    @if i > 0 { ", " }
                    span title=(u.service_name) { (u.service_code) }
                }
                @if unused.len() > NAMED { ", …" }
                " · " a href={(base) "&muc_do=unused"} { "Xem" }
            }
        }
    }
}

fn filters(s: &Shown) -> Markup {
    let levels = [
        ("", "Mọi mức độ".to_string()),
        ("full_online", level_name(ServiceLevel::FullOnline).into()),
        (
            "partial_online",
            level_name(ServiceLevel::PartialOnline).into(),
        ),
        ("not_online", level_name(ServiceLevel::NotOnline).into()),
        (
            "unused",
            format!("Toàn trình, {} tháng không có hồ sơ trực tuyến", s.window),
        ),
    ];
    let chosen = match s.level {
        LevelFilter::All => "",
        LevelFilter::Level(l) => l.as_str(),
        LevelFilter::Unused => "unused",
    };
    html! {
        form.inline method="get" {
            label { "Lĩnh vực " select name="linh_vuc" {
                option value="" { "Mọi lĩnh vực" }
                @for f in &s.fields {
                    option value=(f) selected[*f == s.field] { (f) }
                }
            } }
            label { "Mức độ " select name="muc_do" {
                @for (value, label) in &levels {
                    option value=(value) selected[*value == chosen] { (label) }
                }
            } }
            input type="hidden" name="from" value=(s.from);
            input type="hidden" name="to" value=(s.to);
            button type="submit" { "Lọc" }
        }
    }
}

fn table(s: &Shown) -> Markup {
    html! {
        div.scroll { table #services {
            thead { tr {
                th.name { "Mã" } th.name { "Thủ tục" } th.name { "Lĩnh vực" }
                th { "Mức độ" } th { "Toàn trình từ" }
                @for (m, _) in s.services.first().map(|x| x.levels.as_slice()).unwrap_or(&[]) {
                    th title=(label(*m)) { (format!("{:02}/{}", m.month(), m.year() % 100)) }
                }
                th { "Hồ sơ tiếp nhận" } th { "Trực tuyến" } th { "Tỉ lệ trực tuyến" }
                th { "Đã giải quyết" } th { "Đúng hạn" } th { "Cảnh báo" }
            } }
            tbody {
                @for x in &s.services {
                    @let unused = x.unused(s.window);
                    tr.unused[unused] data-service=(x.code) {
                        td.name { (x.code) } td.name { (x.name) } td.name { (x.field) }
                        td { (x.level_now.map(level_name).unwrap_or("—")) }
                        td { (since(x)) }
                        @for (_, l) in &x.levels {
                            td.muted title=(l.map(level_name).unwrap_or("Không báo cáo")) { (level_mark(*l)) }
                        }
                        td { (x.dossiers.received) } td { (x.dossiers.received_online) }
                        td { (percent(share(x.dossiers.received_online, x.dossiers.received))) }
                        td { (x.dossiers.processed) } td { (x.dossiers.processed_on_time) }
                        td.st-lagging[unused] {
                            @if unused { (x.unused_months) " tháng không có hồ sơ trực tuyến" }
                        }
                    }
                }
            }
        } }
        p.muted { "TT: toàn trình · MP: một phần · —: chưa trực tuyến · ·: không báo cáo" }
    }
}

#[get("/don-vi/{code}/dich-vu.csv")]
pub async fn csv(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    code: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let s = shown(&state, (&viewer, &req), &code, &query).await?;
    let months: Vec<Month> = s
        .services
        .first()
        .map(|x| x.levels.iter().map(|(m, _)| *m).collect())
        .unwrap_or_default();
    let mut header: Vec<String> = [
        "service_code",
        "service_name",
        "field",
        "level",
        "full_online_since",
        "received",
        "received_online",
        "processed",
        "processed_on_time",
        "processed_late",
        "unused_months",
        "flagged",
    ]
    .map(String::from)
    .to_vec();
    header.extend(months.iter().map(|m| format!("level_{m}")));
    let mut rows = vec![header];
    for x in &s.services {
        let mut row = vec![
            x.code.clone(),
            x.name.clone(),
            x.field.clone(),
            x.level_now
                .map(|l| l.as_str().to_string())
                .unwrap_or_default(),
            x.full_online_since
                .map(|m| m.to_string())
                .unwrap_or_default(),
            x.dossiers.received.to_string(),
            x.dossiers.received_online.to_string(),
            x.dossiers.processed.to_string(),
            x.dossiers.processed_on_time.to_string(),
            x.dossiers.processed_late.to_string(),
            x.unused_months.to_string(),
            u8::from(x.unused(s.window)).to_string(),
        ];
        // Not reported is an empty cell, never a level.
        row.extend(
            x.levels
                .iter()
                .map(|(_, l)| l.map(|l| l.as_str().to_string()).unwrap_or_default()),
        );
        rows.push(row);
    }
    Ok(csv_response(
        &format!("dich-vu-{}-{}-{}.csv", s.unit.code, s.from, s.to),
        rows,
    ))
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

fn since(x: &ServiceHistory) -> String {
    match x.full_online_since {
        None => "—".into(),
        Some(m) if x.since_at_least => format!("{} hoặc trước", label(m)),
        Some(m) => label(m),
    }
}

/// `06/2021`.
fn label(m: Month) -> String {
    format!("{:02}/{}", m.month(), m.year())
}

fn level_name(l: ServiceLevel) -> &'static str {
    match l {
        ServiceLevel::FullOnline => "Toàn trình",
        ServiceLevel::PartialOnline => "Một phần",
        ServiceLevel::NotOnline => "Chưa trực tuyến",
    }
}

fn level_mark(l: Option<ServiceLevel>) -> &'static str {
    match l {
        Some(ServiceLevel::FullOnline) => "TT",
        Some(ServiceLevel::PartialOnline) => "MP",
        Some(ServiceLevel::NotOnline) => "—",
        None => "·",
    }
}
