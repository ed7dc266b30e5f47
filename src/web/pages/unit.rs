//! A unit's page: an indicator card each (value, target, gap, status) for the
//! last month, monthly trend charts against the target and the national rate,
//! its reporting history (on time, late, missing) and its last collection
//! attempts with their reasons.

use std::collections::HashMap;

use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

use super::csv_file::csv_response;
use super::format::{number, status_class, value};
use super::layout::{html_response, page_html, PageError};
use super::periods::{date, month_label};
use super::portal_card::{self, PortalCard};
use super::rendered::{computations_shown, language_key};
use crate::charts::svg::{line_chart, Series, Stroke};
use crate::compute::arrival::Arrival;
use crate::compute::evaluate::Evaluation;
use crate::compute::series::UnitMonth;
use crate::compute::summary::NationalFigure;
use crate::config::{Indicator, Unit};
use crate::domain::{Month, Period, UnitCode};
use crate::store::{StoreError, UnitAttempt, Units, UnusedService};
use crate::t;
use crate::web::auth::Viewer;
use crate::web::range::month_range;
use crate::web::State;

#[derive(Deserialize)]
pub struct Query {
    from: Option<String>,
    to: Option<String>,
}

fn range(query: &Query) -> Result<(Month, Month), String> {
    month_range(query.from.as_deref(), query.to.as_deref())
        .map_err(|e| format!("{}: {}", e.parameter, e.message))
}

struct UnitData<'a> {
    unit: &'a Unit,
    months: Vec<UnitMonth>,
    national: Vec<(Month, Vec<NationalFigure>)>,
    attempts: Vec<UnitAttempt>,
    arrivals: HashMap<String, u32>,
    /// When chiso first tried to collect each month (`YYYY-MM`), any unit.
    watched: HashMap<String, u32>,
    /// The portal card's figures for the last month (none without a portal).
    portal: Option<PortalCard>,
    /// Its services declared fully online and unused up to the range's end.
    unused: Vec<UnusedService>,
    plan: super::unit_plan::Section,
}

/// The unit and range a request asks for, once the viewer may see them.
fn asked<'a>(
    state: &'a State,
    (viewer, req): (&Viewer, &HttpRequest),
    code: &str,
    query: &Query,
) -> Result<(&'a Unit, Month, Month), PageError> {
    let unit = visible_unit(state, (viewer, req), code)?;
    let (from, to) = range(query).map_err(PageError::bad)?;
    Ok((unit, from, to))
}

/// The unit of `code`, if the viewer may see it: ministry staff and analysts
/// see every unit, unit staff their own only.
pub(super) fn visible_unit<'a>(
    state: &'a State,
    (viewer, req): (&Viewer, &HttpRequest),
    code: &str,
) -> Result<&'a Unit, PageError> {
    let unit = state
        .registry
        .get(&UnitCode::new(code))
        .ok_or_else(|| PageError::not_found(t!("unit-not-found", code = code)))?;
    viewer
        .require_unit(&unit.code)
        .map_err(|e| PageError::access(e, req))?;
    Ok(unit)
}

async fn load<'a>(
    state: &'a State,
    unit: &'a Unit,
    (from, to): (Month, Month),
) -> Result<UnitData<'a>, StoreError> {
    let computer = state.computer();
    let months = computer.unit_series(unit, from, to).await?;
    let national = computer.national_months(from, to).await?;
    let reads = reporting_reads(state, unit.code.as_str(), (from, to)).await?;
    let Reads {
        attempts,
        arrivals,
        watched,
        unused,
    } = reads.as_ref().clone();
    let portal = portal_card::load(state, unit, to).await?;
    let plan = super::unit_plan::load(state, unit).await?;
    Ok(UnitData {
        plan,
        unit,
        months,
        national,
        attempts,
        arrivals,
        watched,
        portal,
        unused,
    })
}

/// What the page reads of the unit's collection: changed only by a collect
/// run or an import, so kept until the next one (`Store::since_collect`);
/// read on every request, these three small queries capped the page (~10 ms
/// each on 18.16, `make bench`).
#[derive(Clone)]
struct Reads {
    attempts: Vec<UnitAttempt>,
    arrivals: HashMap<String, u32>,
    watched: HashMap<String, u32>,
    unused: Vec<UnusedService>,
}

