//! The national ranking: a tab per ranking group, a period selector, the
//! composite score, rank and its change, each indicator's value in its status
//! colour, sortable by any column; national figures and coverage above.

use std::cmp::Ordering;

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use serde::Deserialize;

use super::csv_file::csv_response;
use super::format::{arrow, number, signed, status_class, value};
use super::layout::{html_response, page_html, PageError};
use super::periods::{latest_month, parse_period, period_label};
use super::publish;
use super::rendered::rendered;
use crate::compute::national::{GroupRanking, UnitStanding};
use crate::compute::publish::Publication;
use crate::compute::summary::national_figures;
use crate::config::Indicator;
use crate::domain::{place_sort_key, Month, Period, QuarterCalendar, RankingGroup};
use crate::t;
use crate::web::auth::Viewer;
use crate::web::State;

#[derive(Deserialize)]
pub struct Query {
    period: Option<String>,
    group: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    /// An earlier publication to show (its freeze's version); default: the current one.
    cong_bo: Option<u64>,
}

#[get("/")]
pub async fn home() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", "/xep-hang"))
        .finish()
}

fn parse_group(text: &Option<String>) -> Result<RankingGroup, String> {
    match text.as_deref().filter(|t| !t.is_empty()) {
        None => Ok(RankingGroup::Province),
        Some(t) => RankingGroup::parse(t).ok_or_else(|| t!("ranking-bad-group", text = t)),
    }
}

/// Reads the period and group of a request, or says which is wrong.
fn period_and_group(query: &Query) -> Result<(Period, RankingGroup), PageError> {
    Ok((
        parse_period(&query.period).map_err(PageError::bad)?,
        parse_group(&query.group).map_err(PageError::bad)?,
    ))
}

/// A frozen (published) ranking is public, as DTI publishes its rankings;
/// a provisional one needs an account.
fn may_read(
    viewer: &Viewer,
    frozen_at: Option<DateTime<Utc>>,
    req: &HttpRequest,
) -> Result<(), PageError> {
    if frozen_at.is_none() {
        viewer
            .require_account()
            .map_err(|e| PageError::access(e, req))?;
    }
    Ok(())
}

#[get("/xep-hang")]
pub async fn page_handler(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    query: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let (period, group) = period_and_group(&query)?;
    let sort = query.sort.clone().unwrap_or_else(|| "rank".into());
    let descending = query.dir.as_deref() == Some("desc");
    let computer = state.computer();
    let Some(publication) = computer.publication_as_of(period, query.cong_bo).await? else {
        if query.cong_bo.is_some() {
            return Err(PageError::not_found(t!("ranking-no-such-publication")));
        }
        // Never computed: a provisional ranking from the current data, drawn each time.
        let live = computer.published_or_live(period).await?;
        may_read(&viewer, live.frozen_at, &req)?;
        let live = Publication::from(live);
        let ranking = group_of(&live.groups, group)?;
        let form = publish::form(&viewer, period, group, false);
        let page = draw(
            &state,
            (period, group),
            ranking,
            (&sort, descending),
            (&live, form),
        );
        return Ok(html_response(page));
    };
    may_read(&viewer, publication.frozen_at, &req)?;
    let ranking = group_of(&publication.groups, group)?;
    let publish_form = publish::form(&viewer, period, group, !publication.history.is_empty());
    // Ministry staff get the publish form with their session's CSRF token:
    // drawn for them, never kept.
    if !publish_form.0.is_empty() {
        let shown = (&publication, publish_form);
        let page = draw(&state, (period, group), ranking, (&sort, descending), shown);
        return Ok(html_response(page));
    }
    // Everything the page shows: the computation and the freeze shown, how
    // many publications the period has, the query, and the newest month the
    // period selector offers.
    let key = format!(
        "{}|{:?}|{}|{period}|{}|{sort}|{descending}|{}",
        publication.computation_id,
        publication.shown.as_ref().map(|s| s.version),
        publication.history.len(),
        group.as_str(),
        latest_month()
    );
    let page = rendered(key, || {
        let shown = (&publication, html! {});
        draw(&state, (period, group), ranking, (&sort, descending), shown)
    });
    Ok(html_response(page))
}

fn group_of(groups: &[GroupRanking], group: RankingGroup) -> Result<&GroupRanking, PageError> {
    groups
        .iter()
        .find(|g| g.group == group)
        .ok_or_else(|| PageError::not_found(t!("ranking-no-such-group")))
}

