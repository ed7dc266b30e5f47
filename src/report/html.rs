//! The report as one self-contained HTML document a civil servant can print
//! and file: A4 (rankings on landscape pages), a running header with the month, the as-of time and whether
//! the results are published, each section on its own page, numbers in
//! Vietnamese format, charts inline as SVG, missing data as "—".

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::charts::{score_chart, target_chart};
use super::model::{Column, MonthlyReport, NationalLine, Standing, UnitLine};
use super::month_label;
use crate::compute::national::{GroupRanking, UnitStanding};
use crate::domain::lang::Lang;
use crate::domain::number::{self, MISSING};
use crate::t;

const STYLE: &str = r#"
body{font-family:"DejaVu Sans","Times New Roman",serif;color:#111;margin:0 auto;max-width:1000px;padding:1rem;font-size:11pt}
h1{font-size:16pt;text-align:center;margin:.4rem 0}h2{font-size:13pt;margin:1rem 0 .4rem;border-bottom:1px solid #999}
.running{font-size:9pt;color:#444;border-bottom:1px solid #999;padding-bottom:.2rem;display:flex;justify-content:space-between;gap:1rem}
.standing{text-align:center;font-weight:600}.provisional{color:#8a4b00}.published{color:#1e5e2e}
table{border-collapse:collapse;width:100%;font-size:9.5pt;margin:.3rem 0}th,td{border:1px solid #bbb;padding:.15rem .3rem;text-align:right}
th{background:#eee}td.name,th.name{text-align:left}.nodata{color:#777;font-style:italic}
.achieved{background:#e3f3e6}.lagging{background:#fbe3e3}.note{font-size:9pt;color:#444}
figure{margin:.5rem 0;text-align:center}figure svg{max-width:100%;height:auto}
.actions{margin:.5rem 0}.wide-table{overflow-x:auto}table.ranking td.name{white-space:nowrap}
@page{size:A4;margin:14mm 12mm}
@page wide{size:A4 landscape}
@media print{
 body{max-width:none;padding:0;margin-top:10mm}
 .running{position:fixed;top:0;left:0;right:0;background:#fff}
 section{break-before:page}section.first{break-before:auto}
 section.wide{page:wide}table.ranking{font-size:7.5pt}.wide-table{overflow:visible}
 tr,figure{break-inside:avoid}thead{display:table-header-group}
 .actions{display:none}
}
"#;

/// The whole document; `xlsx_href` is where the workbook of the same tables is.
pub fn render(report: &MonthlyReport, xlsx_href: &str) -> String {
    let month = month_label(report.month);
    let title = t!("report-title", month = month.as_str());
    let markup = html! {
        (DOCTYPE)
        html lang=(Lang::current().code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                div.running {
                    span { (t!("report-running", month = month.as_str())) }
                    span { (standing_text(report.standing)) }
                }
                h1 { (title) }
                p.standing.(standing_class(report.standing)) #standing { (standing_text(report.standing)) }
                p.note { (t!("report-made-at", when = when(report.generated_at), missing = MISSING)) }
                p.actions { a href=(xlsx_href) { (t!("report-download-xlsx")) } }
                section.first #national { (national(report)) }
                @for (i, (group, columns)) in report.groups.iter().enumerate() {
                    section.wide id=(format!("group-{}", group.group.as_str())) { (ranking(i + 2, group, columns)) }
                }
                @let next = report.groups.len() + 2;
                section #lagging { (lagging(next, &report.lagging)) }
                section #not-reported { (not_reported(next + 1, &report.not_reported)) }
                section #quality { (quality(next + 2, report)) }
            }
        }
    };
    markup.into_string()
}

fn standing_text(standing: Standing) -> String {
    match standing {
        Standing::Published { frozen_at } => {
            t!("report-published", when = when(frozen_at))
        }
        Standing::Provisional { computed_at } => {
            t!("report-provisional", when = when(computed_at))
        }
    }
}

/// `10:00 ngày 05/08/2025`, `10:00 on 05/08/2025`: Vietnam time.
fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    let local = t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh);
    t!(
        "time-and-day",
        time = local.format("%H:%M").to_string(),
        day = local.format("%d/%m/%Y").to_string()
    )
}

/// A number written by `domain::number`, as the reader's language writes it.
fn digits(vietnamese: String) -> String {
    Lang::current().digits(&vietnamese)
}

fn standing_class(standing: Standing) -> &'static str {
    match standing {
        Standing::Published { .. } => "published",
        Standing::Provisional { .. } => "provisional",
    }
}

fn value(v: Option<f64>, unit: crate::config::ValueUnit) -> Markup {
    match v {
        Some(v) => html! { (digits(number::value(v, unit))) },
        None => html! { span.nodata { (MISSING) } },
    }
}

fn national(report: &MonthlyReport) -> Markup {
    html! {
        h2 { "1. " (t!("report-national-heading", year = report.month.year())) }
        p.note { (t!("report-national-note")) }
        table #national-figures {
            thead { tr {
                th.name { (t!("common-indicator")) } th.name { (t!("report-group")) } th { (t!("national-pooled")) }
                th { (t!("national-mean-of-units")) } th { (t!("chart-target")) } th { (t!("report-verdict")) }
                th { (t!("report-units-achieved")) } th { (t!("national-units-with-data")) }
            } }
            tbody { @for line in &report.national { (national_row(line)) } }
        }
        @for (group, columns) in &report.groups { (target_chart(report, group.group, columns)) }
    }
}

fn national_row(line: &NationalLine) -> Markup {
    let f = &line.figure;
    let verdict = match line.meets_target {
        Some(true) => html! { td.achieved { (t!("status-achieved")) } },
        Some(false) => html! { td.lagging { (t!("report-not-achieved")) } },
        None => html! { td { span.nodata { (MISSING) } } },
    };
    html! {
        tr data-indicator=(line.column.code) data-group=(f.group.map_or("all", |g| g.as_str())) {
            td.name { (line.column.name) }
            td.name { (f.group.map_or_else(|| t!("report-all-groups"), |g| g.name())) }
            td { (value(f.pooled, line.column.unit)) }
            td { (value(f.mean_of_units, line.column.unit)) }
            td { (value(line.target, line.column.unit)) }
            (verdict)
            td { (line.units_achieved) "/" (f.units_expected) }
            td { (f.units_with_data) "/" (f.units_expected) }
        }
    }
}

fn ranking(number: usize, group: &GroupRanking, columns: &[Column]) -> Markup {
    let unranked = group.units.iter().filter(|u| u.rank.is_none()).count();
    html! {
        h2 { (number) ". " (t!("report-ranking-heading", group = group.group.name().to_lowercase())) }
        (score_chart(group))
        @if unranked > 0 {
            p.note { (t!("report-unranked", count = unranked)) }
        }
        div.wide-table { table.ranking data-group=(group.group.as_str()) {
            thead { tr {
                th { (t!("ranking-rank")) } th { (t!("ranking-change")) } th.name { (t!("common-unit")) } th { (t!("ranking-score")) }
                @for (k, c) in columns.iter().enumerate() { th title=(c.name) { "(" (k + 1) ")" } }
            } }
            tbody { @for u in &group.units { (unit_row(u, columns)) } }
        } }
        p.note.legend {
            @for (k, c) in columns.iter().enumerate() { "(" (k + 1) ") " (c.name) ". " }
        }
    }
}

fn unit_row(u: &UnitStanding, columns: &[Column]) -> Markup {
    html! {
        tr data-unit=(u.code) {
            td { @match u.rank { Some(r) => (r), None => span.nodata { (MISSING) } } }
            td { (signed(u.rank_change)) }
            td.name { (u.name) }
            td { @match u.composite.score {
                Some(s) => (digits(number::decimal(s, 1))),
                None => span.nodata { (t!("common-no-data")) },
            } }
            @for c in columns {
                @match u.evaluations.iter().find(|e| e.indicator == c.code) {
                    Some(e) => td class=(status_class(e.status)) { (value(e.value, c.unit)) },
                    None => td { span.nodata { (MISSING) } },
                }
            }
        }
    }
}

fn status_class(s: crate::compute::evaluate::Status) -> &'static str {
    use crate::compute::evaluate::Status;
    match s {
        Status::Achieved | Status::OnTrack => "achieved",
        Status::Lagging => "lagging",
        Status::NoData | Status::NoTarget => "",
    }
}

/// `+2`, `−3`, `0`; empty when either month has no rank.
fn signed(change: Option<i64>) -> String {
    match change {
        Some(c) if c > 0 => format!("+{c}"),
        Some(c) if c < 0 => format!("−{}", c.unsigned_abs()),
        Some(_) => "0".into(),
        None => String::new(),
    }
}

fn lagging(number: usize, units: &[UnitLine]) -> Markup {
    html! {
        h2 { (number) ". " (t!("report-lagging-heading")) }
        p.note { (t!("report-lagging-note")) }
        @if units.is_empty() { p { (t!("report-no-lagging")) } }
        @else {
            table #lagging-units {
                thead { tr {
                    th.name { (t!("report-group")) } th.name { (t!("common-unit")) } th { (t!("ranking-rank")) }
                    th.name { (t!("report-indicators-behind")) } th.name { (t!("report-alerted")) }
                } }
                tbody { @for u in units { tr data-unit=(u.code) {
                    td.name { (u.group.name()) } td.name { (u.name) }
                    td { @match u.rank { Some(r) => (r), None => span.nodata { (MISSING) } } }
                    td.name { (u.behind.join("; ")) }
                    td.name { (u.alerted.join("; ")) }
                } } }
            }
        }
    }
}

fn not_reported(number: usize, units: &[UnitLine]) -> Markup {
    html! {
        h2 { (number) ". " (t!("report-not-reported-heading")) }
        @if units.is_empty() { p { (t!("report-all-reported")) } }
        @else {
            table #not-reported-units {
                thead { tr { th.name { (t!("report-group")) } th.name { (t!("report-code")) } th.name { (t!("common-unit")) } } }
                tbody { @for u in units { tr data-unit=(u.code) {
                    td.name { (u.group.name()) } td.name { (u.code) } td.name { (u.name) }
                } } }
            }
        }
    }
}

