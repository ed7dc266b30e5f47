//! Publishing a period from the ranking page (`POST /xep-hang/cong-bo`):
//! ministry staff freeze the period's newest results with a reason; a period
//! published before is revised by a new freeze, the earlier one kept and
//! still viewable (`/xep-hang?period=P&cong_bo=VERSION`). Who, when and why go
//! with the freeze (`freezes`), to the audit log and to the API.

use actix_web::{http::header, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::PageError;
use super::periods::parse_period;
use crate::compute::publish::{Publication, PublicationNote, Publishing};
use crate::domain::{Period, RankingGroup};
use crate::web::auth::{Role, Viewer};
use crate::web::State;

/// A reason is a sentence or two, not a document.
const REASON_MAX_CHARS: usize = 1_000;

#[derive(Deserialize)]
pub struct PublishForm {
    period: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    reason: String,
    csrf: Option<String>,
}

#[post("/xep-hang/cong-bo")]
pub async fn publish_handler(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    form: web::Form<PublishForm>,
) -> Result<HttpResponse, PageError> {
    let account = viewer
        .require_form(&[], form.csrf.as_deref())
        .map_err(|e| PageError::access(e, &req))?;
    let period = parse_period(&Some(form.period.clone()))
        .map_err(|e| PageError::bad(format!("period: {e}")))?;
    let reason = form.reason.trim();
    if reason.is_empty() {
        return Err(PageError::bad(
            "Cần ghi lý do công bố hoặc điều chỉnh (trường 'reason').",
        ));
    }
    if reason.chars().count() > REASON_MAX_CHARS {
        return Err(PageError::bad(format!(
            "Lý do dài quá {REASON_MAX_CHARS} ký tự (trường 'reason')."
        )));
    }
    let who = Publishing {
        by: &account.login,
        reason,
    };
    let (outcome, _) = state.computer().publish(period, who).await?;
    tracing::info!(period = %period, by = %account.login, outcome = ?outcome, "period published from the web");
    let group = RankingGroup::parse(&form.group).unwrap_or(RankingGroup::Province);
    let back = format!("/xep-hang?period={period}&group={}", group.as_str());
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, back))
        .finish())
}

/// A time as people in Vietnam read it.
pub fn hanoi(t: DateTime<Utc>, format: &str) -> String {
    t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .format(format)
        .to_string()
}

fn who(note: &PublicationNote) -> &str {
    if note.frozen_by.is_empty() {
        "dòng lệnh"
    } else {
        &note.frozen_by
    }
}

/// What the results shown are: provisional, published, revised since its
/// first publication, or an earlier publication replaced by a newer one.
pub fn as_of(p: &Publication) -> Markup {
    let newest = p.history.last();
    html! {
        @match &p.shown {
            None => p.note #as-of { "Kết quả tạm tính từ số liệu hiện có (tính lúc "
                (hanoi(p.computed_at, "%H:%M ngày %d/%m/%Y")) "); có thể thay đổi khi đơn vị gửi thêm số liệu." },
            Some(shown) => {
                p.muted #as-of { "Kết quả đã công bố, chốt số liệu lúc "
                    (hanoi(shown.frozen_at, "%H:%M ngày %d/%m/%Y")) "." }
                @if newest.is_some_and(|n| n.version != shown.version) {
                    p.note #superseded { "Đây là bản công bố trước; bản hiện hành được điều chỉnh ngày "
                        (newest.map(|n| hanoi(n.frozen_at, "%d/%m/%Y")).unwrap_or_default()) ". "
                        a href=(format!("/xep-hang?period={}", p.period)) { "Xem bản hiện hành" } }
                } @else if p.history.len() > 1 {
                    p.note #revised { "Kết quả đã điều chỉnh ngày " (hanoi(shown.frozen_at, "%d/%m/%Y"))
                        ": " (shown.reason) }
                }
            }
        }
    }
}

/// Every publication of the period, newest first, each viewable.
pub fn history(p: &Publication, group: RankingGroup) -> Markup {
    html! {
        @if !p.history.is_empty() {
            details #publications open {
                summary { "Lịch sử công bố (" (p.history.len()) " lần)" }
                div.scroll { table {
                    thead { tr { th.name { "Chốt số liệu lúc" } th.name { "Người công bố" } th.name { "Lý do" } th {} } }
                    tbody {
                        @for (i, n) in p.history.iter().enumerate().rev() {
                            tr data-version=(n.version) {
                                td.name { (hanoi(n.frozen_at, "%H:%M %d/%m/%Y")) }
                                td.name { (who(n)) }
                                td.name { @if i == 0 { "Công bố: " } @else { "Điều chỉnh: " } (n.reason) }
                                td { a href=(format!("/xep-hang?period={}&group={}&cong_bo={}", p.period, group.as_str(), n.version)) { "Xem bản này" } }
                            }
                        }
                    }
                } }
            }
        }
    }
}

/// The publish (or revise) form, for ministry staff only.
pub fn form(viewer: &Viewer, period: Period, group: RankingGroup, published: bool) -> Markup {
    if !matches!(viewer.role(), Some(Role::Ministry)) {
        return html! {};
    }
    let (legend, button) = if published {
        ("Điều chỉnh kết quả đã công bố", "Điều chỉnh")
    } else {
        ("Công bố (chốt số liệu) kỳ này", "Công bố")
    };
    html! {
        form.inline #publish method="post" action="/xep-hang/cong-bo" {
            input type="hidden" name="csrf" value=(viewer.csrf_token().unwrap_or_default());
            input type="hidden" name="period" value=(period);
            input type="hidden" name="group" value=(group.as_str());
            label for="reason" { (legend) ", lý do:" }
            input #reason type="text" name="reason" required maxlength=(REASON_MAX_CHARS) size="50";
            button type="submit" { (button) }
        }
    }
}
