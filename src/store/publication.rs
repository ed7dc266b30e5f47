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
pub(super) struct KeptRecords {
    kept_for: Duration,
    periods: Mutex<HashMap<String, (Instant, Arc<PeriodRecords>)>>,
}

impl Default for KeptRecords {
    fn default() -> Self {
        Self {
            kept_for: RECORDS_KEPT_FOR,
            periods: Mutex::default(),
        }
    }
}

impl KeptRecords {
    /// The records kept for `period` when fresh. When stale, the first caller
    /// gets `None` and reads them again while the others go on with the
    /// kept ones: 64 pages at once do not all ask ClickHouse (the ranking
    /// page's p99, `make bench`).
    fn get_or_claim(&self, period: &str) -> Option<Arc<PeriodRecords>> {
        let mut kept = self.periods.lock().ok()?;
        let (read_at, records) = kept.get_mut(period)?;
        if read_at.elapsed() < self.kept_for {
            return Some(records.clone());
        }
        *read_at = Instant::now();
        None
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
        if let Some(records) = self.kept_records.get_or_claim(period) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_period_is_read_again_by_one_caller_while_the_others_keep_it() {
        let kept = KeptRecords {
            kept_for: Duration::from_millis(200),
            periods: Mutex::default(),
        };
        assert!(kept.get_or_claim("2021-06").is_none(), "nothing kept yet");
        let records = Arc::new(PeriodRecords::default());
        kept.keep("2021-06", Instant::now(), records.clone());
        assert!(kept.get_or_claim("2021-06").is_some(), "fresh");
        std::thread::sleep(Duration::from_millis(250));
        assert!(
            kept.get_or_claim("2021-06").is_none(),
            "stale: this caller reads"
        );
        assert!(kept.get_or_claim("2021-06").is_some(), "the others keep it");
        kept.forget("2021-06");
        assert!(
            kept.get_or_claim("2021-06").is_none(),
            "forgotten on a write"
        );
    }
}
