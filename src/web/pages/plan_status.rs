//! The national picture of the service plans (letter 1145/BTTTT-THH,
//! docs/plans.md) on the data-quality page: how many units filed by the
//! deadline, late, or not at all, and which. Its words are in the message
//! catalogue (`plan-*`).

use chrono::Utc;
use maud::{html, Markup};

use super::format::digits;
use super::periods::date;
use crate::compute::plan_progress::{filing_statuses, FilingStatus, UnitFiling};
use crate::config::Unit;
use crate::domain::{number, Month};
use crate::store::StoreError;
use crate::t;
use crate::web::State;

pub struct Section {
    deadline: chrono::NaiveDate,
    units: Vec<UnitFiling>,
}

pub async fn load(state: &State) -> Result<Section, StoreError> {
    let zone = state.zone();
    let today = Utc::now().with_timezone(&zone).date_naive();
    let deadline = state.plans.deadline;
    let units: Vec<&Unit> = state.registry.valid_in(Month::of(deadline)).collect();
    let units = filing_statuses(&state.store, &units, (deadline, zone), today).await?;
    Ok(Section { deadline, units })
}

fn status_name(s: FilingStatus) -> String {
    match s {
        FilingStatus::Filed => t!("plan-national-filed"),
        FilingStatus::Late => t!("plan-national-late"),
        FilingStatus::Missing => t!("plan-national-missing"),
        FilingStatus::Awaited => t!("plan-national-awaited"),
    }
}

pub fn section(s: &Section) -> Markup {
    let count = |st: FilingStatus| s.units.iter().filter(|u| u.status == st).count();
    let listed: Vec<&UnitFiling> = s
        .units
        .iter()
        .filter(|u| u.status != FilingStatus::Filed)
        .collect();
    html! {
        h2 { (t!("plan-national-heading")) }
        p #plan-counts { (t!("plan-national-deadline", deadline = date(s.deadline))) ": "
            @for (i, st) in [FilingStatus::Filed, FilingStatus::Late, FilingStatus::Missing, FilingStatus::Awaited].iter().enumerate() {
                @if i > 0 { " · " }
                (status_name(*st)) " " strong data-status=(st.as_str()) { (digits(number::count(count(*st) as f64))) }
            }
            " " (t!("plan-national-units")) }
        @if !listed.is_empty() {
            div.scroll { table #plan-units {
                thead { tr { th.name { (t!("common-unit")) } th.name { (t!("plan-national-plan")) } } }
                tbody {
                    @for u in listed {
                        tr data-unit=(u.code) {
                            td.name { a href=(format!("/don-vi/{}", u.code)) { (u.code) " " (u.name) } }
                            td.name { (status_name(u.status)) }
                        }
                    }
                }
            } }
        }
    }
}
