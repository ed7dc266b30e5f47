//! The one place an accepted or refused unit-month is written down: data rows,
//! batch record, attempt record, rejected payload. HTTP pulls and CSV imports
//! both end here, so they are stored and recorded alike.

use chrono::{DateTime, Utc};

use super::pending::{Decided, PendingWrites};
use super::report::UnitResult;
use super::validate::{Batch, Rejection};
use crate::domain::{Month, UnitCode};
use crate::store::{
    AttemptRow, BatchRow, Channel, CurrentBatch, MeasureRow, Outcome, RejectedRow, ServiceRow,
    Store,
};

/// Longest reason an attempt record keeps.
const MAX_REASON_CHARS: usize = 600;

fn cut(text: &str) -> String {
    text.chars().take(MAX_REASON_CHARS).collect()
}

/// One collection attempt of one unit-month.
pub struct Attempt {
    pub id: String,
    /// Orders versions of a unit-month: microseconds since the epoch at the start.
    pub version: u64,
    pub started_at: DateTime<Utc>,
    pub channel: Channel,
    pub unit: UnitCode,
    pub month: Month,
    /// Later times of the attempt (finished, stored) are its start plus the
    /// time elapsed since, so they follow the clock it started on.
    elapsed: std::time::Instant,
}

impl Attempt {
    pub fn start(channel: Channel, unit: &UnitCode, month: Month) -> Self {
        Self::start_at(channel, unit, month, Utc::now())
    }

    /// An attempt starting at `started_at` of the collector's clock.
    pub fn start_at(
        channel: Channel,
        unit: &UnitCode,
        month: Month,
        started_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            version: u64::try_from(started_at.timestamp_micros()).unwrap_or_default(),
            started_at,
            channel,
            unit: unit.clone(),
            month,
            elapsed: std::time::Instant::now(),
        }
    }

    /// Now, on the clock the attempt started on.
    pub fn now(&self) -> DateTime<Utc> {
        let elapsed = chrono::Duration::from_std(self.elapsed.elapsed()).unwrap_or_default();
        self.started_at + elapsed
    }

    fn record(
        &self,
        outcome: Outcome,
        http_status: u16,
        tries: u32,
        counts: (usize, usize),
        error: &str,
    ) -> AttemptRow {
        AttemptRow {
            attempt_id: self.id.clone(),
            unit_code: self.unit.to_string(),
            month: self.month.first_day(),
            channel: self.channel,
            started_at: self.started_at,
            started_us: self.version,
            finished_at: self.now(),
            outcome,
            http_status,
            tries: u8::try_from(tries).unwrap_or(u8::MAX),
            services: u32::try_from(counts.0).unwrap_or(u32::MAX),
            measures: u32::try_from(counts.1).unwrap_or(u32::MAX),
            // Reasons quote a unit's words (codes, names): bounded, whatever it sent.
            error: cut(error),
        }
    }
}

/// Transport facts of the attempt, for its record.
pub(crate) struct Transport {
    pub http_status: u16,
    pub tries: u32,
}

/// Stores a valid batch unless it equals what is stored; records the attempt.
pub(crate) async fn accept(
    store: &Store,
    attempt: &Attempt,
    batch: &Batch,
    t: Transport,
    dry_run: bool,
) -> UnitResult {
    let current = match store
        .current_batch(attempt.unit.as_str(), attempt.month)
        .await
    {
        Ok(c) => c,
        Err(e) => return fail(store, attempt, t, &e.to_string(), dry_run).await,
    };
    let mut pending = PendingWrites::default();
    pending.add(decide(attempt, batch, current.as_ref(), t, dry_run));
    let mut results = pending.flush(store).await;
    results
        .pop()
        .unwrap_or_else(|| UnitResult::new(&attempt.unit, attempt.month, (0, 0)))
}

/// What storing a valid batch comes to, given the unit-month's current batch:
/// a new version when its content differs, else nothing (`Unchanged`).
pub(crate) fn decide(
    attempt: &Attempt,
    batch: &Batch,
    current: Option<&CurrentBatch>,
    t: Transport,
    dry_run: bool,
) -> Decided {
    let counts = (batch.services.len(), batch.measures.len());
    let mut result = UnitResult::new(&attempt.unit, attempt.month, counts);
    let hash = batch.content_hash();
    result.replaced = current.map(|c| (c.services, c.measures));
    // In a dry run, Stored means "would store"; the report says so.
    let unchanged = current.is_some_and(|c| c.content_hash == hash);
    result.outcome = if unchanged {
        Outcome::Unchanged
    } else {
        Outcome::Stored
    };
    if dry_run {
        return Decided {
            result,
            attempt: None,
            rows: None,
        };
    }
    Decided {
        attempt: Some(attempt.record(result.outcome, t.http_status, t.tries, counts, "")),
        rows: (!unchanged).then(|| rows(attempt, batch, &hash)),
        result,
    }
}

