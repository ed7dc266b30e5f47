//! The only Rust that speaks ClickHouse: the client, migrations, and one file
//! per table family. Every call is bounded by the configured timeout.

mod analyst;
mod attempts;
mod audit;
pub mod bench;
pub mod cluster;
mod codes;
mod collected;
mod failover;
mod figures;
mod jobs;
mod json_compact;
mod ledger;
mod migrations;
mod ops;
mod panels;
mod plans;
mod probes;
mod publication;
mod quality;
mod quorum;
mod rekey;
mod results;
mod reviews;
mod rows;
mod service_aggregates;
mod service_counts;
mod service_history;
mod service_sums;
mod since_collect;
pub mod sql_guard;
mod targets;
mod uploads;
mod users;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use clickhouse::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

pub use analyst::{AnalystAnswer, AnalystError, AnalystLimits, AnalystRun, ColumnInfo};
pub use attempts::{AttemptSummary, RejectionCount};
pub use audit::{AuditEvent, AuditFilter, AuditKind};
pub use codes::{Channel, LevelCode, Outcome, RunOutcome, Trigger};
pub use collected::{CurrentBatch, UnitMonthTotals};
pub use figures::{FirstStored, LastStored, MeasureFigure, MonthWatched, ServiceFigures, Units};
pub use jobs::{Failures, JobHistory};
pub use json_compact::Column;
pub use ledger::{LedgerRow, RuleKind, SendState};
pub use migrations::{
    plan as migration_plan, Migration, PlannedStatement, MIGRATIONS, PRIVATE_MIGRATIONS,
};
pub use ops::{
    AttemptCount, JobDurations, JobRunCount, LastRun, MailCount, UnitCount, UnitInstant,
};
pub use plans::{FilingSpan, MonthFullOnline, PlanFiling, PlanRow, ServiceLevelSpan};
pub use probes::{ProbeMonthRow, ProbeRow};
pub use publication::{PeriodRecords, RECORDS_KEPT_FOR};
pub use quality::{AttemptTally, RejectionSummary, UnitAttempt};
pub use quorum::PROMISED_TABLES;
pub use results::{ComputationRow, ComputationRows, FreezeRow, IndicatorResultRow, UnitResultRow};
pub use reviews::{ReviewRow, Verdict};
pub use rows::{AttemptRow, BatchRow, JobRunRow, MeasureRow, RejectedRow, ServiceRow};
pub use service_aggregates::ServiceAggregateRow;
pub use service_counts::{predicate_sql, ServiceCount};
pub use service_history::{ServiceMonthRow, UnusedService};
pub use service_sums::ServiceSumsRow;
pub use targets::{TrajectoryPoint, TrajectoryRow};
pub use uploads::{UploadRow, UploadState};
pub use users::{RoleCode, TokenListed, TokenRow, TokenUse, UserRow, TOKEN_ID_LEN};

use crate::config::ClickHouseSettings;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("clickhouse at {url}: {context}: {source}")]
    Query {
        url: String,
        context: String,
        source: clickhouse::error::Error,
    },
    #[error("clickhouse at {url}: {context}: no answer within {secs} s")]
    Timeout {
        url: String,
        context: String,
        secs: u64,
    },
    #[error("clickhouse: {0} is missing")]
    Missing(String),
    #[error("cluster mode: {context}: {message}")]
    NoClusterForm { context: String, message: String },
    #[error("migration {name}: applied earlier with checksum {applied}, the file now has {now}; migrations are append-only, add a new file instead")]
    MigrationChanged {
        name: String,
        applied: String,
        now: String,
    },
}

impl StoreError {
    /// ClickHouse did not answer (no connection, or not within the timeout),
    /// as opposed to answering with an error.
    pub fn is_unreachable(&self) -> bool {
        match self {
            StoreError::Timeout { .. } => true,
            StoreError::Query { source, .. } => matches!(
                source,
                clickhouse::error::Error::Network(_) | clickhouse::error::Error::TimedOut
            ),
            _ => false,
        }
    }
}

/// A handle on chiso's database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    client: Client,
    admin: Client,
    /// On `<database>_private`: accounts, tokens, the audit log.
    private: Client,
    /// `client` and `private` whose inserts wait for `insert_quorum` replicas
    /// in cluster mode (quorum.rs); the same as them on one server.
    quorum: Client,
    quorum_private: Client,
    /// `[clickhouse] analyst_user`: runs analysts' SQL; `None` when not configured.
    analyst: Option<Client>,
    /// `[clickhouse] url`, each without credentials, in failover order.
    urls: Arc<[String]>,
    failover: failover::Failover,
    /// `[clickhouse] cluster`: schema statements run ON CLUSTER (cluster.rs).
    cluster: Option<cluster::Cluster>,
    database: String,
    timeout: Duration,
    /// Which computation each period publishes, as pages last read it.
    kept_records: Arc<publication::KeptRecords>,
    /// What only collect runs and imports change, kept until the next one.
    since_collect: Arc<since_collect::SinceCollect>,
}

