//! Merger continuity (Resolutions 202/2025/QH15 and 176/2025/QH15): a unit's
//! series before a merger is the sum of the units that merged into it, so its
//! trend continues across 2025-03-01 and 2025-07-01. A split unit's series
//! continues in its first successor only (units.toml).

use crate::config::{Registry, Unit};
use crate::domain::Month;

/// Where `from`'s series stands in month `reference`: `from` itself if valid
/// then, else the first unit along its chain of first successors that is.
pub fn continuation_at<'r>(
    registry: &'r Registry,
    from: &'r Unit,
    reference: Month,
) -> Option<&'r Unit> {
    let mut current = from;
    // A chain is at most as long as the registry; the bound guards a cycle
    // that registry validation should already have refused.
    for _ in 0..=registry.all().len() {
        if current.valid_in(reference) {
            return Some(current);
        }
        current = registry.get(current.successors.first()?)?;
    }
    None
}

/// The units whose reports of `month` make up `unit`'s figures for it, seen
/// from month `reference` (the end of a period or series): those valid in
/// `month` whose series stands in `unit` at `reference`. A unit that still
/// exists at `reference` is never folded into another.
pub fn members<'r>(
    registry: &'r Registry,
    unit: &Unit,
    month: Month,
    reference: Month,
) -> Vec<&'r Unit> {
    registry
        .valid_in(month)
        .filter(|u| continuation_at(registry, u, reference).is_some_and(|c| c.code == unit.code))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UnitCode;
    use std::path::Path;

    fn registry() -> Registry {
        Registry::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/units.toml")).unwrap()
    }

    fn codes(units: Vec<&Unit>) -> Vec<String> {
        let mut c: Vec<String> = units.iter().map(|u| u.code.to_string()).collect();
        c.sort();
        c
    }

    fn month(s: &str) -> Month {
        s.parse().unwrap()
    }

    #[test]
    fn a_merged_province_sums_its_predecessors_before_the_merger_and_stands_alone_after() {
        let reg = registry();
        let tuyen_quang = reg.get(&UnitCode::new("08")).unwrap();
        assert_eq!(
            codes(members(
                &reg,
                tuyen_quang,
                month("2025-06"),
                month("2025-07")
            )),
            ["02", "08"]
        );
        assert_eq!(
            codes(members(
                &reg,
                tuyen_quang,
                month("2025-07"),
                month("2025-07")
            )),
            ["08"]
        );
        // Seen from before the merger, Hà Giang still stands on its own.
        assert_eq!(
            codes(members(
                &reg,
                tuyen_quang,
                month("2025-06"),
                month("2025-06")
            )),
            ["08"]
        );
    }

    #[test]
    fn a_split_ministry_continues_in_its_first_successor_only() {
        let reg = registry();
        let bnv = reg.get(&UnitCode::new("BNV")).unwrap();
        let byt = reg.get(&UnitCode::new("BYT")).unwrap();
        assert_eq!(
            codes(members(&reg, bnv, month("2025-02"), month("2025-03"))),
            ["BLDTBXH", "BNV"]
        );
        assert_eq!(
            codes(members(&reg, byt, month("2025-02"), month("2025-03"))),
            ["BYT"]
        );
    }

    #[test]
    fn an_ended_unit_is_only_itself() {
        let reg = registry();
        let ha_giang = reg.get(&UnitCode::new("02")).unwrap();
        assert_eq!(
            codes(members(&reg, ha_giang, month("2025-06"), month("2025-06"))),
            ["02"]
        );
        assert!(members(&reg, ha_giang, month("2025-07"), month("2025-07")).is_empty());
    }
}
