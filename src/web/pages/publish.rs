//! Publishing a period from the ranking page (`POST /xep-hang/cong-bo`):
//! ministry staff freeze the period's newest results with a reason; a period
//! published before is revised by a new freeze, the earlier one kept and
//! still viewable (`/xep-hang?period=P&cong_bo=VERSION`). Who, when and why go
//! with the freeze (`freezes`), to the audit log and to the API.

use actix_web::{http::header, post, web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::PageError;
use super::periods::{day, hanoi, parse_period, time_and_day};
use crate::compute::publish::{Publication, PublicationNote, Publishing};
use crate::domain::{Period, RankingGroup};
use crate::t;
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
        return Err(PageError::bad(t!("publish-reason-missing")));
    }
    if reason.chars().count() > REASON_MAX_CHARS {
        return Err(PageError::bad(t!(
            "publish-reason-too-long",
            max = REASON_MAX_CHARS
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

fn who(note: &PublicationNote) -> String {
    if note.frozen_by.is_empty() {
        t!("publish-by-command-line")
    } else {
        note.frozen_by.clone()
    }
}

/// What the results shown are: provisional, published, revised since its
/// first publication, or an earlier publication replaced by a newer one.
pub fn as_of(p: &Publication) -> Markup {
    let newest = p.history.last();
    html! {
        @match &p.shown {
            None => p.note #as-of { (t!("publish-provisional", when = time_and_day(p.computed_at))) },
            Some(shown) => {
                p.muted #as-of { (t!("publish-published", when = time_and_day(shown.frozen_at))) }
                @if newest.is_some_and(|n| n.version != shown.version) {
                    p.note #superseded {
                        (t!("publish-superseded", day = newest.map(|n| day(n.frozen_at)).unwrap_or_default())) " "
                        a href=(format!("/xep-hang?period={}", p.period)) { (t!("publish-see-current")) } }
                } @else if p.history.len() > 1 {
                    p.note #revised { (t!("publish-revised", day = day(shown.frozen_at))) ": " (shown.reason) }
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
                summary { (t!("publish-history", count = p.history.len())) }
                div.scroll { table {
                    thead { tr { th.name { (t!("publish-frozen-at")) } th.name { (t!("publish-by")) } th.name { (t!("publish-reason")) } th {} } }
                    tbody {
                        @for (i, n) in p.history.iter().enumerate().rev() {
                            tr data-version=(n.version) {
                                td.name { (hanoi(n.frozen_at, "%H:%M")) " " (day(n.frozen_at)) }
                                td.name { (who(n)) }
                                td.name { @if i == 0 { (t!("publish-first")) } @else { (t!("publish-revision")) } ": " (n.reason) }
                                td { a href=(format!("/xep-hang?period={}&group={}&cong_bo={}", p.period, group.as_str(), n.version)) { (t!("publish-see-this")) } }
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
        (t!("publish-revise-legend"), t!("publish-revise-button"))
    } else {
        (t!("publish-legend"), t!("publish-button"))
    };
    html! {
        form.inline #publish method="post" action="/xep-hang/cong-bo" {
            input type="hidden" name="csrf" value=(viewer.csrf_token().unwrap_or_default());
            input type="hidden" name="period" value=(period);
            input type="hidden" name="group" value=(group.as_str());
            label for="reason" { (legend) ", " (t!("publish-reason-label")) }
            input #reason type="text" name="reason" required maxlength=(REASON_MAX_CHARS) size="50";
            button type="submit" { (button) }
        }
    }
}
