//! Every insert of chiso, and which of them a promise rests on.
//!
//! In cluster mode a write to a promised table is acknowledged only once
//! `[clickhouse] insert_quorum` replicas hold it (`insert_quorum`, accepted by
//! 18.16 and current ClickHouse alike), so a replica lost right after cannot
//! take it along: a mail marked sent, a unit-month's batch record and its data
//! rows, a published ranking or a freeze, an account change. Other tables
//! (attempts, job runs, the audit log, token uses) replicate in the background:
//! losing their last seconds loses no promise, and they keep working with a
//! replica down.

use clickhouse::Client;

use super::{Store, StoreError};

/// The tables whose writes go through the quorum in cluster mode.
pub const PROMISED_TABLES: &[&str] = &[
    // A unit-month: data rows, then its batch records (the commit).
    "service_stats",
    "service_sums",
    "measure_values",
    "batch_log",
    "batches",
    // Computations and what freezes publish.
    "computations",
    "unit_results",
    "indicator_results",
    "freezes",
    "trajectories",
    // Exactly-once mail.
    "send_ledger",
    // A reviewer's verdict on a flagged change.
    "outlier_reviews",
    // A unit's uploaded file, kept whole.
    "uploads",
    // A unit's service plan (1145/BTTTT-THH): its rows, then its filing (the commit).
    "service_plan_rows",
    "plan_filings",
    // Accounts (private database): a disabled account or a revoked token stays so.
    "users",
    "api_tokens",
    // Which migrations the cluster has.
    "schema_migrations",
];

/// ClickHouse's UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE: before 20.x a table
/// takes one quorum insert at a time; the next one is refused until the
/// previous is on enough replicas, and is simply tried again.
const PREVIOUS_QUORUM_PENDING: [&str; 2] = ["Code: 286,", "Code: 286."];

/// Which of chiso's two databases a write goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Database {
    Main,
    Private,
}

impl Store {
    /// Inserts `rows` into `table`: through the quorum when the table is
    /// promised and the store is in cluster mode, as a plain insert otherwise.
    pub(super) async fn insert_into<T>(
        &self,
        database: Database,
        table: &str,
        rows: &[T],
    ) -> Result<(), StoreError>
    where
        T: clickhouse::RowOwned + clickhouse::RowWrite,
    {
        if rows.is_empty() {
            return Ok(());
        }
        let promised = self.cluster.is_some() && PROMISED_TABLES.contains(&table);
        let client = match (database, promised) {
            (Database::Main, false) => &self.client,
            (Database::Main, true) => &self.quorum,
            (Database::Private, false) => &self.private,
            (Database::Private, true) => &self.quorum_private,
        };
        let context = match database {
            Database::Main => format!("insert into {table}"),
            Database::Private => format!("insert into private {table}"),
        };
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            match self.insert_once(client, table, rows, &context).await {
                Err(e) if promised && is_previous_quorum_pending(&e) => {
                    if tokio::time::Instant::now() >= deadline {
                        return Err(e);
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(
                        50 + fastrand::u64(0..200),
                    ))
                    .await;
                }
                done => return done,
            }
        }
    }

    async fn insert_once<T>(
        &self,
        client: &Client,
        table: &str,
        rows: &[T],
        context: &str,
    ) -> Result<(), StoreError>
    where
        T: clickhouse::RowOwned + clickhouse::RowWrite,
    {
        let mut insert = self.run(context, client.insert::<T>(table)).await?;
        for row in rows {
            self.run(context, insert.write(row)).await?;
        }
        self.run(context, insert.end()).await
    }
}

fn is_previous_quorum_pending(e: &StoreError) -> bool {
    let StoreError::Query { source, .. } = e else {
        return false;
    };
    let text = source.to_string();
    PREVIOUS_QUORUM_PENDING.iter().any(|p| text.contains(p))
}
