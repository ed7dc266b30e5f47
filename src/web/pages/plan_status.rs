//! The national picture of the service plans (letter 1145/BTTTT-THH,
//! docs/plans.md) on the data-quality page: how many units filed by the
//! deadline, late, or not at all, and which. The Vietnamese words of the
//! section are all in this file.

use chrono::Utc;
use maud::{html, Markup};

use crate::compute::plan_progress::{filing_statuses, FilingStatus, UnitFiling};
use crate::config::Unit;
use crate::domain::{number, Month};
use crate::store::StoreError;
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

fn status_vi(s: FilingStatus) -> &'static str {
    match s {
        FilingStatus::Filed => "Đúng hạn",
        FilingStatus::Late => "Muộn",
        FilingStatus::Missing => "Chưa nộp (quá hạn)",
        FilingStatus::Awaited => "Chưa nộp (chưa đến hạn)",
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
        h2 { "Kế hoạch dịch vụ công trực tuyến toàn trình (Công văn 1145/BTTTT-THH)" }
        p #plan-counts { "Hạn nộp " (s.deadline.format("%d/%m/%Y")) ": "
            @for (i, st) in [FilingStatus::Filed, FilingStatus::Late, FilingStatus::Missing, FilingStatus::Awaited].iter().enumerate() {
                @if i > 0 { " · " }
                (status_vi(*st)) " " strong data-status=(st.as_str()) { (number::count(count(*st) as f64)) }
            }
            " đơn vị." }
        @if !listed.is_empty() {
            div.scroll { table #plan-units {
                thead { tr { th.name { "Đơn vị" } th.name { "Kế hoạch" } } }
                tbody {
                    @for u in listed {
                        tr data-unit=(u.code) {
                            td.name { a href=(format!("/don-vi/{}", u.code)) { (u.code) " " (u.name) } }
                            td.name { (status_vi(u.status)) }
                        }
                    }
                }
            } }
        }
    }
}
