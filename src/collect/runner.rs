//! `chiso collect`: every unit valid in the month, pulled concurrently (bounded).

use std::time::Duration;

use futures::stream::{self, StreamExt};

use super::http::{fetch_month, Endpoint, FetchError};
use super::pending::{Decided, PendingWrites, FLUSH_ROWS};
use super::reply::Clients;
use super::report::{Report, UnitResult};
use super::sink::{decide, fail, reject, Attempt, Transport};
use super::validate::{validate, Completeness, Rejection};
use crate::config::{CollectorSettings, MeasureCatalogue, Registry, SourceConfig, Unit};
use crate::domain::{Clock, Month, UnitCode};
use crate::store::{Channel, CurrentBatch, Store};

/// Everything a collection run needs; cheap to share between tasks by reference.
pub struct Collector {
    pub store: Store,
    pub registry: Registry,
    pub catalogue: MeasureCatalogue,
    pub settings: CollectorSettings,
    http: Clients,
    /// The wall clock, except in the demo's replay of past months.
    pub clock: Clock,
}

#[derive(Debug, thiserror::Error)]
pub enum CollectorError {
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("unit '{0}' is not in the registry")]
    UnknownUnit(String),
    #[error("unit {unit} is not valid in {month} (valid {from} to {until})")]
    NotValid {
        unit: String,
        month: Month,
        from: String,
        until: String,
    },
}

impl Collector {
    pub fn new(
        store: Store,
        registry: Registry,
        catalogue: MeasureCatalogue,
        settings: CollectorSettings,
    ) -> Result<Self, CollectorError> {
        let timeout = Duration::from_secs(settings.timeout_secs);
        let http = Clients::new(timeout)?;
        Ok(Self {
            store,
            registry,
            catalogue,
            settings,
            http,
            clock: Clock::wall(),
        })
    }

    /// Units a run for `month` covers: one unit, or all valid in the month.
    pub fn units_for(
        &self,
        month: Month,
        only: Option<&str>,
    ) -> Result<Vec<&Unit>, CollectorError> {
        match only {
            None => Ok(self.registry.valid_in(month).collect()),
            Some(code) => {
                let unit = self
                    .registry
                    .get(&UnitCode::new(code))
                    .ok_or_else(|| CollectorError::UnknownUnit(code.into()))?;
                if !unit.valid_in(month) {
                    return Err(CollectorError::NotValid {
                        unit: code.into(),
                        month,
                        from: unit.from.to_string(),
                        until: unit
                            .until
                            .map(|d| d.to_string())
                            .unwrap_or_else(|| "now".into()),
                    });
                }
                Ok(vec![unit])
            }
        }
    }

    /// Collects `month` for the given units; never stops at one unit's failure.
    pub async fn collect(&self, month: Month, units: &[&Unit], dry_run: bool) -> Report {
        let runs = self
            .collect_months(&[(month, units.to_vec())], dry_run)
            .await;
        runs.into_iter().next().unwrap_or_default()
    }

    /// Collects several months (each with its units) as one stream of pulls,
    /// so that writing one month overlaps pulling the next; a report per
    /// month, in the order given.
    pub async fn collect_months(&self, runs: &[(Month, Vec<&Unit>)], dry_run: bool) -> Vec<Report> {
        let mut reports: Vec<Report> = runs
            .iter()
            .map(|_| Report {
                dry_run,
                ..Report::default()
            })
            .collect();
        let mut pulls = Vec::new();
        let mut current = Vec::new();
        for ((month, units), report) in runs.iter().zip(&mut reports) {
            let mut month_pulls = Vec::new();
            for unit in units {
                match self.endpoint(unit) {
                    Some(endpoint) => month_pulls.push((*unit, endpoint, *month)),
                    None => report
                        .skipped
                        .push((unit.code.clone(), "reports by file (chiso import)".into())),
                }
            }
            // One read says what each unit-month holds now; without it a pull
            // cannot tell a new version from a repeat, so nothing is pulled.
            match self.store.current_batches(*month).await {
                Ok(c) => {
                    current.push((*month, c));
                    pulls.extend(month_pulls);
                }
                Err(e) => {
                    let error = format!("reading what is stored: {e}");
                    for (unit, _, month) in month_pulls {
                        let attempt =
                            Attempt::start_at(Channel::Http, &unit.code, month, self.clock.now());
                        let t = Transport {
                            http_status: 0,
                            tries: 0,
                        };
                        let failed = fail(&self.store, &attempt, t, &error, dry_run).await;
                        report.results.push(failed);
                    }
                }
            }
        }
        // Futures built first (they start only when polled): a closure inside the
        // stream would keep this future from being provably Send, which the
        // scheduler's jobs must be (rust-lang/rust#110338).
        let pulls: Vec<_> = pulls
            .into_iter()
            .map(|(unit, endpoint, month)| {
                let current = current
                    .iter()
                    .find(|(m, _)| *m == month)
                    .and_then(|(_, c)| c.get(unit.code.as_str()));
                self.collect_unit(unit, endpoint, month, current, dry_run)
            })
            .collect();
        let mut decided = stream::iter(pulls).buffer_unordered(self.settings.concurrency.max(1));
        let mut results = Vec::new();
        let mut pending = PendingWrites::with_room();
        // At most one write in flight, beside the pulls; its buffers come back
        // for the next flush.
        let mut writing: Option<Writer> = None;
        let mut spare: Option<PendingWrites> = None;
        while let Some(d) = decided.next().await {
            pending.add(d);
            if pending.rows() >= FLUSH_ROWS {
                if let Some(w) = writing.take() {
                    let (written, emptied) = w.finish().await;
                    results.extend(written);
                    spare = emptied;
                }
                let next = spare.take().unwrap_or_else(PendingWrites::with_room);
                writing = Some(Writer::start(
                    &self.store,
                    std::mem::replace(&mut pending, next),
                ));
            }
        }
        if let Some(w) = writing.take() {
            results.extend(w.finish().await.0);
        }
        results.extend(pending.flush(&self.store).await);
        for result in results {
            log(&result);
            if let Some(i) = runs.iter().position(|(m, _)| *m == result.month) {
                reports[i].results.push(result);
            }
        }
        for report in &mut reports {
            report
                .results
                .sort_by(|a, b| (&a.unit, a.month).cmp(&(&b.unit, b.month)));
        }
        reports
    }

