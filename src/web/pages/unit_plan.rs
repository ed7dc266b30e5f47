//! The unit page's section on its service plan (letter 1145/BTTTT-THH,
//! docs/plans.md): whether it was filed by the deadline, each service's
//! target month against the month it was first reported fully online, and
//! month by month the services planned fully online against those reported
//! so. Its words are in the message catalogue (`plan-*`).

use chrono::{DateTime, NaiveDate, Utc};
use maud::{html, Markup};

use super::format::digits;
use super::periods::{date, month_in_sentence};
use crate::compute::plan_progress::{
    unit_plan, FilingStatus, PlanProgress, ServiceProgress, ServiceStatus, UnitPlan,
};
use crate::config::{PlanSettings, Unit};
use crate::domain::{number, Month};
use crate::store::StoreError;
use crate::t;
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

fn hanoi(t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh);
    t!(
        "plan-time",
        time = local.format("%H:%M").to_string(),
        day = date(local.date_naive())
    )
}

fn month_short(m: Month) -> String {
    format!("{:02}/{}", m.month(), m.year())
}

fn filing_name(status: FilingStatus) -> (String, &'static str) {
    match status {
        FilingStatus::Filed => (t!("plan-filed-on-time"), "st-achieved"),
        FilingStatus::Late => (t!("plan-filed-late"), "st-on-track"),
        FilingStatus::Missing => (t!("plan-missing"), "st-lagging"),
        FilingStatus::Awaited => (t!("plan-awaited"), "st-no-target"),
    }
}

fn service_name(status: ServiceStatus) -> (String, &'static str) {
    match status {
        ServiceStatus::BehindPlan => (t!("plan-service-behind"), "st-lagging"),
        ServiceStatus::Late => (t!("plan-service-late"), "st-on-track"),
        ServiceStatus::OnTime => (t!("plan-service-on-time"), "st-achieved"),
        ServiceStatus::Ahead => (t!("plan-service-ahead"), "st-achieved"),
        ServiceStatus::NotYetDue => (t!("plan-service-not-yet-due"), "st-no-target"),
        ServiceStatus::NotEligible => (t!("plan-service-not-eligible"), "st-no-data"),
    }
}

fn level_name(level: Option<&str>) -> String {
    match level {
        Some("full_online") => t!("services-level-full"),
        Some("partial_online") => t!("services-level-partial"),
        Some("not_online") => t!("services-level-not-online"),
        _ => t!("plan-not-reported"),
    }
}

pub fn section(s: &Section) -> Markup {
    let (status, class) = filing_name(s.status);
    html! {
        section #plan {
            h2 { (t!("plan-heading")) }
            p.muted { (t!("plan-intro", deadline = date(s.deadline))) }
            p #plan-status {
                span class=(class) { strong { (status) } }
                @if let Some(plan) = &s.plan {
                    " · " (t!("plan-current-filed", at = hanoi(plan.current.filed_at)))
                    @if !plan.current.filed_by.is_empty() { " " (t!("plan-by", who = plan.current.filed_by.as_str())) }
                    @if plan.filings > 1 { " (" (t!("plan-filings", count = plan.filings, first = hanoi(plan.first.filed_at))) ")" }
                }
                " · " a href=(format!("/ke-hoach?don-vi={}", s.code)) { (t!("plan-file")) }
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
        p { (t!("plan-as-of", month = month_in_sentence(p.as_of))) ": "
            @for (i, status) in ServiceStatus::ALL.iter().enumerate() {
                @if i > 0 { " · " }
                (service_name(*status).0) " " strong { (digits(number::count(p.count(*status) as f64))) }
            }
        }
        @if !p.not_in_plan.is_empty() {
            p.note #not-in-plan { (t!("plan-not-in-plan", count = digits(number::count(p.not_in_plan.len() as f64)))) ": "
                (p.not_in_plan.iter().take(NOT_IN_PLAN_SHOWN).cloned().collect::<Vec<_>>().join(", "))
                @if p.not_in_plan.len() > NOT_IN_PLAN_SHOWN { ", …" } "." }
        }
        @if !p.months.is_empty() {
            h3 { (t!("plan-by-month")) }
            div.scroll { table #plan-months {
                thead { tr { th.name { (t!("common-month")) } th { (t!("plan-planned-cumulative")) } th { (t!("plan-actual")) } } }
                tbody {
                    @for m in &p.months {
                        tr data-month=(m.month) {
                            td.name { (month_short(m.month)) }
                            td { (digits(number::count(f64::from(m.planned)))) }
                            td { @match m.actual { Some(a) => (digits(number::count(f64::from(a)))), None => "—" } }
                        }
                    }
                }
            } }
        }
        h3 { (t!("plan-by-service")) }
        div.scroll { table #plan-services {
            thead { tr { th.name { (t!("services-code")) } th.name { (t!("services-procedure")) } th { (t!("plan-target-month")) }
                th { (t!("services-full-online-since")) } th { (t!("plan-level-now")) } th.name { (t!("plan-status")) } } }
            tbody {
                @for s in services {
                    @let (label, class) = service_name(s.status);
                    tr data-service=(s.service_code) data-status=(s.status.as_str()) {
                        td.name { (s.service_code) }
                        td.name { (s.service_name) }
                        td { (s.target_month.map(month_short).unwrap_or_else(|| "—".into())) }
                        td { (s.first_full_online.map(month_short).unwrap_or_else(|| "—".into())) }
                        td { (level_name(s.last_level.as_deref())) }
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
