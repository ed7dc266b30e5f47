//! What the simulator serves, unit-month by unit-month, as the collectors
//! would store it (the bench's `load::month_rows`): the soak's yardstick.

use std::collections::BTreeMap;

use chiso::config::{MeasureCatalogue, Registry};
use chiso::domain::Month;
use chiso::store::{LevelCode, Store, StoreError, UnitMonthTotals};

use crate::load::month_rows;

/// Per month: each unit's service totals and its measures.
#[derive(Debug, Default)]
pub struct Expected {
    pub totals: BTreeMap<Month, BTreeMap<String, UnitMonthTotals>>,
    pub measures: BTreeMap<Month, Vec<(String, String, f64)>>,
}

impl Expected {
    pub fn of(
        registry: &Registry,
        catalogue: &MeasureCatalogue,
        months: &[Month],
        seed: u64,
    ) -> Self {
        let mut out = Self::default();
        for &month in months {
            let rows = month_rows(registry, catalogue, month, seed);
            let mut totals: BTreeMap<String, UnitMonthTotals> = BTreeMap::new();
            for s in &rows.services {
                let t = totals
                    .entry(s.unit_code.clone())
                    .or_insert_with(|| UnitMonthTotals {
                        unit_code: s.unit_code.clone(),
                        services: 0,
                        full_online: 0,
                        received: 0,
                        received_online: 0,
                        processed: 0,
                        processed_on_time: 0,
                        processed_late: 0,
                        pending_overdue: 0,
                    });
                t.services += 1;
                t.full_online += u64::from(s.level == LevelCode::FullOnline);
                t.received += s.received;
                t.received_online += s.received_online;
                t.processed += s.processed;
                t.processed_on_time += s.processed_on_time;
                t.processed_late += s.processed_late;
                t.pending_overdue += s.pending_overdue;
            }
            let mut measures: Vec<(String, String, f64)> = rows
                .measures
                .iter()
                .map(|m| (m.unit_code.clone(), m.measure_code.clone(), m.value))
                .collect();
            measures.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
            out.totals.insert(month, totals);
            out.measures.insert(month, measures);
        }
        out
    }

    pub fn months(&self) -> Vec<Month> {
        self.totals.keys().copied().collect()
    }

    pub fn unit_months(&self) -> usize {
        self.totals.values().map(BTreeMap::len).sum()
    }
}

/// The unit-months of `month` readers see that differ from the simulator's
/// (a half month, or data the simulator never served), as `unit month: why`.
pub async fn visible_differences(
    store: &Store,
    expected: &Expected,
    month: Month,
) -> Result<(usize, Vec<String>), StoreError> {
    let seen = store.month_totals(month).await?;
    let want = expected.totals.get(&month);
    let mut wrong = Vec::new();
    for t in &seen {
        match want.and_then(|w| w.get(&t.unit_code)) {
            Some(w) if w == t => {}
            Some(w) => wrong.push(format!(
                "unit {} month {month}: stored {} services, {} received; the simulator serves {}, {}",
                t.unit_code, t.services, t.received, w.services, w.received
            )),
            None => wrong.push(format!(
                "unit {} month {month}: stored, but the simulator serves nothing",
                t.unit_code
            )),
        }
    }
    Ok((seen.len(), wrong))
}
