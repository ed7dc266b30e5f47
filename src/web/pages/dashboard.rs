//! The dashboards of `dashboards/*.toml`: each panel's query run read-only
//! and drawn as its chart kind says.

use std::collections::BTreeMap;

use actix_web::{get, web, HttpRequest, HttpResponse};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

use super::layout::{page, PageError};
use crate::charts::svg::{bar_chart, line_chart, Series, Stroke};
use crate::dashboards::{text, Bindings, ChartKind, Panel, Table};
use crate::store::RoleCode;
use crate::t;
use crate::web::auth::Viewer;
use crate::web::range::month_range;
use crate::web::State;

#[derive(Deserialize)]
pub struct Query {
    from: Option<String>,
    to: Option<String>,
    unit: Option<String>,
}

#[get("/bang")]
pub async fn index(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    viewer
        .require_account()
        .map_err(|e| PageError::access(e, &req))?;
    let body = html! {
        h1 { (t!("nav-dashboards")) }
        ul {
            @for d in &state.dashboards {
                li { a href=(format!("/bang/{}", d.slug)) { (d.title) } " — " span.muted { (d.description) } }
            }
        }
    };
    Ok(page(&t!("nav-dashboards"), body))
}

#[get("/bang/{slug}")]
pub async fn show(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    // Panels read across units: ministry staff and analysts.
    viewer
        .require_role(&[RoleCode::Analyst])
        .map_err(|e| PageError::access(e, &req))?;
    let dashboard = state
        .dashboards
        .iter()
        .find(|d| d.slug == *slug)
        .ok_or_else(|| PageError::not_found(t!("dashboard-not-found", slug = slug.as_str())))?;
    let (from, to) = month_range(query.from.as_deref(), query.to.as_deref())
        .map_err(|e| PageError::bad(format!("{}: {}", e.parameter, e.message)))?;
    let bindings = Bindings {
        from: from.first_day().to_string(),
        to: to.first_day().to_string(),
        unit: query.unit.clone().unwrap_or_else(|| "01".into()),
    };
    let mut panels = Vec::new();
    for p in &dashboard.panels {
        panels.push((p, p.run(&state.store, &bindings).await));
    }
    let body = html! {
        h1 { (dashboard.title) }
        p.muted { (dashboard.description) }
        form.inline method="get" {
            label { (t!("common-from-month")) " " input type="month" name="from" value=(from); }
            label { (t!("common-to-month")) " " input type="month" name="to" value=(to); }
            button type="submit" { (t!("common-show")) }
        }
        @for (p, result) in &panels {
            section.panel data-panel=(p.title) {
                @match result {
                    Ok(table) => (panel(p, table)),
                    Err(e) => {
                        (log(e))
                        h2 { (p.title) }
                        p.note { (t!("dashboard-query-failed")) }
                    }
                }
            }
        }
    };
    Ok(page(&dashboard.title, body))
}

fn log(e: &crate::dashboards::PanelError) -> Markup {
    tracing::error!(error = %e, "dashboard panel");
    html! {}
}

/// A table cell: numbers as Vietnamese readers write them (`754.917`, `88,9`).
fn cell(v: &serde_json::Value) -> String {
    match v.as_f64() {
        Some(n) if v.is_number() => super::format::digits(crate::domain::number::plain(n)),
        _ => text(v),
    }
}

fn panel(p: &Panel, table: &Table) -> Markup {
    match p.chart {
        ChartKind::Table => html! {
            h2 { (p.title) }
            div.scroll { table {
                thead { tr { @for c in &table.columns { th { (c) } } } }
                tbody { @for r in &table.rows { tr { @for v in r { td { (cell(v)) } } } } }
            } }
        },
        ChartKind::Line | ChartKind::Bar => {
            let points = table.points();
            let labels: Vec<String> = points
                .iter()
                .map(|p| p.0.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut by_series: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
            for (x, y, s) in &points {
                let values = by_series
                    .entry(s.clone())
                    .or_insert_with(|| vec![None; labels.len()]);
                if let Ok(i) = labels.binary_search(x) {
                    values[i] = Some(*y);
                }
            }
            let series: Vec<Series> = by_series
                .into_iter()
                .map(|(name, values)| Series {
                    name,
                    values,
                    stroke: Stroke::Solid,
                })
                .collect();
            let drawn = match p.chart {
                ChartKind::Bar => bar_chart(&p.title, &labels, &series, (720, 300)),
                _ => line_chart(&p.title, "", &labels, &series, (720, 300)),
            };
            match drawn {
                Ok(svg) => html! { figure.chart { (PreEscaped(svg)) } },
                Err(e) => {
                    tracing::error!(error = %e, "dashboard chart");
                    html! { p.note { (t!("chart-failed", name = p.title.as_str())) } }
                }
            }
        }
    }
}
