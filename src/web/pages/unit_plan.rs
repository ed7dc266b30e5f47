//! The unit page's section on its service plan (letter 1145/BTTTT-THH,
//! docs/plans.md): whether it was filed by the deadline, each service's
//! target month against the month it was first reported fully online, and
//! month by month the services planned fully online against those reported
//! so. The Vietnamese words of the section are all in this file.

use chrono::{DateTime, NaiveDate, Utc};
use maud::{html, Markup};

use crate::compute::plan_progress::{
    unit_plan, FilingStatus, PlanProgress, ServiceProgress, ServiceStatus, UnitPlan,
};
use crate::config::{PlanSettings, Unit};
use crate::domain::{number, Month};
use crate::store::StoreError;
use crate::web::State;

/// Codes of unplanned services named on the page; the API lists them all.
const NOT_IN_PLAN_SHOWN: usize = 20;

/// What the section shows, read with the rest of the page.
pub struct Section {
    code: String,
    status: FilingStatus,
    deadline: NaiveDate,
    plan: Option<UnitPlan>,
    /// Reason codes with their labels (`plans.toml`).
    reasons: PlanSettings,
}

pub async fn load(state: &State, unit: &Unit) -> Result<Section, StoreError> {
    let zone = state.zone();
    let today = Utc::now().with_timezone(&zone).date_naive();
    let plan = unit_plan(&state.store, unit.code.as_str(), Month::of(today)).await?;
    let first = plan.as_ref().map(|p| p.first.filed_at);
    Ok(Section {
        code: unit.code.to_string(),
        status: FilingStatus::of(first, state.plans.deadline, zone, today),
        deadline: state.plans.deadline,
        plan,
        reasons: state.plans.clone(),
    })
}

fn day(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn hanoi(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .format("%H:%M ngày %d/%m/%Y")
        .to_string()
}

fn month_vi(m: Month) -> String {
    format!("{:02}/{}", m.month(), m.year())
}

fn filing_vi(status: FilingStatus) -> (&'static str, &'static str) {
    match status {
        FilingStatus::Filed => ("Đã nộp đúng hạn", "st-achieved"),
        FilingStatus::Late => ("Nộp muộn", "st-on-track"),
        FilingStatus::Missing => ("Chưa nộp, đã quá hạn", "st-lagging"),
        FilingStatus::Awaited => ("Chưa nộp, chưa đến hạn", "st-no-target"),
    }
}

fn service_vi(status: ServiceStatus) -> (&'static str, &'static str) {
    match status {
        ServiceStatus::BehindPlan => ("Chậm so với kế hoạch", "st-lagging"),
        ServiceStatus::Late => ("Toàn trình muộn hơn kế hoạch", "st-on-track"),
        ServiceStatus::OnTime => ("Toàn trình đúng kế hoạch", "st-achieved"),
        ServiceStatus::Ahead => ("Toàn trình sớm hơn kế hoạch", "st-achieved"),
        ServiceStatus::NotYetDue => ("Chưa đến tháng mục tiêu", "st-no-target"),
        ServiceStatus::NotEligible => ("Không đủ điều kiện", "st-no-data"),
    }
}

fn level_vi(level: Option<&str>) -> &'static str {
    match level {
        Some("full_online") => "Toàn trình",
        Some("partial_online") => "Một phần",
        Some("not_online") => "Chưa trực tuyến",
        _ => "Chưa báo cáo",
    }
}

pub fn section(s: &Section) -> Markup {
    let (status, class) = filing_vi(s.status);
    html! {
        section #plan {
            h2 { "Kế hoạch cung cấp dịch vụ công trực tuyến toàn trình" }
            p.muted { "Theo Công văn 1145/BTTTT-THH: danh sách thủ tục đủ điều kiện với tháng đưa lên "
                "trực tuyến toàn trình, và thủ tục không đủ điều kiện kèm lý do. Hạn nộp: " (day(s.deadline)) "." }
            p #plan-status {
                span class=(class) { strong { (status) } }
                @if let Some(plan) = &s.plan {
                    " · kế hoạch hiện hành nộp lúc " (hanoi(plan.current.filed_at))
                    @if !plan.current.filed_by.is_empty() { " bởi " (plan.current.filed_by) }
                    @if plan.filings > 1 { " (" (plan.filings) " lần nộp; lần đầu " (hanoi(plan.first.filed_at)) ")" }
                }
                " · " a href=(format!("/ke-hoach?don-vi={}", s.code)) { "Nộp kế hoạch" }
            }
            @if let Some(plan) = &s.plan { (progress(&plan.progress, &s.reasons)) }
        }
    }
}

fn progress(p: &PlanProgress, reasons: &PlanSettings) -> Markup {
    let mut services: Vec<&ServiceProgress> = p.services.iter().collect();
    // Behind the plan first: what the ministry follows up.
    services.sort_by_key(|s| ServiceStatus::ALL.iter().position(|x| *x == s.status));
    html! {
        p { "Tính đến tháng " (month_vi(p.as_of)) ": "
            @for (i, status) in ServiceStatus::ALL.iter().enumerate() {
                @if i > 0 { " · " }
                (service_vi(*status).0) " " strong { (number::count(p.count(*status) as f64)) }
            }
        }
        @if !p.not_in_plan.is_empty() {
            p.note #not-in-plan { (number::count(p.not_in_plan.len() as f64))
                " thủ tục đơn vị có báo cáo nhưng không có trong kế hoạch: "
                (p.not_in_plan.iter().take(NOT_IN_PLAN_SHOWN).cloned().collect::<Vec<_>>().join(", "))
                @if p.not_in_plan.len() > NOT_IN_PLAN_SHOWN { ", …" } "." }
        }
        @if !p.months.is_empty() {
            h3 { "Theo tháng: số thủ tục toàn trình theo kế hoạch và thực tế" }
            div.scroll { table #plan-months {
                thead { tr { th.name { "Tháng" } th { "Kế hoạch (lũy kế)" } th { "Thực tế" } } }
                tbody {
                    @for m in &p.months {
                        tr data-month=(m.month) {
                            td.name { (month_vi(m.month)) }
                            td { (number::count(f64::from(m.planned))) }
                            td { @match m.actual { Some(a) => (number::count(f64::from(a))), None => "—" } }
                        }
                    }
                }
            } }
        }
        h3 { "Theo thủ tục" }
        div.scroll { table #plan-services {
            thead { tr { th.name { "Mã" } th.name { "Thủ tục" } th { "Tháng mục tiêu" }
                th { "Toàn trình từ" } th { "Mức độ hiện tại" } th.name { "Tình trạng" } } }
            tbody {
                @for s in services {
                    @let (label, class) = service_vi(s.status);
                    tr data-service=(s.service_code) data-status=(s.status.as_str()) {
                        td.name { (s.service_code) }
                        td.name { (s.service_name) }
                        td { (s.target_month.map(month_vi).unwrap_or_else(|| "—".into())) }
                        td { (s.first_full_online.map(month_vi).unwrap_or_else(|| "—".into())) }
                        td { (level_vi(s.last_level.as_deref())) }
                        td.name class=(class) {
                            (label)
                            @if let Some(code) = &s.reason {
                                ": " (reasons.reason(code).map(|r| r.label.as_str()).unwrap_or(code))
                            }
                        }
                    }
                }
            }
        } }
    }
}