impl Store {
    pub fn new(settings: &ClickHouseSettings) -> Self {
        // The clickhouse crate's own HTTP client, with TCP_NODELAY: without it an
        // INSERT's last small write waited on the server's delayed ACK, ~27 ms
        // for every INSERT however small (one-row inserts: 27 ms against 0.7 ms
        // for a SELECT, `chiso-bench ingest`).
        let mut connector = HttpConnector::new();
        connector.set_keepalive(Some(Duration::from_secs(60)));
        connector.set_nodelay(true);
        // A server that does not answer a connection leaves time for the next.
        connector.set_connect_timeout(Some(CONNECT_TIMEOUT));
        let urls = settings.urls();
        let failover = failover::Failover::new(connector, &urls);
        // Idle connections close below the server's 3 s keep-alive.
        let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(2))
            .build(failover.clone());
        // The connector picks the server; the client's URL only gives the scheme.
        let base = Client::with_http_client(http)
            .with_url(urls.first().copied().unwrap_or_default())
            .with_user(&settings.user)
            .with_password(&settings.password)
            // Schema validation needs a newer server than 18.16; rows are checked
            // against DESCRIBE TABLE in the integration tests instead.
            .with_validation(false);
        // No settings, no compression: a readonly=1 user may send none.
        let analyst = (!settings.analyst_user.is_empty()).then(|| {
            base.clone()
                .with_user(&settings.analyst_user)
                .with_password(&settings.analyst_password)
                .with_database(&settings.database)
        });
        let cluster = (!settings.cluster.is_empty()).then(|| cluster::Cluster {
            name: settings.cluster.clone(),
        });
        // ON CLUSTER statements wait for every host at most as long as any call.
        let admin = match cluster {
            Some(_) => base.with_setting(
                "distributed_ddl_task_timeout",
                settings.timeout_secs.to_string(),
            ),
            None => base,
        };
        let private_db = private_database(&settings.database);
        let client = tagged(admin.clone(), &settings.database).with_database(&settings.database);
        let private = tagged(admin.clone(), &private_db).with_database(&private_db);
        let with_quorum = |c: &Client| match cluster {
            Some(_) => c
                .clone()
                .with_setting("insert_quorum", settings.insert_quorum.to_string())
                .with_setting(
                    "insert_quorum_timeout",
                    (settings.timeout_secs * 1000).to_string(),
                ),
            None => c.clone(),
        };
        Self {
            quorum: with_quorum(&client),
            quorum_private: with_quorum(&private),
            client,
            private,
            analyst: analyst.map(|a| tagged(a, &settings.database)),
            admin: tagged(admin, &settings.database),
            urls: urls.iter().map(|u| strip_credentials(u)).collect(),
            failover,
            cluster,
            database: settings.database.clone(),
            timeout: Duration::from_secs(settings.timeout_secs),
            kept_records: Arc::default(),
            since_collect: Arc::default(),
        }
    }

    /// The server new connections go to (without credentials), for messages.
    pub fn server_in_use(&self) -> String {
        self.urls
            .get(self.failover.in_use())
            .cloned()
            .unwrap_or_default()
    }

    /// The cluster's name in cluster mode.
    pub fn cluster(&self) -> Option<&str> {
        self.cluster.as_ref().map(|c| c.name.as_str())
    }

    pub fn database(&self) -> &str {
        &self.database
    }

    /// Where accounts, tokens and the audit log live, out of the analysts' reach.
    pub fn private_database(&self) -> String {
        private_database(&self.database)
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Runs one ClickHouse call under the timeout, naming what it was for.
    pub(crate) async fn run<T>(
        &self,
        context: &str,
        call: impl Future<Output = clickhouse::error::Result<T>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(source)) => Err(StoreError::Query {
                url: self.server_in_use(),
                context: match (cluster_hint(&source), causes(&source)) {
                    (Some(hint), _) => format!("{context} ({hint})"),
                    (None, Some(causes)) => format!("{context} ({causes})"),
                    (None, None) => context.to_string(),
                },
                source,
            }),
            Err(_) => Err(StoreError::Timeout {
                url: self.server_in_use(),
                context: context.to_string(),
                secs: self.timeout.as_secs(),
            }),
        }
    }

    /// `SELECT version()`: also a reachability check.
    pub async fn server_version(&self) -> Result<String, StoreError> {
        self.run(
            "server version",
            self.admin.query("SELECT version()").fetch_one::<String>(),
        )
        .await
    }
}

/// The user agent names chiso, its version and the database a client works
/// in: a DBA reading system.processes or query_log knows which deployment sent
/// a query, and the replay on current ClickHouse (scripts/compat/) where to.
fn tagged(client: Client, database: &str) -> Client {
    client.with_product_info(
        "chiso",
        format!("{} (database {database})", env!("CARGO_PKG_VERSION")),
    )
}

/// The causes a network error hides behind "client error (Connect)": which
/// servers were tried and why each refused.
fn causes(source: &clickhouse::error::Error) -> Option<String> {
    if !matches!(source, clickhouse::error::Error::Network(_)) {
        return None;
    }
    let mut causes = Vec::new();
    let mut next = std::error::Error::source(source);
    while let Some(e) = next {
        causes.push(e.to_string());
        next = e.source();
    }
    causes.pop()
}

/// What a replicated table's error means for an operator, by ClickHouse's code.
fn cluster_hint(source: &clickhouse::error::Error) -> Option<&'static str> {
    let text = source.to_string();
    // 18.16 writes "Code: 242, e.displayText()", current releases "Code: 242. DB::Exception".
    let code = |c: &str| {
        [",", "."]
            .iter()
            .any(|end| text.contains(&format!("Code: {c}{end}")))
    };
    if ["242", "225", "999", "319"].into_iter().any(code) {
        Some("ClickHouse cannot reach ZooKeeper: replicated tables are read-only until it is back")
    } else if code("285") {
        Some("too few replicas are up for insert_quorum: promised writes wait for a replica to return")
    } else {
        None
    }
}

/// How long a server may take to accept a connection before the next is tried.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The database of `database`'s accounts: `chiso` → `chiso_private`.
fn private_database(database: &str) -> String {
    format!("{database}_private")
}

/// `http://user:secret@host` must never reach a log line.
fn strip_credentials(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn credentials_are_stripped_from_urls() {
        assert_eq!(
            super::strip_credentials("http://u:p@h:8123"),
            "http://h:8123"
        );
        assert_eq!(super::strip_credentials("http://h:8123"), "http://h:8123");
    }
}
