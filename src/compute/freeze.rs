//! Publishing (freezing) a period: who, when and why. A first freeze
//! publishes the period; a later one, from a newer computation, revises it
//! and the earlier one is kept. `chiso compute --freeze` and the ranking
//! page's form both end here, and both go to the audit log.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::publish::{micros, Computer, Published};
use crate::domain::Period;
use crate::store::{AuditEvent, AuditKind, FreezeRow, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FreezeOutcome {
    /// Published: for the first time, or a revision of an earlier publication
    /// (the period's `publications` then list both).
    Frozen,
    /// The newest computation was already the frozen one.
    AlreadyFrozen,
}

/// Who publishes a period and why: an account's login (empty: the command
/// line) and a reason, kept with the freeze and in the audit log.
#[derive(Debug, Clone, Copy, Default)]
pub struct Publishing<'a> {
    pub by: &'a str,
    pub reason: &'a str,
}

/// One publication (freeze) of a period: which computation, when, who, why.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PublicationNote {
    /// Names this publication: `/xep-hang?period=P&cong_bo=VERSION` shows it.
    pub version: u64,
    pub computation_id: String,
    /// Its as-of time.
    pub frozen_at: DateTime<Utc>,
    /// The account that published; empty: the command line.
    pub frozen_by: String,
    pub reason: String,
}

impl From<&FreezeRow> for PublicationNote {
    fn from(f: &FreezeRow) -> Self {
        Self {
            version: f.version,
            computation_id: f.computation_id.clone(),
            frozen_at: f.frozen_at,
            frozen_by: f.frozen_by.clone(),
            reason: f.reason.clone(),
        }
    }
}

impl Computer<'_> {
    /// Computes `period` (storing it if changed) and publishes the newest
    /// computation with the as-of time of now, from the command line without
    /// a reason. Freezing twice freezes once.
    pub async fn freeze(&self, period: Period) -> Result<(FreezeOutcome, Published), StoreError> {
        self.publish(period, Publishing::default()).await
    }

    /// `freeze` by someone for a reason. A period published before and
    /// computed anew since is revised: a new freeze, the earlier one kept.
    pub async fn publish(
        &self,
        period: Period,
        who: Publishing<'_>,
    ) -> Result<(FreezeOutcome, Published), StoreError> {
        let computed = self.compute(period).await?;
        let key = period.to_string();
        let records = self.store.records_of(std::slice::from_ref(&key)).await?;
        let frozen = records.get(&key).and_then(|r| r.newest_freeze());
        let outcome = match frozen {
            Some(f) if f.computation_id == computed.computation_id => FreezeOutcome::AlreadyFrozen,
            _ => FreezeOutcome::Frozen,
        };
        if outcome == FreezeOutcome::Frozen {
            let now = Utc::now();
            let row = FreezeRow {
                period: key.clone(),
                computation_id: computed.computation_id.clone(),
                frozen_at: now,
                version: micros(now),
                frozen_by: who.by.to_string(),
                reason: who.reason.to_string(),
            };
            self.store.store_freeze(&row).await?;
            let what = if frozen.is_some() {
                "revision"
            } else {
                "publication"
            };
            let event = AuditEvent::new(AuditKind::Freeze, who.by, &key).with_detail(format!(
                "{what}: computation {}; reason: {}",
                computed.computation_id, who.reason
            ));
            self.store.audit_or_warn(&event).await;
        }
        let published = self
            .published(period)
            .await?
            .ok_or_else(|| StoreError::Missing(format!("the computation of {key} just stored")))?;
        Ok((outcome, published))
    }
}
