//! The quality page's list of services declared fully online that received
//! no online dossier in each of the last N months, by unit (letter
//! 1145/BTTTT-THH: EMC follows whether a service declared online is used).

use std::collections::BTreeMap;

use maud::{html, Markup};

use crate::domain::{Month, UnitCode};
use crate::store::UnusedService;
use crate::web::State;

/// Services named per unit; the unit's services page lists them all.
const NAMED: usize = 8;

pub(super) fn section(state: &State, unused: &[UnusedService], window: u32, to: Month) -> Markup {
    let mut by_unit: BTreeMap<&str, Vec<&UnusedService>> = BTreeMap::new();
    for u in unused {
        by_unit.entry(&u.unit_code).or_default().push(u);
    }
    // The most flagged first: where the declared level is furthest from use.
    let mut units: Vec<(&str, Vec<&UnusedService>)> = by_unit.into_iter().collect();
    units.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    html! {
        p.muted {
            "Dịch vụ công bố toàn trình nhưng không tiếp nhận hồ sơ trực tuyến nào trong "
            (window) " tháng liền đến " (format!("{:02}/{}", to.month(), to.year()))
            " (mỗi tháng đều có báo cáo). Tổng số: " (unused.len()) "."
        }
        @if units.is_empty() { p.muted { "Không có dịch vụ nào." } }
        @else {
            div.scroll { table #unused-services {
                thead { tr { th.name { "Đơn vị" } th { "Số dịch vụ" } th.name { "Dịch vụ" } } }
                tbody {
                    @for (code, list) in &units {
                        @let name = state.registry.get(&UnitCode::new(*code)).map_or(*code, |u| u.name.as_str());
                        tr data-unit=(code) {
                            td.name { a href=(format!("/don-vi/{code}/dich-vu?to={to}&muc_do=unused")) { (name) } }
                            td { (list.len()) }
                            td.name {
                                @for (i, s) in list.iter().take(NAMED).enumerate() {
                                    @if i > 0 { ", " }
                                    span title=(s.service_name) { (s.service_code) }
                                }
                                @if list.len() > NAMED { ", …" }
                            }
                        }
                    }
                }
            } }
        }
    }
}