fn draw(
    state: &State,
    (period, group): (Period, RankingGroup),
    ranking: &GroupRanking,
    (sort, descending): (&str, bool),
    (publication, publish_form): (&Publication, Markup),
) -> String {
    let indicators: Vec<&Indicator> = state.indicators.for_group(group).collect();
    let units = sorted(ranking, sort, descending);
    let header = |label: &str, key: &str| sort_header(label, key, period, group, sort, descending);
    let body = html! {
        h1 { (t!("ranking-heading", group = group.name().to_lowercase(), period = period_label(period))) }
        (period_form(period, group, state.computer().calendar))
        nav.tabs {
            @for g in RankingGroup::ALL {
                a class=(if g == group { "on" } else { "" })
                  href=(format!("/xep-hang?period={period}&group={}", g.as_str())) { (g.name()) }
            }
        }
        (publish::as_of(publication))
        (publish_form)
        (publish::history(publication, group))
        (national_header(state, ranking, &indicators, period))
        p.muted {
            (t!("ranking-missing-last")) " "
            a href=(format!("/xep-hang.csv?period={period}&group={}", group.as_str())) { (t!("common-download-csv")) }
            " · " a #monthly-report href=(format!("/bao-cao/{}", period_end(period))) title=(t!("ranking-report-hint")) { (t!("ranking-monthly-report")) }
        }
        div.scroll {
            table #ranking {
                thead { tr {
                    (header(&t!("ranking-rank"), "rank"))
                    (header(&t!("ranking-change"), "change"))
                    (header(&t!("common-unit"), "name"))
                    (header(&t!("ranking-score"), "score"))
                    @for i in &indicators { (header(&i.name, &i.code)) }
                } }
                tbody {
                    @for u in &units { (unit_row(u, &indicators, period)) }
                }
            }
        }
    };
    page_html(&t!("ranking-title", period = period.to_string()), body)
}

fn unit_row(u: &UnitStanding, indicators: &[&Indicator], period: Period) -> Markup {
    let change_class = match u.rank_change {
        Some(c) if c > 0 => "up",
        Some(c) if c < 0 => "down",
        _ => "",
    };
    html! {
        tr data-unit=(u.code) {
            td { @match u.rank { Some(r) => (r), None => span.nodata { "—" } } }
            td class=(change_class) { (arrow(u.rank_change)) " " (signed(u.rank_change)) }
            td.name { a href=(format!("/don-vi/{}?to={}", u.code, period_end(period))) { (u.name) } }
            td title=(t!("ranking-indicators-with-data", scored = u.composite.scored, expected = u.composite.expected)) {
                @match u.composite.score {
                    Some(s) => (number(Some(s))),
                    None => span.nodata { (t!("common-no-data")) },
                }
            }
            @for i in indicators {
                @match u.evaluations.iter().find(|e| e.indicator == i.code) {
                    Some(e) => td class=(status_class(e.status))
                        title=(t!("ranking-cell-title", status = e.status.name(),
                            target = value(e.target, i.unit), gap = number(e.gap),
                            with_data = e.months_with_data, expected = e.months_expected)) {
                        (value(e.value, i.unit))
                    },
                    None => td.st-no-data { "—" },
                }
            }
        }
    }
}

/// The last month of a period, for links to unit pages.
fn period_end(period: Period) -> Month {
    period
        .months(crate::domain::QuarterCalendar::Calendar)
        .last()
        .copied()
        .unwrap_or_else(latest_month)
}

fn national_header(
    state: &State,
    ranking: &GroupRanking,
    indicators: &[&Indicator],
    published_period: Period,
) -> Markup {
    let figures = national_figures(&state.indicators, std::slice::from_ref(ranking));
    html! {
        details open {
            summary { (t!("national-summary")) }
            div.scroll { table #national {
                thead { tr {
                    th.name { (t!("common-indicator")) } th { (t!("national-pooled")) } th { (t!("national-mean-of-units")) }
                    th { (t!("national-units-with-data")) } th { (t!("national-reports-with-data")) }
                } }
                tbody {
                    @for i in indicators {
                        @if let Some(f) = figures.iter().find(|f| f.indicator == i.code) {
                            tr {
                                td.name { a href=(format!("/chi-so/{}?period={}", i.code, published_period)) { (i.name) } }
                                td { (value(f.pooled, i.unit)) }
                                td { (value(f.mean_of_units, i.unit)) }
                                td { (f.units_with_data) "/" (f.units_expected) }
                                td { (f.reports_with_data) "/" (f.reports_expected) }
                            }
                        }
                    }
                }
            } }
        }
    }
}