/// Records a rejected payload, kept whole, with its reason and field.
pub(crate) async fn reject(
    store: &Store,
    attempt: &Attempt,
    rejection: &Rejection,
    payload: String,
    t: Transport,
    dry_run: bool,
) -> UnitResult {
    let mut result = UnitResult::new(&attempt.unit, attempt.month, (0, 0));
    result.outcome = Outcome::Rejected;
    result.message = rejection.to_string();
    result.field = Some(rejection.field.clone());
    if dry_run {
        return result;
    }
    let rejected = RejectedRow {
        attempt_id: attempt.id.clone(),
        unit_code: attempt.unit.to_string(),
        month: attempt.month.first_day(),
        received_at: attempt.now(),
        // Field and reason quote the unit's words: bounded; the payload is
        // kept whole for review.
        field: cut(&rejection.field),
        reason: cut(&rejection.reason),
        payload,
    };
    let row = attempt.record(
        Outcome::Rejected,
        t.http_status,
        t.tries,
        (0, 0),
        &result.message,
    );
    for outcome in [
        store.record_rejection(&rejected).await,
        store.record_attempt(&row).await,
    ] {
        if let Err(e) = outcome {
            result.note_record_failure(&e.to_string());
        }
    }
    result
}

/// Records an attempt that got no usable answer.
pub(crate) async fn fail(
    store: &Store,
    attempt: &Attempt,
    t: Transport,
    error: &str,
    dry_run: bool,
) -> UnitResult {
    let mut result = UnitResult::new(&attempt.unit, attempt.month, (0, 0));
    result.outcome = Outcome::Failed;
    result.message = format!("unit {}, month {}: {error}", attempt.unit, attempt.month);
    if !dry_run {
        let row = attempt.record(
            Outcome::Failed,
            t.http_status,
            t.tries,
            (0, 0),
            &result.message,
        );
        if let Err(e) = store.record_attempt(&row).await {
            result.note_record_failure(&e.to_string());
        }
    }
    result
}

/// The rows `accept` stores for a batch; also the bench's fast loader (`tools/bench`).
pub fn rows(
    attempt: &Attempt,
    batch: &Batch,
    hash: &str,
) -> (Vec<ServiceRow>, Vec<MeasureRow>, BatchRow) {
    use crate::domain::ServiceLevel;
    use crate::store::LevelCode;
    let month = attempt.month.first_day();
    let unit = attempt.unit.to_string();
    let services = batch
        .services
        .iter()
        .map(|s| ServiceRow {
            unit_code: unit.clone(),
            month,
            service_code: s.code.clone(),
            service_name: s.name.clone(),
            field: s.field.clone(),
            level: match s.level {
                ServiceLevel::FullOnline => LevelCode::FullOnline,
                ServiceLevel::PartialOnline => LevelCode::PartialOnline,
                ServiceLevel::NotOnline => LevelCode::NotOnline,
            },
            eligible_full_online: u8::from(s.eligible_full_online),
            integrated_national_portal: u8::from(s.integrated_national_portal),
            received: s.received,
            received_online: s.received_online,
            processed: s.processed,
            processed_on_time: s.processed_on_time,
            processed_late: s.processed_late,
            pending_overdue: s.pending_overdue,
            attempt_id: attempt.id.clone(),
            version: attempt.version,
            collected_at: attempt.started_at,
        })
        .collect();
    let default_source = match attempt.channel {
        Channel::Http => "unit:http",
        Channel::Csv => "unit:csv",
    };
    let measures = batch
        .measures
        .iter()
        .map(|m| MeasureRow {
            unit_code: unit.clone(),
            month,
            measure_code: m.code.clone(),
            value: m.value,
            source: m
                .source
                .clone()
                .unwrap_or_else(|| default_source.to_string()),
            attempt_id: attempt.id.clone(),
            version: attempt.version,
            collected_at: attempt.started_at,
        })
        .collect();
    let record = BatchRow {
        unit_code: unit,
        month,
        attempt_id: attempt.id.clone(),
        version: attempt.version,
        content_hash: hash.to_string(),
        services: u32::try_from(batch.services.len()).unwrap_or(u32::MAX),
        measures: u32::try_from(batch.measures.len()).unwrap_or(u32::MAX),
        stored_at: attempt.now(),
    };
    (services, measures, record)
}
