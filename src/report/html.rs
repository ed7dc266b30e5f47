//! The report as one self-contained HTML document a civil servant can print
//! and file: A4 (rankings on landscape pages), a running header with the month, the as-of time and whether
//! the results are published, each section on its own page, numbers in
//! Vietnamese format, charts inline as SVG, missing data as "—".

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::charts::{score_chart, target_chart};
use super::model::{Column, MonthlyReport, NationalLine, Standing, UnitLine};
use super::{hanoi, month_label};
use crate::compute::national::{GroupRanking, UnitStanding};
use crate::domain::number::{self, MISSING};

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
    let title = format!("Báo cáo tiến độ chỉ số chính phủ số tháng {month}");
    let markup = html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                div.running {
                    span { "Báo cáo tháng " (month) }
                    span { (standing_text(report.standing)) }
                }
                h1 { (title) }
                p.standing.(standing_class(report.standing)) #standing { (standing_text(report.standing)) }
                p.note { "Lập lúc " (hanoi(report.generated_at)) ". Số liệu thiếu được ghi “" (MISSING)
                    "”, không tính là 0; đơn vị không có số liệu không được xếp hạng." }
                p.actions { a href=(xlsx_href) { "Tải bảng số liệu (.xlsx)" } }
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
            format!("Số liệu đã công bố, chốt lúc {}", hanoi(frozen_at))
        }
        Standing::Provisional { computed_at } => format!(
            "Số liệu tạm tính lúc {}, chưa chốt; có thể thay đổi",
            hanoi(computed_at)
        ),
    }
}

fn standing_class(standing: Standing) -> &'static str {
    match standing {
        Standing::Published { .. } => "published",
        Standing::Provisional { .. } => "provisional",
    }
}

fn value(v: Option<f64>, unit: crate::config::ValueUnit) -> Markup {
    match v {
        Some(v) => html! { (number::value(v, unit)) },
        None => html! { span.nodata { (MISSING) } },
    }
}

fn national(report: &MonthlyReport) -> Markup {
    html! {
        h2 { "1. Số liệu toàn quốc so với chỉ tiêu năm " (report.month.year()) }
        p.note { "Tỷ lệ chung: tổng tử số ÷ tổng mẫu số của các đơn vị có số liệu (mỗi hồ sơ có trọng số như nhau); "
            "trung bình đơn vị: trung bình cộng giá trị của các đơn vị (mỗi đơn vị có trọng số như nhau)." }
        table #national-figures {
            thead { tr {
                th.name { "Chỉ số" } th.name { "Nhóm" } th { "Tỷ lệ chung" } th { "Trung bình đơn vị" }
                th { "Chỉ tiêu" } th { "Đánh giá" } th { "Đơn vị đạt chỉ tiêu" } th { "Đơn vị có số liệu" }
            } }
            tbody { @for line in &report.national { (national_row(line)) } }
        }
        @for (group, columns) in &report.groups { (target_chart(report, group.group, columns)) }
    }
}

