//! `audit_log` of the private database (sql/private/0002): logins, account
//! and token changes, freezes, imports, SQL queries and remind runs. Rows are
//! only ever inserted.

use chrono::{DateTime, Utc};
use clickhouse::Row;
use serde::{Deserialize, Serialize};
use serde_repr::{Deserialize_repr, Serialize_repr};

use super::quorum::Database;
use super::{Store, StoreError};

/// `audit_log.kind`, the Enum8 values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize_repr, Deserialize_repr)]
#[repr(i8)]
pub enum AuditKind {
    LoginSucceeded = 1,
    LoginFailed = 2,
    LoginThrottled = 3,
    Logout = 4,
    AccountChanged = 5,
    TokenChanged = 6,
    Freeze = 7,
    Import = 8,
    SqlQuery = 9,
    RemindRun = 10,
}

impl AuditKind {
    pub const ALL: [AuditKind; 10] = [
        AuditKind::LoginSucceeded,
        AuditKind::LoginFailed,
        AuditKind::LoginThrottled,
        AuditKind::Logout,
        AuditKind::AccountChanged,
        AuditKind::TokenChanged,
        AuditKind::Freeze,
        AuditKind::Import,
        AuditKind::SqlQuery,
        AuditKind::RemindRun,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::LoginSucceeded => "login_succeeded",
            AuditKind::LoginFailed => "login_failed",
            AuditKind::LoginThrottled => "login_throttled",
            AuditKind::Logout => "logout",
            AuditKind::AccountChanged => "account_changed",
            AuditKind::TokenChanged => "token_changed",
            AuditKind::Freeze => "freeze",
            AuditKind::Import => "import",
            AuditKind::SqlQuery => "sql_query",
            AuditKind::RemindRun => "remind_run",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One event. Make it with `AuditEvent::new` and the `with_…` methods.
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct AuditEvent {
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub at: DateTime<Utc>,
    pub kind: AuditKind,
    pub actor: String,
    pub subject: String,
    pub address: String,
    pub detail: String,
    pub rows: u64,
    pub bytes: u64,
    pub duration_ms: u64,
    pub refused: u8,
}

impl AuditEvent {
    /// An event of `kind` by `actor` (empty: the command line or the scheduler) about `subject`.
    pub fn new(kind: AuditKind, actor: &str, subject: &str) -> Self {
        Self {
            at: Utc::now(),
            kind,
            actor: actor.to_string(),
            subject: subject.to_string(),
            address: String::new(),
            detail: String::new(),
            rows: 0,
            bytes: 0,
            duration_ms: 0,
            refused: 0,
        }
    }

    pub fn with_address(mut self, address: Option<String>) -> Self {
        self.address = address.unwrap_or_default();
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    /// For SQL queries: what was answered, how long it took, whether it was refused.
    pub fn with_query(mut self, rows: u64, bytes: u64, duration_ms: u64, refused: bool) -> Self {
        self.rows = rows;
        self.bytes = bytes;
        self.duration_ms = duration_ms;
        self.refused = u8::from(refused);
        self
    }
}

/// What `/nhat-ky` filters on; `None` is any.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub kind: Option<AuditKind>,
    /// Events whose actor or subject is this.
    pub who: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl Store {
    /// Appends `event` to the audit log.
    pub async fn audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
        self.insert_into(Database::Private, "audit_log", std::slice::from_ref(event))
            .await
    }

    /// Appends `event`; a failure is logged, not returned: the action it
    /// records has happened already and must not be reported as failed.
    pub async fn audit_or_warn(&self, event: &AuditEvent) {
        if let Err(e) = self.audit(event).await {
            tracing::error!(error = %e, kind = event.kind.as_str(), subject = %event.subject,
                "audit event not recorded");
        }
    }

    /// The newest `limit` events that pass `filter`, newest first.
    pub async fn audit_log(
        &self,
        filter: &AuditFilter,
        limit: u64,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        // Unset filters bind values that pass everything, keeping one query text.
        let far = DateTime::<Utc>::from_timestamp(4_000_000_000, 0).unwrap_or_default();
        let q = self
            .private
            .query(
                "SELECT ?fields FROM audit_log \
                 WHERE (? = 0 OR CAST(kind AS Int8) = ?) AND (? = '' OR actor = ? OR subject = ?) \
                 AND at >= toDateTime(?) AND at < toDateTime(?) \
                 ORDER BY at DESC LIMIT ?",
            )
            .bind(filter.kind.map_or(0, |k| k as i8))
            .bind(filter.kind.map_or(0, |k| k as i8))
            .bind(filter.who.as_deref().unwrap_or(""))
            .bind(filter.who.as_deref().unwrap_or(""))
            .bind(filter.who.as_deref().unwrap_or(""))
            .bind(filter.from.map_or(0, |t| t.timestamp()))
            .bind(filter.until.unwrap_or(far).timestamp())
            .bind(limit);
        self.run("read audit_log", q.fetch_all()).await
    }
}
