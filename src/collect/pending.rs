//! Accepted unit-months waiting to be written together: one INSERT per table
//! for many unit-months instead of four per unit-month, so ClickHouse makes
//! a few parts per run rather than thousands (`make bench`, ingest).
//!
//! Order within a write is the order of one unit-month's
//! (`Store::write_batches`): data rows, then batch records, then attempt records.
//! A write that fails fails every unit-month it carried, each named.

use super::report::UnitResult;
use crate::domain::{Month, UnitCode};
use crate::store::{AttemptRow, BatchRow, MeasureRow, Outcome, ServiceRow, Store};

/// Rows past which a run hands what it holds to a writer and pulls on while
/// it writes. Every INSERT makes a part (~17 ms even for one row on this
/// machine), so fewer, larger writes: 25,000 was slower (`chiso-bench ingest`).
pub const FLUSH_ROWS: usize = 100_000;

/// A decided unit-month: its result and attempt record, and the rows to
/// store when it is a new version (`None`: unchanged, or a dry run).
pub(crate) struct Decided {
    pub result: UnitResult,
    pub attempt: Option<AttemptRow>,
    pub rows: Option<(Vec<ServiceRow>, Vec<MeasureRow>, BatchRow)>,
}

/// Room beyond `FLUSH_ROWS` for the unit-month that crosses it.
const ROOM_ROWS: usize = FLUSH_ROWS / 4;

#[derive(Default)]
pub(crate) struct PendingWrites {
    services: Vec<ServiceRow>,
    measures: Vec<MeasureRow>,
    batches: Vec<BatchRow>,
    attempts: Vec<AttemptRow>,
    /// Results in arrival order, with whether rows of theirs are pending.
    results: Vec<(UnitResult, bool)>,
}

impl PendingWrites {
    /// Empty, with room for a flush's rows: adding then never grows (and
    /// copies) the vectors, and a run reuses two of these (one filling, one
    /// being written) instead of touching fresh memory for every flush.
    pub fn with_room() -> Self {
        Self {
            services: Vec::with_capacity(FLUSH_ROWS + ROOM_ROWS),
            ..Self::default()
        }
    }

    pub fn rows(&self) -> usize {
        self.services.len() + self.measures.len()
    }

    pub fn add(&mut self, decided: Decided) {
        let storing = decided.rows.is_some();
        if let Some((services, measures, batch)) = decided.rows {
            self.services.extend(services);
            self.measures.extend(measures);
            self.batches.push(batch);
        }
        self.attempts.extend(decided.attempt);
        self.results.push((decided.result, storing));
    }

    /// The unit-months held, for naming them if their writer is lost.
    pub fn unit_months(&self) -> Vec<(UnitCode, Month)> {
        self.results
            .iter()
            .map(|(r, _)| (r.unit.clone(), r.month))
            .collect()
    }

    /// Writes everything held and returns the results, each as it ended;
    /// leaves `self` empty with its room kept.
    pub async fn flush(&mut self, store: &Store) -> Vec<UnitResult> {
        let data = store.write_batches(&self.services, &self.measures, &self.batches);
        let mut results = std::mem::take(&mut self.results);
        let mut attempts = std::mem::take(&mut self.attempts);
        let written = data.await;
        self.services.clear();
        self.measures.clear();
        self.batches.clear();
        if let Err(e) = written {
            let error = format!("storing: {e}");
            for (result, _) in results.iter_mut().filter(|(_, storing)| *storing) {
                result.outcome = Outcome::Failed;
                result.message = format!("unit {}, month {}: {error}", result.unit, result.month);
                if let Some(row) = attempts.iter_mut().find(|a| {
                    a.unit_code == result.unit.as_str() && a.month == result.month.first_day()
                }) {
                    row.outcome = Outcome::Failed;
                    row.error = result.message.clone();
                }
            }
        }
        if let Err(e) = store.record_attempts(&attempts).await {
            for (result, _) in &mut results {
                result.note_record_failure(&e.to_string());
            }
        }
        results.into_iter().map(|(r, _)| r).collect()
    }
}
