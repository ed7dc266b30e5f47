//! `send_ledger`: every reminder and alert mail's key and its states
//! (pending → sending → sent | failed), newest row per key wins.

use chrono::{DateTime, Utc};
use clickhouse::Row;
use serde::{Deserialize, Serialize};
use serde_repr::{Deserialize_repr, Serialize_repr};

use super::{Store, StoreError};

/// Why a mail is sent (the `rule` column).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize_repr, Deserialize_repr,
)]
#[repr(i8)]
pub enum RuleKind {
    /// A unit lagging on an indicator, or in the bottom of its group.
    Lagging = 1,
    /// A unit that has not reported, before the deadline.
    NotReported = 2,
    /// A unit that has not reported, after the deadline (staff copied).
    Escalation = 3,
    /// The national summary for the ministry's staff.
    Digest = 4,
    /// Every reporting unit's monthly result, saying whether it is on track.
    Result = 5,
    /// A unit whose portal was down more than `portal_down_threshold_pct`
    /// of the month's probes (issue 15 §4).
    PortalDown = 6,
    /// A unit whose portal certificate had `cert_warn_days` or fewer left.
    CertExpiring = 7,
    /// A unit with no service plan past the plan deadline (1145/BTTTT-THH);
    /// numbered after its migration (0019), so parallel additions keep theirs.
    PlanMissing = 19,
}

impl RuleKind {
    pub const ALL: [RuleKind; 8] = [
        RuleKind::Lagging,
        RuleKind::NotReported,
        RuleKind::Escalation,
        RuleKind::Digest,
        RuleKind::Result,
        RuleKind::PortalDown,
        RuleKind::CertExpiring,
        RuleKind::PlanMissing,
    ];

    /// The stored name, also the name of the rule's templates.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Lagging => "lagging",
            RuleKind::NotReported => "not_reported",
            RuleKind::Escalation => "escalation",
            RuleKind::Digest => "digest",
            RuleKind::Result => "result",
            RuleKind::PortalDown => "portal_down",
            RuleKind::CertExpiring => "cert_expiring",
            RuleKind::PlanMissing => "plan_missing",
        }
    }
}

/// Where a key stands (the `state` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize_repr, Deserialize_repr)]
#[repr(i8)]
pub enum SendState {
    /// Due, not sent yet (never tried, or tried and to be retried).
    Pending = 1,
    /// Handed to the SMTP server; outcome unknown until `sent` follows.
    Sending = 2,
    /// The SMTP server accepted it. Never sent again.
    Sent = 3,
    /// Given up after the configured number of tries; shown in `chiso outbox`.
    Failed = 4,
    /// Stopped being due before it was sent (the unit reported, a later
    /// round took over): never sent, not in the outbox.
    NoLongerDue = 5,
}

impl SendState {
    pub fn as_str(self) -> &'static str {
        match self {
            SendState::Pending => "pending",
            SendState::Sending => "sending",
            SendState::Sent => "sent",
            SendState::Failed => "failed",
            SendState::NoLongerDue => "no_longer_due",
        }
    }
}

/// One row of `send_ledger`, column for column.
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct LedgerRow {
    pub key: String,
    pub rule: RuleKind,
    pub unit_code: String,
    pub period: String,
    pub recipient: String,
    pub message_id: String,
    pub state: SendState,
    pub tries: u16,
    pub last_reply: String,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub next_try_at: DateTime<Utc>,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub updated_at: DateTime<Utc>,
    pub version: u64,
    /// The lease's epoch this transition was granted under (the fencing
    /// token, issue 13); 0 in single-host mode.
    pub epoch: u64,
}

/// The newest state of every key, in the table's column order. In cluster
/// mode a row's version is above every earlier granted row of its key
/// (`notify::fence`), so the newest version is also the newest epoch's.
const NEWEST: &str = "SELECT key, argMax(rule, version), argMax(unit_code, version), \
     argMax(period, version), argMax(recipient, version), argMax(message_id, version), \
     argMax(state, version), argMax(tries, version), argMax(last_reply, version), \
     argMax(next_try_at, version), argMax(updated_at, version), max(version), \
     argMax(epoch, version) \
     FROM send_ledger";

impl Store {
    /// Appends states; each row's `version` must exceed its key's previous one.
    pub async fn record_sends(&self, rows: &[LedgerRow]) -> Result<(), StoreError> {
        self.insert_rows("send_ledger", rows).await
    }

    /// The newest state of every key of `period`, by key.
    pub async fn ledger(&self, period: &str) -> Result<Vec<LedgerRow>, StoreError> {
        let sql = format!("{NEWEST} WHERE period = ? GROUP BY key ORDER BY key");
        let q = self.client.query(&sql).bind(period);
        self.run("read the send ledger", q.fetch_all()).await
    }

    /// Every row of `period`'s keys, each transition as written, oldest
    /// version first: who moved which key when (the epoch says under which lease).
    pub async fn ledger_rows(&self, period: &str) -> Result<Vec<LedgerRow>, StoreError> {
        let q = self
            .client
            .query("SELECT ?fields FROM send_ledger WHERE period = ? ORDER BY key, version")
            .bind(period);
        self.run("read the send ledger's rows", q.fetch_all()).await
    }

    /// The newest state of every key not sent yet (pending, sending, failed),
    /// of every period, for `chiso outbox`; keys no longer due are settled.
    pub async fn outbox(&self) -> Result<Vec<LedgerRow>, StoreError> {
        let sql = format!(
            "{NEWEST} GROUP BY key HAVING argMax(state, version) NOT IN ('sent', 'no_longer_due') ORDER BY key"
        );
        self.run("read the outbox", self.client.query(&sql).fetch_all())
            .await
    }
}