fn sort_header(
    label: &str,
    key: &str,
    period: Period,
    group: RankingGroup,
    sort: &str,
    descending: bool,
) -> Markup {
    let on = sort == key;
    // Clicking the sorted column again flips it.
    let dir = if on && !descending { "desc" } else { "asc" };
    let (mark, aria) = match (on, descending) {
        (true, false) => (" ↑", "ascending"),
        (true, true) => (" ↓", "descending"),
        _ => ("", "none"),
    };
    html! {
        th class=(if key == "name" { "name" } else { "" }) aria-sort=(aria) {
            a href=(format!("/xep-hang?period={period}&group={}&sort={key}&dir={dir}", group.as_str())) { (label) (mark) }
        }
    }
}

/// Units in the requested order. Missing values always go last, whatever the
/// direction: no data is never read as the lowest (or highest) value.
fn sorted<'a>(ranking: &'a GroupRanking, key: &str, descending: bool) -> Vec<&'a UnitStanding> {
    let mut units: Vec<&UnitStanding> = ranking.units.iter().collect();
    if key == "name" {
        units.sort_by_key(|u| place_sort_key(&u.name));
        if descending {
            units.reverse();
        }
        return units;
    }
    let number_of = |u: &UnitStanding| -> Option<f64> {
        match key {
            "rank" => u.rank.map(f64::from),
            "change" => u.rank_change.map(|c| c as f64),
            "score" => u.composite.score,
            code => u.evaluations.iter().find(|e| e.indicator == code)?.value,
        }
    };
    // A stable sort keeps the listing's alphabetical order among equals.
    units.sort_by(|a, b| match (number_of(a), number_of(b)) {
        (Some(x), Some(y)) => {
            let o = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
            if descending {
                o.reverse()
            } else {
                o
            }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
    units
}

/// `count` months back from `last`, newest first.
fn months_back(last: Month, count: usize) -> Vec<Month> {
    std::iter::successors(Some(last), |m| Some(m.prev()))
        .take(count)
        .collect()
}

/// The periods offered: the last 24 months, their quarters and years; for an
/// older period also the 12 months up to its end, so its neighbours are one
/// choice away.
fn period_form(current: Period, group: RankingGroup, calendar: QuarterCalendar) -> Markup {
    let mut months = months_back(latest_month(), 24);
    let end = period_end(current);
    if !months.contains(&end) {
        months.extend(months_back(end, 12));
    }
    let mut options: Vec<Period> = months.iter().map(|m| Period::Month(*m)).collect();
    for m in &months {
        let (year, quarter) = calendar.quarter_of_month(*m);
        for p in [Period::Quarter { year, quarter }, Period::Year(m.year())] {
            if !options.contains(&p) {
                options.push(p);
            }
        }
    }
    if !options.contains(&current) {
        options.insert(0, current);
    }
    html! {
        form.inline method="get" action="/xep-hang" {
            input type="hidden" name="group" value=(group.as_str());
            label for="period" { (t!("ranking-period")) }
            select #period name="period" {
                @for p in &options {
                    option value=(p) selected[*p == current] { (period_label(*p)) }
                }
            }
            button type="submit" { (t!("common-show")) }
        }
    }
}

#[get("/xep-hang.csv")]
pub async fn csv(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
    query: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let (period, group) = period_and_group(&query)?;
    let published = state.computer().published_or_live(period).await?;
    may_read(&viewer, published.frozen_at, &req)?;
    let indicators: Vec<&Indicator> = state.indicators.for_group(group).collect();
    let mut header: Vec<String> = ["rank", "rank_change", "unit_code", "unit_name", "score"]
        .map(String::from)
        .to_vec();
    for i in &indicators {
        header.push(format!("{}_value", i.code));
        header.push(format!("{}_status", i.code));
    }
    let mut rows = vec![header];
    let units = published
        .groups
        .iter()
        .filter(|g| g.group == group)
        .flat_map(|g| g.units.iter());
    for u in units {
        // Read by people in a spreadsheet: Vietnamese numbers, empty when missing.
        let text = |v: Option<f64>| {
            v.map(|x| crate::domain::number::decimal(x, 2))
                .unwrap_or_default()
        };
        let mut row = vec![
            u.rank.map(|r| r.to_string()).unwrap_or_default(),
            u.rank_change.map(|r| r.to_string()).unwrap_or_default(),
            u.code.clone(),
            u.name.clone(),
            text(u.composite.score),
        ];
        for i in &indicators {
            let e = u.evaluations.iter().find(|e| e.indicator == i.code);
            row.push(text(e.and_then(|e| e.value)));
            row.push(e.map(|e| e.status.as_str().to_string()).unwrap_or_default());
        }
        rows.push(row);
    }
    Ok(csv_response(
        &format!("xep-hang-{period}-{}.csv", group.as_str()),
        rows,
    ))
}
