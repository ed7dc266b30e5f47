//! Data quality: reporting rate per month, collection attempts by unit and
//! month, rejected payloads with their reasons, and month-over-month outliers
//! flagged for review (never dropped).

use std::collections::HashMap;

use actix_web::{get, web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use super::format::{number, percent};
use super::layout::{page, PageError};
use super::periods::latest_month;
use crate::compute::national::read_inputs;
use crate::compute::outliers::{outliers, Materiality, Outlier, THRESHOLD};
use crate::domain::Month;
use crate::store::RoleCode;
use crate::store::{AttemptTally, RejectionSummary, ReviewRow, Units, Verdict};
use crate::t;
use crate::web::auth::Viewer;
use crate::web::State;

#[derive(Deserialize)]
pub struct Query {
    to: Option<String>,
    /// The page of flagged changes, from 1.
    page: Option<usize>,
}

/// Flagged changes per page, most severe first.
const FLAGS_PER_PAGE: usize = 20;

/// Six months up to `to`.
const MONTHS: usize = 6;

#[get("/chat-luong")]
pub async fn page_handler(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    query: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    // Ministry staff and analysts: it names every unit's failures.
    viewer
        .require_role(&[RoleCode::Analyst])
        .map_err(|e| PageError::access(e, &req))?;
    let to = match query.to.as_deref().filter(|t| !t.is_empty()) {
        None => latest_month(),
        Some(t) => t
            .parse::<Month>()
            .map_err(|e| PageError::bad(format!("to: {e}")))?,
    };
    let mut months = vec![to];
    while months.len() < MONTHS {
        let earliest = months[0].prev();
        months.insert(0, earliest);
    }
    let from = months[0];
    let deadline = state.computer().deadline;
    let tally = state.store.attempt_tally(from, to).await?;
    let rejections = state.store.rejection_summaries(from, to).await?;
    let window = state.settings.compute.unused_full_online_months;
    let unused = state
        .store
        .unused_full_online(to, window, Units::All)
        .await?;
    let inputs = read_inputs(
        &state.store,
        (&state.registry, &state.indicators),
        &months,
        Units::All,
        deadline,
    )
    .await?;
    let compute = &state.settings.compute;
    let materiality = Materiality {
        min_points: compute.outlier_min_points,
        min_relative: compute.outlier_min_relative,
    };
    let flagged = outliers(
        &state.registry,
        &state.indicators,
        &inputs,
        &months,
        materiality,
    );
    let reviews: HashMap<(String, String, String), ReviewRow> = state
        .store
        .reviews(from, to)
        .await?
        .into_iter()
        .map(|r| {
            let month = Month::of(r.month).to_string();
            ((r.unit_code.clone(), r.indicator.clone(), month), r)
        })
        .collect();
    // Ministry staff mark flags; analysts read them.
    let form = viewer.require_role(&[]).is_ok().then(|| ReviewForm {
        csrf: viewer.csrf_token().unwrap_or_default(),
        to,
    });
    let plans = super::plan_status::load(&state).await?;
    let pages = flagged.len().div_ceil(FLAGS_PER_PAGE).max(1);
    let page_no = query.page.unwrap_or(1).clamp(1, pages);
    let shown: Vec<Outlier> = flagged
        .iter()
        .skip((page_no - 1) * FLAGS_PER_PAGE)
        .take(FLAGS_PER_PAGE)
        .cloned()
        .collect();
    let body = html! {
        h1 { (t!("quality-heading", from = from.to_string(), to = to.to_string())) }
        form.inline method="get" {
            label { (t!("quality-to-month")) " " input type="month" name="to" value=(to); }
            button type="submit" { (t!("common-show")) }
        }
        h2 { (t!("quality-reporting-rate")) }
        p.muted { (t!("quality-unknown-arrival-note")) }
        (reporting_rate(&state, &inputs, &months))
        h2 { (t!("quality-outliers")) }
        p.muted { (t!("quality-outliers-note", threshold = number(Some(THRESHOLD)),
            points = number(Some(materiality.min_points)),
            relative = percent(Some(materiality.min_relative * 100.0)))) }
        (outlier_table(&state, &shown, &reviews, form))
        @if pages > 1 {
            p.pages {
                (t!("quality-page-of", page = page_no, pages = pages, changes = flagged.len())) " "
                @if page_no > 1 { a href=(format!("?to={to}&page={}", page_no - 1)) { "‹ " (t!("quality-previous")) } " " }
                @if page_no < pages { a href=(format!("?to={to}&page={}", page_no + 1)) { (t!("quality-next")) " ›" } }
            }
        }
        h2 { (t!("quality-unused-services")) }
        (super::unused_services::section(&state, &unused, window, to))
        (super::plan_status::section(&plans))
        h2 { (t!("quality-attempts")) }
        (attempt_matrix(&state, &tally, &months))
        h2 { (t!("quality-rejected")) }
        (rejection_table(&rejections))
    };
    Ok(page(&t!("nav-quality"), body))
}

fn reporting_rate(
    state: &State,
    inputs: &crate::compute::figures::Inputs,
    months: &[Month],
) -> Markup {
    html! {
        div.scroll { table #reporting-rate {
            thead { tr {
                th.name { (t!("common-month")) } th { (t!("quality-due")) } th { (t!("quality-reported")) }
                th { (t!("arrival-on-time")) } th { (t!("arrival-unknown")) } th { (t!("quality-reporting-rate")) }
                th { (t!("quality-on-time-rate")) }
            } }
            tbody {
                @for m in months {
                    @let due: Vec<_> = state.registry.valid_in(*m).collect();
                    @let count = |key: &str| due.iter().filter(|u| inputs.figures.get(u.code.as_str(), *m).get(key) == Some(&1.0)).count();
                    @let (received, on_time) = (count("reports_received_months"), count("reports_on_time_months"));
                    // Arrival unknown (backfilled, imported from history): no on-time figure.
                    @let unknown = due.iter().filter(|u| !inputs.figures.get(u.code.as_str(), *m).contains_key("reports_on_time_months")).count();
                    @let rate = |n: usize, of: usize| (of > 0).then(|| n as f64 / of as f64 * 100.0);
                    tr {
                        td.name { (m) }
                        td { (due.len()) }
                        td { (received) }
                        td { (on_time) }
                        td { (unknown) }
                        td { (percent(rate(received, due.len()))) }
                        td { (percent(rate(on_time, due.len() - unknown))) }
                    }
                }
            }
        } }
    }
}