fn quality(number: usize, report: &MonthlyReport) -> Markup {
    let q = &report.quality;
    let rate = |n: usize, of: usize| (of > 0).then(|| n as f64 / of as f64 * 100.0);
    let percent = |v: Option<f64>| value(v, crate::config::ValueUnit::Percent);
    let on_time_base = q.reported.saturating_sub(q.arrival_unknown);
    html! {
        h2 { (number) ". " (t!("nav-quality")) }
        table #reporting {
            thead { tr {
                th { (t!("quality-due")) } th { (t!("quality-reported")) } th { (t!("quality-reporting-rate")) }
                th { (t!("arrival-on-time")) } th { (t!("quality-on-time-rate")) } th { (t!("arrival-unknown")) }
            } }
            tbody { tr {
                td { (q.units_due) } td { (q.reported) } td { (percent(rate(q.reported, q.units_due))) }
                td { (q.on_time) } td { (percent(rate(q.on_time, on_time_base))) } td { (q.arrival_unknown) }
            } }
        }
        p.note { (t!("report-on-time-note")) }
        h3 { (t!("quality-rejected")) }
        @if q.rejections.is_empty() { p { (t!("report-no-rejections")) } }
        @else {
            table #rejections {
                thead { tr { th.name { (t!("common-unit")) } th { (t!("report-times")) } th.name { (t!("report-last-reason")) } } }
                tbody { @for (name, r) in &q.rejections { tr {
                    td.name { (name) } td { (r.payloads) }
                    td.name { (t!("report-field-reason", field = r.last_field.as_str(), reason = r.last_reason.as_str())) }
                } } }
            }
        }
        h3 { (t!("report-outliers-heading")) }
        @if q.outliers.is_empty() { p { (t!("report-no-outliers")) } }
        @else {
            p.note { (t!("report-outliers-note")) }
            table #outliers {
                thead { tr {
                    th.name { (t!("common-unit")) } th.name { (t!("common-indicator")) } th { (t!("quality-previous-month")) }
                    th { (t!("quality-this-month")) } th { (t!("ranking-change")) }
                } }
                tbody { @for o in &q.outliers { tr {
                    td.name { (o.unit_name) }
                    td.name { (report.indicator_name(&o.indicator)) }
                    td { (digits(number::decimal(o.previous, 1))) } td { (digits(number::decimal(o.value, 1))) }
                    td { (digits(number::decimal(o.change(), 1))) }
                } } }
            }
        }
    }
}
