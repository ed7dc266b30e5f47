//! The fast path that fills a bench database with years of history: the
//! simulator's payloads validated and turned into rows exactly as the
//! collectors store them (`collect::stored_rows`), but generated off the
//! runtime and inserted a month at a time — no HTTP, no INSERT per unit.
//! The ingest benchmark measures the real collectors; this only sets the stage.

use std::time::{Duration, Instant};

use chiso::collect::{stored_rows, validate, Attempt, Completeness};
use chiso::config::{MeasureCatalogue, Registry, SourceConfig};
use chiso::domain::Month;
use chiso::simulate::generate;
use chiso::store::{BatchRow, Channel, MeasureRow, ServiceRow, Store, StoreError};

/// The rows the collectors would store for one month of every unit with an API.
#[derive(Debug, Default)]
pub struct MonthRows {
    pub services: Vec<ServiceRow>,
    pub measures: Vec<MeasureRow>,
    pub batches: Vec<BatchRow>,
    /// Unit-months the validation turned away (none with a fault-free simulator).
    pub rejected: usize,
}

/// Generates and validates `month` for every unit valid in it that reports by API.
pub fn month_rows(
    registry: &Registry,
    catalogue: &MeasureCatalogue,
    month: Month,
    seed: u64,
) -> MonthRows {
    let mut out = MonthRows::default();
    let units = registry
        .valid_in(month)
        .filter(|u| matches!(u.source, SourceConfig::Http { .. }));
    for unit in units {
        let page = generate(unit, month, seed);
        let whole = Completeness::WholeReport {
            expects_services: unit.group.provides_services(),
        };
        match validate(
            &unit.code,
            month,
            std::slice::from_ref(&page),
            whole,
            catalogue,
        ) {
            Ok(batch) => {
                let attempt = Attempt::start(Channel::Http, &unit.code, month);
                let (s, m, b) = stored_rows(&attempt, &batch, &batch.content_hash());
                out.services.extend(s);
                out.measures.extend(m);
                out.batches.push(b);
            }
            Err(_) => out.rejected += 1,
        }
    }
    out
}

/// What loading took.
#[derive(Debug, Default, Clone, Copy)]
pub struct Loaded {
    pub service_rows: u64,
    pub measure_rows: u64,
    pub rejected: usize,
    pub elapsed: Duration,
}

/// Loads `months` into `store`; generation (a blocking thread) overlaps the inserts.
pub async fn load(
    store: &Store,
    registry: &Registry,
    catalogue: &MeasureCatalogue,
    months: Vec<Month>,
    seed: u64,
) -> Result<Loaded, StoreError> {
    let started = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<MonthRows>(2);
    let (registry, catalogue) = (registry.clone(), catalogue.clone());
    let producer = tokio::task::spawn_blocking(move || {
        for m in months {
            if tx
                .blocking_send(month_rows(&registry, &catalogue, m, seed))
                .is_err()
            {
                break;
            }
        }
    });
    let mut loaded = Loaded::default();
    while let Some(rows) = rx.recv().await {
        store
            .write_batches(&rows.services, &rows.measures, &rows.batches)
            .await?;
        loaded.service_rows += rows.services.len() as u64;
        loaded.measure_rows += rows.measures.len() as u64;
        loaded.rejected += rows.rejected;
    }
    let _ = producer.await;
    loaded.elapsed = started.elapsed();
    Ok(loaded)
}
