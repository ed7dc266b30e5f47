//! Stored results: `compute` writes a period's rankings as a new computation
//! only when they differ from the newest one (so recomputing changes nothing),
//! `freeze` (`freeze.rs`) publishes a computation with its as-of time, and
//! `published` reads what the rankings show: the newest frozen computation,
//! else the newest, with every publication of the period.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::figures::Deadline;
use super::national::{
    apply_rank_change, months_needed, national_ranking, rank_period, read_inputs, GroupRanking,
};
use super::rows::{from_rows, to_rows};
use crate::config::{IndicatorCatalogue, Registry};
use crate::domain::kept::Kept;
use crate::domain::{Month, Period, QuarterCalendar};
use crate::store::{ComputationRow, FreezeRow, PeriodRecords, Store, StoreError, Units};

pub use super::freeze::{FreezeOutcome, PublicationNote, Publishing};

/// What computing needs besides the period; cheap to build per command.
pub struct Computer<'a> {
    pub store: &'a Store,
    pub registry: &'a Registry,
    pub indicators: &'a IndicatorCatalogue,
    pub calendar: QuarterCalendar,
    pub deadline: Deadline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Written {
    /// A new computation was stored.
    Stored,
    /// The results equal the newest computation's: nothing was written.
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Computed {
    pub period: String,
    pub computation_id: String,
    pub written: Written,
    pub groups: Vec<GroupRanking>,
}

/// `Published` with its results shared with the in-memory copy.
#[derive(Debug, Clone)]
pub struct Publication {
    pub period: String,
    pub computation_id: String,
    pub computed_at: DateTime<Utc>,
    pub frozen_at: Option<DateTime<Utc>>,
    pub groups: Arc<Vec<GroupRanking>>,
    /// The freeze shown, when a frozen computation is shown.
    pub shown: Option<PublicationNote>,
    /// Every publication of the period, oldest first.
    pub history: Vec<PublicationNote>,
}

/// A period's results as pages and the API show them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Published {
    pub period: String,
    pub computation_id: String,
    pub computed_at: DateTime<Utc>,
    /// The as-of time of a frozen (published) period; `None` = provisional.
    pub frozen_at: Option<DateTime<Utc>>,
    pub groups: Vec<GroupRanking>,
    /// Every publication of the period, oldest first: who, when and why.
    pub publications: Vec<PublicationNote>,
}

impl From<Published> for Publication {
    /// A provisional ranking drawn like a stored one: frozen by nobody.
    fn from(p: Published) -> Self {
        Self {
            period: p.period,
            computation_id: p.computation_id,
            computed_at: p.computed_at,
            frozen_at: p.frozen_at,
            groups: Arc::new(p.groups),
            shown: None,
            history: p.publications,
        }
    }
}