async fn reporting_reads(
    state: &State,
    code: &str,
    (from, to): (Month, Month),
) -> Result<std::sync::Arc<Reads>, StoreError> {
    let store = &state.store;
    let window = state.settings.compute.unused_full_online_months;
    let read = || async move {
        let codes = [code.to_string()];
        let (attempts, arrivals, watched, unused) = futures::try_join!(
            store.unit_attempts(code, 12),
            store.first_stored((from, to), Units::Only(&codes)),
            store.months_watched((from, to)),
            store.unused_full_online(to, window, Units::Only(&codes)),
        )?;
        Ok(Reads {
            attempts,
            arrivals: arrivals
                .into_iter()
                .map(|a| (a.month.chars().take(7).collect(), a.first_stored_at))
                .collect(),
            watched: watched
                .into_iter()
                .map(|w| (w.month.chars().take(7).collect(), w.first_attempt_at))
                .collect(),
            unused,
        })
    };
    store
        .since_collect(&format!("unit-reads/{code}/{from}/{to}"), read)
        .await
}

#[get("/don-vi/{code}")]
pub async fn page_handler(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    code: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let (unit, from, to) = asked(&state, (&viewer, &req), &code, &query)?;
    // The page is the same for every viewer allowed to see it: drawn once per
    // collect run and set of computations shown (`Store::since_collect`).
    let key = format!(
        "unit-page/{}/{from}/{to}/{}",
        unit.code,
        computations_shown(&state.computer(), from.through(to).map(Period::Month)).await?
    );
    let draw = || async {
        let data = load(&state, unit, (from, to)).await?;
        Ok(Bytes::from(page_html(
            &unit.name,
            body(&state, &data, (from, to)),
        )))
    };
    let html = state.store.since_collect(&language_key(&key), draw).await?;
    Ok(html_response(html.as_ref().clone()))
}

fn body(state: &State, data: &UnitData, (from, to): (Month, Month)) -> Markup {
    let indicators: Vec<&Indicator> = state.indicators.for_group(data.unit.group).collect();
    html! {
        h1 { (data.unit.name) }
        p.muted {
            (t!("unit-code", code = data.unit.code.as_str())) " · " (data.unit.group.name())
            @if let Some(until) = data.unit.until { " · " (t!("unit-active-until", day = date(until))) }
            @if !data.unit.successors.is_empty() {
                " · " (t!("unit-successors")) " "
                @for s in &data.unit.successors { a href=(format!("/don-vi/{s}")) { (s) } " " }
            }
            " · " a href=(format!("/don-vi/{}.csv?from={from}&to={to}", data.unit.code)) { (t!("common-download-csv")) }
            // The page is the same for every viewer; the upload page checks who may send.
            " · " a href="/nop-so-lieu" { (t!("nav-upload")) }
        }
        form.inline method="get" {
            label { (t!("common-from-month")) " " input type="month" name="from" value=(from); }
            label { (t!("common-to-month")) " " input type="month" name="to" value=(to); }
            button type="submit" { (t!("common-show")) }
        }
        h2 { (month_label(to)) }
        (cards(data, &indicators))
        (portal_card::card(data.portal.as_ref()))
        (super::services::unit_page_note(data.unit, &data.unused, state.settings.compute.unused_full_online_months, (from, to)))
        h2 { (t!("unit-trends")) }
        @for i in &indicators { (trend(data, i)) }
        (super::unit_plan::section(&data.plan))
        h2 { (t!("unit-reporting-history")) }
        (reporting(data, state, from, to))
        h2 { (t!("unit-recent-attempts")) }
        (attempts(&data.attempts))
    }
}

fn cards(data: &UnitData, indicators: &[&Indicator]) -> Markup {
    let last = data.months.last();
    html! {
        div.cards {
            @for i in indicators {
                @let e = last.and_then(|m| m.evaluations.iter().find(|e| e.indicator == i.code));
                div.card.indicator class=(e.map(|e| status_class(e.status)).unwrap_or("st-no-data")) {
                    div.muted { (i.name) }
                    @match e {
                        Some(e) => {
                            div.v { (value(e.value, i.unit)) }
                            div { (t!("unit-card-target", target = value(e.target, i.unit), gap = number(e.gap))) }
                            div { strong { (e.status.name()) } }
                        }
                        None => div.v.nodata { "—" },
                    }
                }
            }
        }
    }
}

