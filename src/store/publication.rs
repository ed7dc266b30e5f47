//! Which computations and freezes each period has, read many periods at a
//! time (the compute job) or kept in memory for a few seconds (the pages).
//!
//! Pages ask on every request which computation a period publishes; asking
//! ClickHouse each time capped the ranking page far below 1,000 pages a
//! second (`make bench`). A write by this process forgets the period at once;
//! a freeze by another process (`chiso compute --freeze` on the command line)
//! shows within `RECORDS_KEPT_FOR`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{ComputationRow, FreezeRow, Store, StoreError};

/// How long a period's records are trusted without asking again.
pub const RECORDS_KEPT_FOR: Duration = Duration::from_secs(2);

/// Periods kept; past this the memory starts afresh.
const PERIODS_KEPT: usize = 1024;

/// A period's computations and freezes, each oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PeriodRecords {
    pub computations: Vec<ComputationRow>,
    pub freezes: Vec<FreezeRow>,
}

impl PeriodRecords {
    pub fn newest_freeze(&self) -> Option<&FreezeRow> {
        self.freezes.last()
    }
}

/// Shared by every clone of a `Store`.
#[derive(Default)]
pub(super) struct KeptRecords {
    periods: Mutex<HashMap<String, (Instant, Arc<PeriodRecords>)>>,
}

impl KeptRecords {
    fn get(&self, period: &str) -> Option<Arc<PeriodRecords>> {
        let kept = self.periods.lock().ok()?;
        let (read_at, records) = kept.get(period)?;
        (read_at.elapsed() < RECORDS_KEPT_FOR).then(|| records.clone())
    }

    fn keep(&self, period: &str, read_at: Instant, records: Arc<PeriodRecords>) {
        if let Ok(mut kept) = self.periods.lock() {
            if kept.len() >= PERIODS_KEPT {
                kept.clear();
            }
            kept.insert(period.to_string(), (read_at, records));
        }
    }

    pub(super) fn forget(&self, period: &str) {
        if let Ok(mut kept) = self.periods.lock() {
            kept.remove(period);
        }
    }
}

impl Store {
    /// `period`'s records as the pages read them: from memory when read less
    /// than `RECORDS_KEPT_FOR` ago and not written since by this process.
    pub async fn period_records(&self, period: &str) -> Result<Arc<PeriodRecords>, StoreError> {
        if let Some(records) = self.kept_records.get(period) {
            return Ok(records);
        }
        // The time before the read: a write landing during it is not hidden
        // for longer than the limit.
        let read_at = Instant::now();
        let mut all = self.records_of(&[period.to_string()]).await?;
        let records = Arc::new(all.remove(period).unwrap_or_default());
        self.kept_records.keep(period, read_at, records.clone());
        Ok(records)
    }

    /// The records of every one of `periods`, read now in two queries.
    pub async fn records_of(
        &self,
        periods: &[String],
    ) -> Result<HashMap<String, PeriodRecords>, StoreError> {
        let computations = self
            .client
            .query("SELECT ?fields FROM computations WHERE has(?, period) ORDER BY period, version")
            .bind(periods);
        let freezes = self
            .client
            .query("SELECT ?fields FROM freezes WHERE has(?, period) ORDER BY period, version")
            .bind(periods);
        let computations: Vec<ComputationRow> = self
            .run("read computations", computations.fetch_all())
            .await?;
        let freezes: Vec<FreezeRow> = self.run("read freezes", freezes.fetch_all()).await?;
        let mut out: HashMap<String, PeriodRecords> = periods
            .iter()
            .map(|p| (p.clone(), PeriodRecords::default()))
            .collect();
        for c in computations {
            out.entry(c.period.clone())
                .or_default()
                .computations
                .push(c);
        }
        for f in freezes {
            out.entry(f.period.clone()).or_default().freezes.push(f);
        }
        Ok(out)
    }
}
