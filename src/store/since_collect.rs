//! What only a collect run or an import changes (a unit's attempts, its report
//! arrivals, figures computed live for months never computed), kept in memory
//! until the next run writes: the unit page read three small tables per
//! request (~10 ms each on 18.16) and computed never-computed months on every
//! request (11 pages/s, `make bench`).
//!
//! One stamp says whether anything was collected since: the row counts and
//! newest entries of `collection_attempts` and `batch_log`, which every pull
//! and import writes (data, then batch record, then attempt), and the rows of
//! `trajectories`, which a plan import writes, of `portal_probes`, which
//! the probe job writes (the portal card), and of `plan_filings`, which a
//! service plan's filing writes. This process's
//! writes forget the stamp at once; another process's show within
//! `RECORDS_KEPT_FOR`, as a freeze by another process does (publication.rs).
//! Each kept value is made once per stamp: 64 requests at once wait for one.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clickhouse::Row;
use serde::Deserialize;
use tokio::sync::OnceCell;

use super::{Store, StoreError, RECORDS_KEPT_FOR};

/// The tables a collect run or an import writes.
pub(super) const COLLECT_TABLES: &[&str] = &[
    "service_stats",
    "service_sums",
    "measure_values",
    "batch_log",
    "batches",
    "collection_attempts",
    "rejected_payloads",
    // Units' month-by-month plans (`chiso import-plan`): targets of live figures.
    "trajectories",
    // Portal probes (issue 15 §4): the unit page's portal card.
    "portal_probes",
    // Units' service plans (`chiso plans import`, `/ke-hoach`): the unit page's plan section.
    "service_plan_rows",
    "plan_filings",
];

/// Values kept; past this the memory starts afresh.
const VALUES_KEPT: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Row, Deserialize)]
struct Stamp {
    attempts: u64,
    newest_attempt_us: u64,
    batches: u64,
    newest_version: u64,
    plans: u64,
    probes: u64,
    service_plans: u64,
}

type Value = Arc<dyn Any + Send + Sync>;

/// Values by key, each made once.
type Cells = HashMap<String, Arc<OnceCell<Value>>>;

/// Shared by every clone of a `Store`.
#[derive(Default)]
pub(super) struct SinceCollect {
    /// The stamp and when it was read; `None` after a write by this process.
    stamp: Mutex<Option<(Instant, Stamp)>>,
    /// The stamp the values were made under, and the values by key.
    values: Mutex<(Option<Stamp>, Cells)>,
    /// Values made (not taken from memory): what tests count.
    made: AtomicU64,
    /// Reads of collected figures (`Store::fetch_figures`): what tests count.
    pub(super) figure_reads: AtomicU64,
}

impl SinceCollect {
    pub(super) fn forget(&self) {
        if let Ok(mut stamp) = self.stamp.lock() {
            *stamp = None;
        }
    }

    /// The kept stamp when fresh. When stale, the first caller gets `None`
    /// and reads it again while the others go on with the kept one.
    fn fresh_or_claim(&self) -> Option<Stamp> {
        let mut kept = self.stamp.lock().ok()?;
        let (read_at, stamp) = kept.as_mut()?;
        if read_at.elapsed() < RECORDS_KEPT_FOR {
            return Some(*stamp);
        }
        *read_at = Instant::now();
        None
    }

    fn keep_stamp(&self, read_at: Instant, stamp: Stamp) {
        if let Ok(mut kept) = self.stamp.lock() {
            *kept = Some((read_at, stamp));
        }
    }

    /// The cell of `key` under `stamp`; a new stamp drops every older value.
    fn cell(&self, stamp: Stamp, key: &str) -> Arc<OnceCell<Value>> {
        let Ok(mut values) = self.values.lock() else {
            return Arc::default();
        };
        let (under, cells) = &mut *values;
        if *under != Some(stamp) || cells.len() >= VALUES_KEPT {
            *under = Some(stamp);
            cells.clear();
        }
        cells.entry(key.to_string()).or_default().clone()
    }
}

impl Store {
    async fn collect_stamp(&self) -> Result<Stamp, StoreError> {
        if let Some(stamp) = self.since_collect.fresh_or_claim() {
            return Ok(stamp);
        }
        // The time before the read: a write landing during it is not hidden
        // for longer than the limit.
        let read_at = Instant::now();
        let sql = "SELECT (SELECT count() FROM collection_attempts), \
                   (SELECT max(started_us) FROM collection_attempts), \
                   (SELECT count() FROM batch_log), (SELECT max(version) FROM batch_log), \
                   (SELECT count() FROM trajectories), (SELECT count() FROM portal_probes), \
                   (SELECT count() FROM plan_filings)";
        let q = self.client.query(sql);
        let stamp: Stamp = self.run("read what was collected", q.fetch_one()).await?;
        self.since_collect.keep_stamp(read_at, stamp);
        Ok(stamp)
    }

    /// The value kept under `key` since the last collect run or import, or
    /// `make`'s, made once however many ask at once. `key` names everything
    /// the value depends on besides the collected data.
    pub async fn since_collect<T, F, Fut>(&self, key: &str, make: F) -> Result<Arc<T>, StoreError>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, StoreError>>,
    {
        let stamp = self.collect_stamp().await?;
        let cell = self.since_collect.cell(stamp, key);
        let value = cell
            .get_or_try_init(|| async {
                self.since_collect.made.fetch_add(1, Ordering::Relaxed);
                Ok::<Value, StoreError>(Arc::new(make().await?))
            })
            .await?;
        value
            .clone()
            .downcast::<T>()
            .map_err(|_| StoreError::Missing(format!("kept '{key}' of the type asked")))
    }

    /// How many values `since_collect` made rather than took from memory.
    pub fn since_collect_made(&self) -> u64 {
        self.since_collect.made.load(Ordering::Relaxed)
    }

    /// How many reads of collected figures (sums, measures, arrivals) this
    /// store's clones sent: a page that computes live reads them.
    pub fn figure_reads(&self) -> u64 {
        self.since_collect.figure_reads.load(Ordering::Relaxed)
    }
}
