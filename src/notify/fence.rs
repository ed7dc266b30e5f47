//! Fencing the send ledger (issue 13 §2; docs/alerts.md, Fencing). In
//! cluster mode every transition of a key — its first `pending` row,
//! `sending`, then `sent`, `pending` again or `failed` — is first written to
//! the key's claim in ZooKeeper, in one `multi` with the lease's checks
//! (`lease::Lease::commit_claim`), and recorded in `send_ledger` only once
//! granted. ZooKeeper refuses the claim of a deposed leader, so a process
//! that wakes from a pause cannot move a key again, whatever it believes.
//! A granted row's version is above the claim's previous one: the newest
//! version in `send_ledger` is the newest grant, whoever wrote it late.
//! In single-host mode rows are written as they come, under the remind lock.

use std::collections::HashMap;

use crate::lease::{ClaimName, Leadership, Lease, LeaseError};
use crate::store::{LedgerRow, Store};

use super::NotifyError;

/// Test hook: `1` switches the application-side checks off — the leadership
/// check before each ledger write and the stop of a running job when the
/// lease is lost — so a test sees ZooKeeper's own refusal (tests/it/lease.rs).
pub const TRUST_ZOOKEEPER_ONLY_ENV: &str = "CHISO_TEST_TRUST_ZOOKEEPER_ONLY";

/// True when the test hook above is set.
pub fn zookeeper_only() -> bool {
    std::env::var(TRUST_ZOOKEEPER_ONLY_ENV).is_ok_and(|v| v == "1")
}

/// One remind run's ledger writes.
pub struct LedgerWriter<'a> {
    store: &'a Store,
    lease: &'a Lease,
    /// Each claim's ZooKeeper version after this run's own reads and grants.
    versions: HashMap<String, i32>,
}

impl<'a> LedgerWriter<'a> {
    pub fn new(store: &'a Store, lease: &'a Lease) -> Self {
        Self {
            store,
            lease,
            versions: HashMap::new(),
        }
    }

    /// True in cluster mode: writes go through ZooKeeper's claims.
    pub fn is_fenced(&self) -> bool {
        self.lease.is_cluster()
    }

    /// The key's state to act on: in cluster mode the claim's when it is
    /// newer than `row` (a grant whose row never reached `send_ledger`,
    /// written there now), else `row`.
    pub async fn current(&mut self, row: &LedgerRow) -> Result<LedgerRow, NotifyError> {
        if !self.lease.is_cluster() {
            return Ok(row.clone());
        }
        let name = claim_name(row)?;
        let Some(claim) = self.lease.read_claim(&name).await? else {
            return Ok(row.clone());
        };
        self.versions.insert(row.key.clone(), claim.version);
        let granted: LedgerRow =
            serde_json::from_slice(&claim.data).map_err(|e| NotifyError::Claim {
                key: row.key.clone(),
                reason: format!("unreadable claim: {e}"),
            })?;
        if granted.version > row.version {
            tracing::info!(key = %row.key, state = granted.state.as_str(), epoch = granted.epoch, "the ledger lagged its claim; recorded from the claim");
            self.store
                .record_sends(std::slice::from_ref(&granted))
                .await?;
            return Ok(granted);
        }
        Ok(row.clone())
    }

    /// Records `next`, the successor of the key's current row (or its first
    /// row), once ZooKeeper granted it; returns the row as written.
    pub async fn record(&mut self, next: LedgerRow) -> Result<LedgerRow, NotifyError> {
        if !self.lease.is_cluster() {
            self.store.record_sends(std::slice::from_ref(&next)).await?;
            return Ok(next);
        }
        if !zookeeper_only() {
            let now = self.lease.leadership();
            if !now.leads() {
                return Err(NotifyError::NotLeader(now));
            }
        }
        let name = claim_name(&next)?;
        let mut granted = next;
        if let Some(epoch) = self.lease.held_epoch() {
            granted.epoch = epoch;
        }
        let data = serde_json::to_vec(&granted).map_err(|e| NotifyError::Claim {
            key: granted.key.clone(),
            reason: e.to_string(),
        })?;
        let expected = self.versions.get(&granted.key).copied();
        match self.lease.commit_claim(&name, &data, expected).await {
            Ok(_) => {}
            Err(e @ LeaseError::Refused { .. }) => {
                tracing::error!(key = %granted.key, state = granted.state.as_str(), error = %e, "ledger write refused");
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        }
        self.versions.insert(
            granted.key.clone(),
            expected.map_or(0, |v| v.saturating_add(1)),
        );
        self.store
            .record_sends(std::slice::from_ref(&granted))
            .await?;
        Ok(granted)
    }
}

/// The claim of a key: its Message-ID's digest (`<hex@chiso.invalid>`).
fn claim_name(row: &LedgerRow) -> Result<ClaimName, NotifyError> {
    let hex = row
        .message_id
        .trim_start_matches('<')
        .split('@')
        .next()
        .unwrap_or_default();
    ClaimName::new(hex).ok_or_else(|| NotifyError::Claim {
        key: row.key.clone(),
        reason: format!("no claim name in Message-ID {}", row.message_id),
    })
}

/// Why a run stopped without the lease, for its report.
pub fn not_leading(now: &Leadership) -> String {
    format!(
        "this instance does not hold the lease ({}): the remaining mails stay pending for the leader",
        now.role()
    )
}
