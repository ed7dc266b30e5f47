//! A unit's services over a range of months: the level each month, the month
//! it became fully online, its dossiers, and whether it is declared fully
//! online yet unused (no online dossier in each of the last N months).

use std::collections::BTreeMap;

use crate::domain::{Month, ServiceLevel};
use crate::store::ServiceMonthRow;

/// One service of a unit across the range.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceHistory {
    pub code: String,
    pub name: String,
    pub field: String,
    /// The level of each month of the range; `None` where not reported.
    pub levels: Vec<(Month, Option<ServiceLevel>)>,
    /// The level in the last month the service was reported.
    pub level_now: Option<ServiceLevel>,
    /// The first month of the unbroken run of fully-online reports that
    /// reaches the last reported month; `None` if not fully online now.
    pub full_online_since: Option<Month>,
    /// The run started at the first month read: it may be older.
    pub since_at_least: bool,
    pub dossiers: Dossiers,
    /// Months ending with the range's last one in which the service was
    /// reported fully online with no online dossier, without a gap.
    pub unused_months: u32,
}

/// Dossier counts summed over the range's reported months.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dossiers {
    pub received: u64,
    pub received_online: u64,
    pub processed: u64,
    pub processed_on_time: u64,
    pub processed_late: u64,
}

impl ServiceHistory {
    /// Flagged: declared fully online, no online dossier in each of the last
    /// `months` months, every one of them reported (a gap is not confirmed).
    pub fn unused(&self, months: u32) -> bool {
        self.unused_months >= months.max(1)
    }
}

/// The histories of `rows` (one unit, by service then month) over
/// `from..=to`; dossiers count from `shown_from` (earlier months are read only
/// to confirm the flag's window).
pub fn histories(
    rows: &[ServiceMonthRow],
    (from, to): (Month, Month),
    shown_from: Month,
) -> Vec<ServiceHistory> {
    let mut by_service: BTreeMap<&str, Vec<&ServiceMonthRow>> = BTreeMap::new();
    for r in rows {
        by_service.entry(&r.service_code).or_default().push(r);
    }
    by_service
        .into_values()
        .filter_map(|months| history(&months, (from, to), shown_from))
        .collect()
}

fn history(
    rows: &[&ServiceMonthRow],
    (from, to): (Month, Month),
    shown_from: Month,
) -> Option<ServiceHistory> {
    let last = rows.last()?;
    let reported: BTreeMap<Month, &ServiceMonthRow> = rows
        .iter()
        .filter_map(|r| Some((r.month.get(..7)?.parse::<Month>().ok()?, *r)))
        .collect();
    let level = |r: &ServiceMonthRow| r.level.parse::<ServiceLevel>().ok();
    let levels: Vec<(Month, Option<ServiceLevel>)> = from
        .through(to)
        .filter(|m| *m >= shown_from)
        .map(|m| (m, reported.get(&m).and_then(|r| level(r))))
        .collect();
    let mut dossiers = Dossiers::default();
    for (_, r) in reported.range(shown_from..) {
        dossiers.received += r.received;
        dossiers.received_online += r.received_online;
        dossiers.processed += r.processed;
        dossiers.processed_on_time += r.processed_on_time;
        dossiers.processed_late += r.processed_late;
    }
    let level_now = reported.values().next_back().and_then(|r| level(r));
    let (full_online_since, since_at_least) = full_online_run(&reported, level_now);
    Some(ServiceHistory {
        code: last.service_code.clone(),
        name: last.service_name.clone(),
        field: last.field.clone(),
        levels,
        level_now,
        full_online_since,
        since_at_least: since_at_least && full_online_since == Some(from),
        dossiers,
        unused_months: unused_run(&reported, to),
    })
}

/// The start of the fully-online run ending at the last reported month, and
/// whether it reaches the first month read.
fn full_online_run(
    reported: &BTreeMap<Month, &ServiceMonthRow>,
    level_now: Option<ServiceLevel>,
) -> (Option<Month>, bool) {
    if level_now != Some(ServiceLevel::FullOnline) {
        return (None, false);
    }
    let mut start = None;
    let mut expected: Option<Month> = None;
    for (month, r) in reported.iter().rev() {
        let consecutive = expected.is_none_or(|e| e == *month);
        if !consecutive || r.level != ServiceLevel::FullOnline.as_str() {
            return (start, false);
        }
        start = Some(*month);
        expected = Some(month.prev());
    }
    (start, true)
}

/// Consecutive months ending with `to`, each reported fully online with no
/// online dossier.
fn unused_run(reported: &BTreeMap<Month, &ServiceMonthRow>, to: Month) -> u32 {
    let mut run = 0;
    let mut month = to;
    while let Some(r) = reported.get(&month) {
        if r.level != ServiceLevel::FullOnline.as_str() || r.received_online != 0 {
            break;
        }
        run += 1;
        month = month.prev();
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(service: &str, month: &str, level: &str, online: u64) -> ServiceMonthRow {
        ServiceMonthRow {
            service_code: service.into(),
            month: format!("{month}-01"),
            service_name: format!("Thủ tục {service}"),
            field: "Xây dựng".into(),
            level: level.into(),
            received: 5,
            received_online: online,
            processed: 4,
            processed_on_time: 3,
            processed_late: 1,
        }
    }

    fn m(text: &str) -> Month {
        text.parse().unwrap()
    }

    #[test]
    fn the_run_of_full_online_months_and_of_unused_ones_end_at_the_last_month() {
        let rows = vec![
            row("A", "2021-03", "partial_online", 1),
            row("A", "2021-04", "full_online", 0),
            row("A", "2021-05", "full_online", 0),
            row("A", "2021-06", "full_online", 0),
            // B: full online all along, used in May.
            row("B", "2021-03", "full_online", 0),
            row("B", "2021-04", "full_online", 0),
            row("B", "2021-05", "full_online", 2),
            row("B", "2021-06", "full_online", 0),
            // C: not reported in May: its run restarts in June.
            row("C", "2021-04", "full_online", 0),
            row("C", "2021-06", "full_online", 0),
        ];
        let h = histories(&rows, (m("2021-03"), m("2021-06")), m("2021-04"));
        let [a, b, c] = &h[..] else { panic!("{h:?}") };
        assert_eq!(
            (a.full_online_since, a.since_at_least, a.unused_months),
            (Some(m("2021-04")), false, 3)
        );
        assert!(a.unused(3) && !b.unused(3) && !c.unused(3));
        assert_eq!(
            (b.full_online_since, b.since_at_least),
            (Some(m("2021-03")), true)
        );
        assert_eq!(b.unused_months, 1);
        assert_eq!(
            (c.full_online_since, c.unused_months),
            (Some(m("2021-06")), 1)
        );
        // Shown from April: three months of levels, dossiers of those months only.
        assert_eq!(a.levels.len(), 3);
        assert_eq!(a.dossiers.received, 15);
        assert_eq!(c.levels[1], (m("2021-05"), None));
    }

    #[test]
    fn a_service_not_fully_online_now_has_no_since_month() {
        let rows = vec![
            row("A", "2021-05", "full_online", 0),
            row("A", "2021-06", "partial_online", 0),
        ];
        let h = histories(&rows, (m("2021-05"), m("2021-06")), m("2021-05"));
        assert_eq!(h[0].full_online_since, None);
        assert_eq!(h[0].level_now, Some(ServiceLevel::PartialOnline));
        assert_eq!(h[0].unused_months, 0);
    }
}