    fn endpoint(&self, unit: &Unit) -> Option<Endpoint> {
        match &unit.source {
            SourceConfig::File => None,
            SourceConfig::Http {
                base_url,
                token_env,
                allow_private_address,
            } => {
                let base_url = match &self.settings.source_override {
                    Some(base) => format!("{}/{}", base.trim_end_matches('/'), unit.code),
                    None => base_url.clone(),
                };
                Some(Endpoint {
                    base_url,
                    token: std::env::var(token_env).ok().filter(|t| !t.is_empty()),
                    // The simulator runs on loopback.
                    allow_private: *allow_private_address
                        || self.settings.source_override.is_some(),
                })
            }
        }
    }

    /// Pulls and validates one unit-month. A valid one comes back decided and
    /// not yet written; a rejected or failed one is already recorded.
    async fn collect_unit(
        &self,
        unit: &Unit,
        endpoint: Endpoint,
        month: Month,
        current: Option<&CurrentBatch>,
        dry_run: bool,
    ) -> Decided {
        let attempt = Attempt::start_at(Channel::Http, &unit.code, month, self.clock.now());
        let http = self.http.for_endpoint(endpoint.allow_private);
        let fetched = fetch_month(http, &self.settings, &endpoint, &unit.code, month).await;
        let result = match fetched {
            Ok(f) => {
                let t = Transport {
                    http_status: f.http_status,
                    tries: f.tries,
                };
                let whole = Completeness::WholeReport {
                    expects_services: unit.group.provides_services(),
                };
                match validate(&unit.code, month, &f.pages, whole, &self.catalogue) {
                    Ok(batch) => return decide(&attempt, &batch, current, t, dry_run),
                    Err(rejection) => {
                        reject(
                            &self.store,
                            &attempt,
                            &rejection,
                            f.raw.join("\n"),
                            t,
                            dry_run,
                        )
                        .await
                    }
                }
            }
            Err(FetchError::Malformed {
                field,
                detail,
                raw,
                http_status,
                tries,
            }) => {
                let rejection = Rejection {
                    unit: unit.code.clone(),
                    month,
                    field,
                    reason: format!("malformed payload: {detail}"),
                    kind: Box::new(super::ProblemKind::Other(format!(
                        "malformed payload: {detail}"
                    ))),
                };
                reject(
                    &self.store,
                    &attempt,
                    &rejection,
                    raw.join("\n"),
                    Transport { http_status, tries },
                    dry_run,
                )
                .await
            }
            Err(e) => {
                let t = Transport {
                    http_status: e.http_status(),
                    tries: e.tries(),
                };
                fail(&self.store, &attempt, t, &e.to_string(), dry_run).await
            }
        };
        Decided {
            result,
            attempt: None,
            rows: None,
        }
    }
}

/// A write of held unit-months running as its own task.
struct Writer {
    unit_months: Vec<(UnitCode, Month)>,
    task: tokio::task::JoinHandle<(Vec<UnitResult>, PendingWrites)>,
}

impl Writer {
    fn start(store: &Store, mut pending: PendingWrites) -> Self {
        let store = store.clone();
        Self {
            unit_months: pending.unit_months(),
            task: tokio::spawn(async move {
                let results = pending.flush(&store).await;
                (results, pending)
            }),
        }
    }

    /// The write's results and its emptied buffers; a writer lost (it cannot
    /// panic, but a runtime shutting down ends it) fails every unit-month it
    /// carried, named.
    async fn finish(self) -> (Vec<UnitResult>, Option<PendingWrites>) {
        match self.task.await {
            Ok((results, emptied)) => (results, Some(emptied)),
            Err(e) => (
                self.unit_months
                    .into_iter()
                    .map(|(unit, month)| {
                        let mut r = UnitResult::new(&unit, month, (0, 0));
                        r.message = format!("unit {unit}, month {month}: the write ended: {e}");
                        r
                    })
                    .collect(),
                None,
            ),
        }
    }
}

fn log(result: &UnitResult) {
    let (unit, month) = (&result.unit, result.month);
    match result.outcome.is_success() {
        true => {
            tracing::info!(%unit, %month, outcome = result.outcome.as_str(), services = result.services, "collected")
        }
        false => {
            tracing::warn!(%unit, %month, outcome = result.outcome.as_str(), error = %result.message, "not collected")
        }
    }
}
