//! The report's charts, inline SVG from `charts::svg`: each group's composite
//! scores, and the national figures of each group against their targets.
//! What has no value is not drawn: a bar of 0 would say it scored 0.

use maud::{html, Markup, PreEscaped};

use super::model::{Column, MonthlyReport};
use crate::charts::svg::{bar_chart, Series, Stroke};
use crate::compute::national::{GroupRanking, UnitStanding};
use crate::config::ValueUnit;
use crate::domain::RankingGroup;

const SIZE: (u32, u32) = (960, 300);

fn figure(title: &str, labels: &[String], series: &[Series]) -> Markup {
    match bar_chart(title, labels, series, SIZE) {
        Ok(svg) => html! { figure { (PreEscaped(svg)) } },
        Err(e) => {
            tracing::warn!(chart = title, "report chart left out: {e}");
            html! { p.note { (crate::t!("report-chart-failed")) } }
        }
    }
}

/// The ranked units' composite scores, best first; units without a score are
/// not drawn (a bar of 0 would say they scored 0).
pub fn score_chart(group: &GroupRanking) -> Markup {
    let ranked: Vec<&UnitStanding> = group
        .units
        .iter()
        .filter(|u| u.composite.score.is_some())
        .collect();
    if ranked.is_empty() {
        return html! { p.note { (crate::t!("report-no-scores")) } };
    }
    let labels: Vec<String> = ranked.iter().map(|u| u.name.clone()).collect();
    let series = [Series {
        name: crate::t!("ranking-score"),
        values: ranked.iter().map(|u| u.composite.score).collect(),
        stroke: Stroke::Solid,
    }];
    let title = crate::t!("report-score-chart", group = group.group.name());
    figure(&title, &labels, &series)
}

/// The group's rate indicators, national figure beside target, numbered as
/// the group's ranking numbers its columns; nothing when no rate has a figure.
pub fn target_chart(report: &MonthlyReport, group: RankingGroup, columns: &[Column]) -> Markup {
    let lines: Vec<(usize, &Column, Option<f64>, Option<f64>)> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.unit == ValueUnit::Percent)
        .filter_map(|(k, c)| {
            let line = report
                .national
                .iter()
                .find(|l| l.column.code == c.code && l.figure.group == Some(group))?;
            Some((k + 1, c, line.headline(), line.target))
        })
        .filter(|(.., headline, _)| headline.is_some())
        .collect();
    if lines.is_empty() {
        return html! {};
    }
    let labels: Vec<String> = lines.iter().map(|(k, ..)| format!("({k})")).collect();
    let series = [
        Series {
            name: crate::t!("report-nationwide"),
            values: lines.iter().map(|(.., v, _)| *v).collect(),
            stroke: Stroke::Solid,
        },
        Series {
            name: crate::t!("chart-target"),
            values: lines.iter().map(|(.., t)| *t).collect(),
            stroke: Stroke::Dashed,
        },
    ];
    let title = crate::t!("report-target-chart", group = group.name());
    html! {
        (figure(&title, &labels, &series))
        p.note.legend { @for (k, c, ..) in &lines { "(" (k) ") " (c.name) ". " } }
    }
}
