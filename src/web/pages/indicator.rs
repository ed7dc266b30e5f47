//! An indicator's page: how its values spread across units in a period, by
//! group, and its national trend (pooled rate and mean of unit rates).

use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

use super::format::value;
use super::layout::{html_response, page_html, PageError};
use super::periods::{parse_period, period_label};
use super::rendered::{computations_shown, language_key};
use crate::charts::svg::{distribution_chart, line_chart, Series, Stroke};
use crate::compute::national::GroupRanking;
use crate::compute::summary::NationalFigure;
use crate::config::ValueUnit;
use crate::domain::{Indicator, Month, Period, RankingGroup};
use crate::t;
use crate::web::auth::Viewer;
use crate::web::State;

#[derive(Deserialize)]
pub struct Query {
    period: Option<String>,
}

#[get("/chi-so/{code}")]
pub async fn page_handler(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    code: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    viewer
        .require_account()
        .map_err(|e| PageError::access(e, &req))?;
    let indicator = state
        .indicators
        .get(&code)
        .ok_or_else(|| PageError::not_found(t!("indicator-not-found", code = code.as_str())))?;
    let period = parse_period(&query.period).map_err(PageError::bad)?;
    let computer = state.computer();
    let end = period
        .months(computer.calendar)
        .last()
        .copied()
        .unwrap_or_else(super::periods::latest_month);
    let start = Month::new(end.year() - 1, end.month()).map_or(end, Month::next);
    // The page is the same for every account (the only check, above): its
    // charts were drawn on every request (p99 183 ms under 64 connections,
    // `make bench`), so it is drawn once per collect run and set of
    // computations shown (`Store::since_collect`), in each page language.
    let trend_months = start.through(end).map(Period::Month);
    let key = format!(
        "indicator-page/{}/{period}/{}",
        indicator.code,
        computations_shown(&computer, std::iter::once(period).chain(trend_months)).await?
    );
    let draw = || async {
        // Shared, not copied: the published results, or those computed once from
        // the current data for a period never computed (`Computer::groups_or_live`).
        let rankings = computer.groups_or_live(period).await?;
        let trend = computer.national_months(start, end).await?;
        Ok(Bytes::from(page_html(
            &indicator.name,
            body(indicator, period, &rankings, &trend),
        )))
    };
    let html = state.store.since_collect(&language_key(&key), draw).await?;
    Ok(html_response(html.as_ref().clone()))
}

fn body(
    indicator: &Indicator,
    period: Period,
    rankings: &[GroupRanking],
    trend: &[(Month, Vec<NationalFigure>)],
) -> Markup {
    let groups: Vec<RankingGroup> = RankingGroup::ALL
        .into_iter()
        .filter(|g| indicator.applies_to_group(*g))
        .collect();
    let labels: Vec<String> = trend.iter().map(|(m, _)| m.to_string()).collect();
    html! {
        h1 { (indicator.name) }
        p { (indicator.description) }
        p.muted { (t!("indicator-source", source = indicator.source.as_str(), period = period_label(period))) }
        @for g in &groups {
            h2 { (g.name()) }
            @let values: Vec<f64> = rankings.iter().filter(|r| r.group == *g)
                .flat_map(|r| r.units.iter())
                .filter_map(|u| u.evaluations.iter().find(|e| e.indicator == indicator.code)?.value)
                .collect();
            @let expected = rankings.iter().filter(|r| r.group == *g).map(|r| r.units.len()).sum::<usize>();
            p.muted { (t!("indicator-units-with-data", with_data = values.len(), expected = expected)) }
            @if indicator.unit == ValueUnit::Percent && !values.is_empty() {
                @match distribution_chart(&t!("indicator-spread", group = g.name()), &t!("indicator-value-percent"), &values, (640, 260)) {
                    Ok(svg) => figure.chart { (PreEscaped(svg)) },
                    Err(e) => p.note { (t!("indicator-chart-failed", error = e.to_string())) },
                }
            }
            @let pooled: Vec<Option<f64>> = trend.iter().map(|(_, f)| f.iter().find(|x| x.indicator == indicator.code && x.group == Some(*g)).and_then(|x| x.pooled)).collect();
            @let mean: Vec<Option<f64>> = trend.iter().map(|(_, f)| f.iter().find(|x| x.indicator == indicator.code && x.group == Some(*g)).and_then(|x| x.mean_of_units)).collect();
            @let series = [
                Series { name: t!("national-pooled"), values: pooled.clone(), stroke: Stroke::Solid },
                Series { name: t!("national-mean-of-units"), values: mean, stroke: Stroke::Dashed },
            ];
            @match line_chart(&t!("indicator-national-trend", group = g.name()), &indicator.unit.axis_title(), &labels, &series, (720, 300)) {
                Ok(svg) => figure.chart { (PreEscaped(svg)) },
                Err(e) => p.note { (t!("indicator-chart-failed", error = e.to_string())) },
            }
            p.muted { (t!("indicator-latest-pooled", value = value(pooled.last().copied().flatten(), indicator.unit))) }
        }
    }
}