fn trend(data: &UnitData, indicator: &Indicator) -> Markup {
    let labels: Vec<String> = data.months.iter().map(|m| m.month.clone()).collect();
    let monthly = |field: fn(&Evaluation) -> Option<f64>| -> Vec<Option<f64>> {
        data.months
            .iter()
            .map(|m| {
                m.evaluations
                    .iter()
                    .find(|e| e.indicator == indicator.code)
                    .and_then(field)
            })
            .collect()
    };
    let own = monthly(|e| e.value);
    let target = monthly(|e| e.target);
    let national: Vec<Option<f64>> = data
        .national
        .iter()
        .map(|(_, figures)| {
            figures
                .iter()
                .find(|f| f.indicator == indicator.code && f.group == Some(data.unit.group))
                .and_then(|f| f.pooled)
        })
        .collect();
    let mut series = vec![Series {
        name: data.unit.name.clone(),
        values: own,
        stroke: Stroke::Solid,
    }];
    if target.iter().any(Option::is_some) {
        series.push(Series {
            name: t!("chart-target"),
            values: target,
            stroke: Stroke::Dashed,
        });
    }
    if national.iter().any(Option::is_some) {
        series.push(Series {
            name: t!("chart-national-pooled"),
            values: national,
            stroke: Stroke::Solid,
        });
    }
    match line_chart(
        &indicator.name,
        &indicator.unit.axis_title(),
        &labels,
        &series,
        (720, 300),
    ) {
        Ok(svg) => html! { figure.chart data-indicator=(indicator.code) { (PreEscaped(svg)) } },
        Err(e) => {
            tracing::error!(error = %e, "unit chart");
            html! { p.note { (t!("chart-failed", name = indicator.name.as_str())) } }
        }
    }
}

fn reporting(data: &UnitData, state: &State, from: Month, to: Month) -> Markup {
    let deadline = state.computer().deadline;
    html! {
        div.scroll { table #reporting {
            thead { tr { th.name { (t!("common-month")) } th { (t!("unit-report")) } th { (t!("unit-received-at")) } } }
            tbody {
                @for m in from.through(to) {
                    @if data.unit.valid_in(m) {
                        @let key = m.to_string();
                        @let at = data.arrivals.get(&key).copied();
                        @let first_attempt = data.watched.get(&key).map(|&t| i64::from(t));
                        @let arrival = Arrival::of(at.map(i64::from), first_attempt, deadline.of(m));
                        @let class = match arrival {
                            Arrival::OnTime => "st-achieved",
                            Arrival::Late => "st-on-track",
                            Arrival::Unknown => "st-no-target",
                            Arrival::Missing => "st-lagging",
                        };
                        @let label = arrival.name();
                        tr {
                            td.name { (key) }
                            td class=(class) { (label) }
                            td { (at.and_then(|t| chrono::DateTime::from_timestamp(i64::from(t), 0))
                                .map(|t| t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).format("%d/%m/%Y %H:%M").to_string())
                                .unwrap_or_else(|| "—".into())) }
                        }
                    }
                }
            }
        } }
    }
}

fn attempts(list: &[UnitAttempt]) -> Markup {
    html! {
        @if list.is_empty() { p.nodata { (t!("unit-no-attempts")) } }
        @else {
            div.scroll { table #attempts {
                thead { tr {
                    th.name { (t!("common-month")) } th { (t!("unit-attempt-at")) } th { (t!("common-result")) }
                    th { "HTTP" } th { (t!("unit-tries")) } th.name { (t!("publish-reason")) }
                } }
                tbody {
                    @for a in list {
                        tr {
                            td.name { (a.month.chars().take(7).collect::<String>()) }
                            td { (chrono::DateTime::from_timestamp(i64::from(a.started_at), 0)
                                .map(|t| t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).format("%d/%m %H:%M").to_string())
                                .unwrap_or_default()) }
                            td class=(if a.outcome.is_success() { "st-achieved" } else { "st-lagging" }) { (a.outcome.as_str()) }
                            td { (a.http_status) }
                            td { (a.tries) }
                            td.name { (a.error) }
                        }
                    }
                }
            } }
        }
    }
}

#[get("/don-vi/{code}.csv")]
pub async fn csv(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    code: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let (unit, from, to) = asked(&state, (&viewer, &req), &code, &query)?;
    let data = load(&state, unit, (from, to)).await?;
    let mut rows = vec![[
        "month",
        "indicator",
        "numerator",
        "denominator",
        "value",
        "target",
        "gap",
        "status",
    ]
    .map(String::from)
    .to_vec()];
    // Read by people in a spreadsheet: Vietnamese numbers, empty when missing.
    let text = |v: Option<f64>, places: usize| {
        v.map(|x| crate::domain::number::decimal(x, places))
            .unwrap_or_default()
    };
    for m in &data.months {
        for e in &m.evaluations {
            rows.push(vec![
                m.month.clone(),
                e.indicator.clone(),
                text(e.numerator, 0),
                text(e.denominator, 0),
                text(e.value, 2),
                text(e.target, 2),
                text(e.gap, 2),
                e.status.as_str().to_string(),
            ]);
        }
    }
    Ok(csv_response(
        &format!("don-vi-{}-{from}-{to}.csv", data.unit.code),
        rows,
    ))
}