fn national_row(line: &NationalLine) -> Markup {
    let f = &line.figure;
    let verdict = match line.meets_target {
        Some(true) => html! { td.achieved { "Đạt" } },
        Some(false) => html! { td.lagging { "Chưa đạt" } },
        None => html! { td { span.nodata { (MISSING) } } },
    };
    html! {
        tr data-indicator=(line.column.code) data-group=(f.group.map_or("all", |g| g.as_str())) {
            td.name { (line.column.name) }
            td.name { (f.group.map_or("Toàn quốc (các nhóm)", |g| g.name_vi())) }
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
        h2 { (number) ". Xếp hạng nhóm " (group.group.name_vi().to_lowercase()) }
        (score_chart(group))
        @if unranked > 0 {
            p.note { (unranked) " đơn vị không có số liệu: xếp cuối bảng, không xếp hạng, không tính là 0." }
        }
        div.wide-table { table.ranking data-group=(group.group.as_str()) {
            thead { tr {
                th { "Hạng" } th { "Thay đổi" } th.name { "Đơn vị" } th { "Điểm tổng hợp" }
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
                Some(s) => (number::decimal(s, 1)),
                None => span.nodata { "Không có số liệu" },
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
        h2 { (number) ". Đơn vị chưa đạt chỉ tiêu hoặc được cảnh báo" }
        p.note { "Đơn vị đã báo cáo nhưng có chỉ số chưa đạt chỉ tiêu năm và chưa đạt lộ trình của tháng, "
            "và đơn vị nhận thư cảnh báo chậm tiến độ (chưa đạt cả chỉ tiêu lẫn lộ trình của đơn vị, "
            "thuộc nhóm cuối bảng xếp hạng, hoặc điểm tổng hợp giảm đáng kể so với tháng trước), với lý do." }
        @if units.is_empty() { p { "Không có đơn vị chưa đạt chỉ tiêu." } }
        @else {
            table #lagging-units {
                thead { tr { th.name { "Nhóm" } th.name { "Đơn vị" } th { "Hạng" } th.name { "Chỉ số chưa đạt" } th.name { "Cảnh báo chậm tiến độ" } } }
                tbody { @for u in units { tr data-unit=(u.code) {
                    td.name { (u.group.name_vi()) } td.name { (u.name) }
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
        h2 { (number) ". Đơn vị chưa gửi báo cáo" }
        @if units.is_empty() { p { "Tất cả đơn vị đã gửi báo cáo." } }
        @else {
            table #not-reported-units {
                thead { tr { th.name { "Nhóm" } th.name { "Mã" } th.name { "Đơn vị" } } }
                tbody { @for u in units { tr data-unit=(u.code) {
                    td.name { (u.group.name_vi()) } td.name { (u.code) } td.name { (u.name) }
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
        h2 { (number) ". Chất lượng dữ liệu" }
        table #reporting {
            thead { tr { th { "Phải báo cáo" } th { "Đã báo cáo" } th { "Tỷ lệ báo cáo" } th { "Đúng hạn" } th { "Tỷ lệ đúng hạn" } th { "Không rõ thời điểm" } } }
            tbody { tr {
                td { (q.units_due) } td { (q.reported) } td { (percent(rate(q.reported, q.units_due))) }
                td { (q.on_time) } td { (percent(rate(q.on_time, on_time_base))) } td { (q.arrival_unknown) }
            } }
        }
        p.note { "Tỷ lệ đúng hạn tính trên các báo cáo biết rõ thời điểm nhận; báo cáo thu thập bù hoặc nhập số liệu lịch sử không tính." }
        h3 { "Dữ liệu bị từ chối" }
        @if q.rejections.is_empty() { p { "Không có dữ liệu bị từ chối trong tháng." } }
        @else {
            table #rejections {
                thead { tr { th.name { "Đơn vị" } th { "Số lần" } th.name { "Lý do lần cuối" } } }
                tbody { @for (name, r) in &q.rejections { tr {
                    td.name { (name) } td { (r.payloads) }
                    td.name { "trường '" (r.last_field) "': " (r.last_reason) }
                } } }
            }
        }
        h3 { "Biến động bất thường cần rà soát" }
        @if q.outliers.is_empty() { p { "Không có biến động bất thường so với tháng trước." } }
        @else {
            p.note { "Số liệu vẫn giữ nguyên như đơn vị gửi; chỉ đánh dấu để rà soát." }
            table #outliers {
                thead { tr { th.name { "Đơn vị" } th.name { "Chỉ số" } th { "Tháng trước" } th { "Tháng này" } th { "Thay đổi" } } }
                tbody { @for o in &q.outliers { tr {
                    td.name { (o.unit_name) }
                    td.name { (report.indicator_name(&o.indicator)) }
                    td { (number::decimal(o.previous, 1)) } td { (number::decimal(o.value, 1)) }
                    td { (number::decimal(o.change(), 1)) }
                } } }
            }
        }
    }
}