impl Computer<'_> {
    /// Computes `period` and stores it as a new computation unless the newest
    /// stored one has the same results.
    pub async fn compute(&self, period: Period) -> Result<Computed, StoreError> {
        self.compute_periods(&[period])
            .await?
            .pop()
            .ok_or_else(|| StoreError::Missing(format!("the computation of {period}")))
    }

    /// Like `compute` for each of `periods` in order, reading the inputs of all
    /// of them once: a period's figures do not depend on which other periods
    /// are read with it, so the results are those of `compute`, but the store
    /// scans each month once instead of once per period that contains it, reads
    /// which computations exist in two queries, and writes every new one in one
    /// INSERT per table (119 periods of 2019–2025: see `make bench`).
    pub async fn compute_periods(&self, periods: &[Period]) -> Result<Vec<Computed>, StoreError> {
        let mut months: Vec<Month> = periods
            .iter()
            .flat_map(|p| months_needed(*p, self.calendar))
            .collect();
        months.sort();
        months.dedup();
        let inputs = read_inputs(
            self.store,
            (self.registry, self.indicators),
            &months,
            Units::All,
            self.deadline,
        )
        .await?;
        let mut keys: Vec<String> = periods
            .iter()
            .flat_map(|p| [p.to_string(), p.previous().to_string()])
            .collect();
        keys.sort();
        keys.dedup();
        let records = self.store.records_of(&keys).await?;
        // The newest computation of each period, as this run leaves it.
        let mut newest: HashMap<String, (String, String)> = HashMap::new();
        for (key, r) in &records {
            if let Some(c) = self.of_calendar(&r.computations).last() {
                newest.insert(
                    key.clone(),
                    (c.computation_id.clone(), c.content_hash.clone()),
                );
            }
        }
        let mut to_store = Vec::new();
        let mut out = Vec::with_capacity(periods.len());
        for &period in periods {
            let mut groups = rank_period(
                self.registry,
                self.indicators,
                &inputs,
                period,
                self.calendar,
            );
            // Rank changes are read against what was published: a frozen previous
            // period's ranks, not a recomputation of it from later data.
            if let Some(before) = records.get(&period.previous().to_string()) {
                if let Some(before) = self.frozen_results(before).await? {
                    apply_rank_change(&mut groups, &before);
                }
            }
            let hash = content_hash(&groups);
            let key = period.to_string();
            if let Some((id, _)) = newest.get(&key).filter(|(_, h)| *h == hash) {
                out.push(Computed {
                    period: key,
                    computation_id: id.clone(),
                    written: Written::Unchanged,
                    groups,
                });
                continue;
            }
            let now = Utc::now();
            let computation = ComputationRow {
                period: key.clone(),
                computation_id: uuid::Uuid::new_v4().to_string(),
                computed_at: now,
                version: micros(now),
                content_hash: hash.clone(),
                quarter_calendar: self.calendar.as_str().to_string(),
                units: groups.iter().map(|g| g.units.len() as u32).sum(),
            };
            let id = computation.computation_id.clone();
            newest.insert(key.clone(), (id.clone(), hash));
            to_store.push(to_rows(computation, &groups));
            out.push(Computed {
                period: key,
                computation_id: id,
                written: Written::Stored,
                groups,
            });
        }
        self.store.store_computations(&to_store).await?;
        Ok(out)
    }

    /// What the rankings show for `period`: the newest frozen computation, else
    /// the newest computation; `None` when it was never computed. Which one is
    /// published is read as pages read it (`Store::period_records`).
    pub async fn published(&self, period: Period) -> Result<Option<Published>, StoreError> {
        Ok(self.publication(period).await?.map(|p| Published {
            period: p.period,
            computation_id: p.computation_id,
            computed_at: p.computed_at,
            frozen_at: p.frozen_at,
            groups: p.groups.as_ref().clone(),
            publications: p.history,
        }))
    }

    /// Like `published`, the results shared rather than copied: what pages
    /// under load read.
    pub async fn publication(&self, period: Period) -> Result<Option<Publication>, StoreError> {
        self.publication_as_of(period, None).await
    }

    /// The publication of `period` made by the freeze of `version` (an
    /// earlier one stays readable), or what `publication` shows when `None`.
    /// `None` too when no such freeze or computation exists.
    pub async fn publication_as_of(
        &self,
        period: Period,
        version: Option<u64>,
    ) -> Result<Option<Publication>, StoreError> {
        let key = period.to_string();
        let records = self.store.period_records(&key).await?;
        let chosen = match version {
            None => self.chosen(&records),
            Some(v) => self.frozen_by(&records, |f| f.version == v),
        };
        let Some((computation, freeze)) = chosen else {
            return Ok(None);
        };
        let groups = self.results(computation).await?;
        Ok(Some(Publication {
            period: key,
            computation_id: computation.computation_id.clone(),
            computed_at: computation.computed_at,
            frozen_at: freeze.map(|f| f.frozen_at),
            groups,
            shown: freeze.map(PublicationNote::from),
            history: self.history(&records),
        }))
    }

    /// Every freeze of the period whose computation is of this calendar.
    fn history(&self, records: &PeriodRecords) -> Vec<PublicationNote> {
        let computations = self.of_calendar(&records.computations);
        records
            .freezes
            .iter()
            .filter(|f| {
                computations
                    .iter()
                    .any(|c| c.computation_id == f.computation_id)
            })
            .map(PublicationNote::from)
            .collect()
    }

    /// The published results of `period` shared, not copied: for readers that
    /// take a little of them (one unit's standing, national figures).
    pub async fn published_groups(
        &self,
        period: Period,
    ) -> Result<Option<Arc<Vec<GroupRanking>>>, StoreError> {
        Ok(self.publication(period).await?.map(|p| p.groups))
    }

    /// The published results, or a provisional computation from the current
    /// data when the period was never computed (nothing is stored by reading).
    pub async fn published_or_live(&self, period: Period) -> Result<Published, StoreError> {
        if let Some(p) = self.published(period).await? {
            return Ok(p);
        }
        let groups = self.live(period).await?;
        Ok(Published {
            period: period.to_string(),
            computation_id: String::new(),
            computed_at: Utc::now(),
            frozen_at: None,
            groups: groups.as_ref().clone(),
            publications: Vec::new(),
        })
    }

    /// The published results shared, or the rankings from the current data
    /// when the period was never computed.
    pub async fn groups_or_live(
        &self,
        period: Period,
    ) -> Result<Arc<Vec<GroupRanking>>, StoreError> {
        match self.published_groups(period).await? {
            Some(groups) => Ok(groups),
            None => self.live(period).await,
        }
    }

    /// The rankings of a never-computed `period` from the current data, made
    /// once per collect run (`Store::since_collect`): pages over months never
    /// computed computed them on every request (11 pages/s, `make bench`).
    async fn live(&self, period: Period) -> Result<Arc<Vec<GroupRanking>>, StoreError> {
        let key = format!("live/{}/{period}", self.calendar.as_str());
        self.store.since_collect(&key, || self.rank(period)).await
    }

    /// Computes every period a month's data feeds (month, quarter, year, year
    /// to date) for each of `months`, in order; what the compute job runs.
    pub async fn compute_months(&self, months: &[Month]) -> Result<Vec<Computed>, StoreError> {
        let mut periods: Vec<Period> = Vec::new();
        for &m in months {
            for p in Period::containing(m, self.calendar) {
                if !periods.contains(&p) {
                    periods.push(p);
                }
            }
        }
        self.compute_periods(&periods).await
    }

    /// The rankings of `period` from the current data.
    async fn rank(&self, period: Period) -> Result<Vec<GroupRanking>, StoreError> {
        national_ranking(
            self.store,
            self.registry,
            self.indicators,
            period,
            self.calendar,
            self.deadline,
        )
        .await
    }

    /// The computation a period's records publish and its freeze: the newest
    /// frozen one, else the newest (provisional, `None`).
    fn chosen<'r>(
        &self,
        records: &'r PeriodRecords,
    ) -> Option<(&'r ComputationRow, Option<&'r FreezeRow>)> {
        let newest = records.newest_freeze().map(|f| f.version);
        self.frozen_by(records, |f| Some(f.version) == newest)
            .or_else(|| {
                self.of_calendar(&records.computations)
                    .last()
                    .map(|c| (*c, None))
            })
    }

    /// The freeze of `records` that `pick` picks, with its computation.
    fn frozen_by<'r>(
        &self,
        records: &'r PeriodRecords,
        pick: impl Fn(&FreezeRow) -> bool,
    ) -> Option<(&'r ComputationRow, Option<&'r FreezeRow>)> {
        let computations = self.of_calendar(&records.computations);
        records
            .freezes
            .iter()
            .rev()
            .find(|f| pick(f))
            .and_then(|f| {
                computations
                    .iter()
                    .find(|c| c.computation_id == f.computation_id)
                    .map(|c| (*c, Some(f)))
            })
    }

    /// The results of a frozen period, `None` when it is not frozen.
    async fn frozen_results(
        &self,
        records: &PeriodRecords,
    ) -> Result<Option<Arc<Vec<GroupRanking>>>, StoreError> {
        match self.chosen(records) {
            Some((computation, Some(_))) => Ok(Some(self.results(computation).await?)),
            _ => Ok(None),
        }
    }

    /// A stored computation's results, read once per process.
    async fn results(
        &self,
        computation: &ComputationRow,
    ) -> Result<Arc<Vec<GroupRanking>>, StoreError> {
        let id = &computation.computation_id;
        if let Some(groups) = kept_results().get(id) {
            return Ok(groups);
        }
        let rows = self.store.computation_rows(computation.clone()).await?;
        let groups = Arc::new(from_rows(&rows));
        kept_results().keep(id.clone(), groups.clone());
        Ok(groups)
    }

    /// A quarter means different months under the 676 calendar: computations
    /// made under another calendar are not this period's.
    fn of_calendar<'r>(&self, all: &'r [ComputationRow]) -> Vec<&'r ComputationRow> {
        all.iter()
            .filter(|c| c.quarter_calendar == self.calendar.as_str())
            .collect()
    }
}

/// A stored computation never changes (a recompute stores a new one, and its
/// `computations` row is written after its results), so its results are kept
/// in memory by id once read: showing a published period then reads its
/// results once per process (the ranking page under load: see `make bench`).
/// A period's pages name few computations: the frozen one and the newest.
fn kept_results() -> &'static Kept<Arc<Vec<GroupRanking>>> {
    static KEPT: OnceLock<Kept<Arc<Vec<GroupRanking>>>> = OnceLock::new();
    KEPT.get_or_init(|| Kept::new(256))
}

/// SHA-256 of the results as JSON: equal results, equal hash.
pub fn content_hash(groups: &[GroupRanking]) -> String {
    let json = serde_json::to_vec(groups).unwrap_or_default();
    Sha256::digest(&json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(super) fn micros(t: DateTime<Utc>) -> u64 {
    u64::try_from(t.timestamp_micros()).unwrap_or(0)
}