/// Who may mark flags, and the token their forms carry.
struct ReviewForm<'a> {
    csrf: &'a str,
    to: Month,
}

fn outlier_table(
    state: &State,
    flagged: &[Outlier],
    reviews: &HashMap<(String, String, String), ReviewRow>,
    form: Option<ReviewForm<'_>>,
) -> Markup {
    html! {
        @if flagged.is_empty() { p.muted { (t!("quality-no-outliers")) } }
        @else {
            div.scroll { table #outliers {
                thead { tr {
                    th.name { (t!("common-unit")) } th.name { (t!("common-indicator")) } th { (t!("common-month")) }
                    th { (t!("quality-previous-month")) } th { (t!("quality-this-month")) } th { (t!("ranking-change")) }
                    th { (t!("quality-z-score")) } th.name { (t!("quality-review")) }
                } }
                tbody {
                    @for o in flagged {
                        @let review = reviews.get(&(o.unit_code.clone(), o.indicator.clone(), o.month.clone()));
                        tr class=(if review.is_some_and(|r| r.verdict == Verdict::Correct) { "st-achieved" } else { "st-on-track" }) {
                            td.name { a href=(format!("/don-vi/{}", o.unit_code)) { (o.unit_name) } }
                            td.name { (state.indicators.get(&o.indicator).map(|i| i.name.as_str()).unwrap_or(&o.indicator)) }
                            td { (o.month) }
                            td { (number(Some(o.previous))) }
                            td { (number(Some(o.value))) }
                            td { (number(Some(o.change()))) }
                            td { (number(Some(o.score))) }
                            td.name {
                                @if let Some(r) = review {
                                    div.review { (verdict_name(r.verdict)) " · " (r.reviewer) " · "
                                        (r.reviewed_at.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).format("%d/%m/%Y %H:%M"))
                                        @if !r.note.is_empty() { ": " (r.note) } }
                                }
                                @if let Some(f) = &form {
                                    form.inline method="post" action="/chat-luong/ra-soat" {
                                        input type="hidden" name="csrf" value=(f.csrf);
                                        input type="hidden" name="to" value=(f.to);
                                        input type="hidden" name="unit" value=(o.unit_code);
                                        input type="hidden" name="indicator" value=(o.indicator);
                                        input type="hidden" name="month" value=(o.month);
                                        select name="verdict" {
                                            option value=(Verdict::Correct.as_str()) { (verdict_name(Verdict::Correct)) }
                                            option value=(Verdict::ToCorrect.as_str()) { (verdict_name(Verdict::ToCorrect)) }
                                        }
                                        input type="text" name="note" maxlength="1000" placeholder=(t!("quality-note"));
                                        button type="submit" { (t!("quality-save")) }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
    }
}

/// A review's verdict as the reader's language says it.
fn verdict_name(verdict: Verdict) -> String {
    match verdict {
        Verdict::Correct => t!("quality-verdict-correct"),
        Verdict::ToCorrect => t!("quality-verdict-to-correct"),
    }
}

fn attempt_matrix(state: &State, tally: &[AttemptTally], months: &[Month]) -> Markup {
    let by: HashMap<(&str, &str), &AttemptTally> = tally
        .iter()
        .map(|t| ((t.unit_code.as_str(), t.month.get(..7).unwrap_or("")), t))
        .collect();
    let Some(&last) = months.last() else {
        return html! {};
    };
    let month_keys: Vec<String> = months.iter().map(|m| m.to_string()).collect();
    html! {
        div.scroll { table #attempts {
            thead { tr { th.name { (t!("common-unit")) } @for k in &month_keys { th { (k) } } } }
            tbody {
                @for unit in state.registry.all().iter().filter(|u| months.iter().any(|m| u.valid_in(*m)) && (u.valid_in(last) || u.until.is_some())) {
                    tr {
                        td.name { a href=(format!("/don-vi/{}", unit.code)) { (unit.name) } }
                        @for (m, k) in months.iter().zip(&month_keys) {
                            @if !unit.valid_in(*m) { td.st-no-data { "" } }
                            @else {
                                @match by.get(&(unit.code.as_str(), k.as_str())) {
                                    None => td.st-lagging title=(t!("quality-not-collected")) { "—" },
                                    Some(t) => {
                                        @let bad = t.failed + t.rejected;
                                        td class=(if bad > 0 { "st-lagging" } else { "st-achieved" })
                                           title=(t!("quality-attempt-tally", attempts = t.attempts, stored = t.stored,
                                               unchanged = t.unchanged, rejected = t.rejected, failed = t.failed)) {
                                            (t.attempts) @if bad > 0 { " (" (t!("quality-errors", count = bad)) ")" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        } }
    }
}

fn rejection_table(list: &[RejectionSummary]) -> Markup {
    html! {
        @if list.is_empty() { p.muted { (t!("quality-no-rejections")) } }
        @else {
            div.scroll { table #rejections {
                thead { tr {
                    th.name { (t!("common-unit")) } th { (t!("common-month")) } th { (t!("unit-received-at")) }
                    th.name { (t!("common-field")) } th.name { (t!("publish-reason")) }
                } }
                tbody {
                    @for r in list {
                        tr {
                            td.name { a href=(format!("/don-vi/{}", r.unit_code)) { (r.unit_code) } }
                            td { (r.month.get(..7).unwrap_or(&r.month)) }
                            td { (chrono::DateTime::from_timestamp(i64::from(r.received_at), 0)
                                .map(|t| t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).format("%d/%m/%Y %H:%M").to_string())
                                .unwrap_or_default()) }
                            td.name { (r.field) }
                            td.name { (r.reason) }
                        }
                    }
                }
            } }
        }
    }
}
