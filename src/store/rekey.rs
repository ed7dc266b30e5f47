//! Migration 0011's Rust step: the data tables keyed by version too, so a
//! newer version written but not yet committed (no batch record) never folds
//! away the committed one (issue 12 §4). Before, `ORDER BY (unit_code, month,
//! service_code)` let a merge or FINAL keep only the newest row of each
//! service, committed or not.
//!
//! ClickHouse cannot change a sorting key in place, so each table is copied
//! into `{table}_rekeyed` and the two swapped with RENAME. Every point where
//! a run can be cut short is recognised by the next one from what exists:
//! the step is run again until the migration is recorded.

use clickhouse::sql::Identifier;

use super::{Store, StoreError};

/// Each table with the statement creating its re-keyed copy (`{name}` = the copy).
const TABLES: [(&str, &str); 2] = [
    (
        "service_stats",
        "CREATE TABLE {name} (
            unit_code String, month Date, service_code String, service_name String,
            field String,
            level Enum8('full_online' = 1, 'partial_online' = 2, 'not_online' = 3),
            eligible_full_online UInt8, integrated_national_portal UInt8,
            received UInt64, received_online UInt64, processed UInt64,
            processed_on_time UInt64, processed_late UInt64, pending_overdue UInt64,
            attempt_id String, version UInt64, collected_at DateTime
        ) ENGINE = ReplacingMergeTree(version)
        PARTITION BY toYear(month)
        ORDER BY (unit_code, month, version, service_code)",
    ),
    (
        "measure_values",
        "CREATE TABLE {name} (
            unit_code String, month Date, measure_code String, value Float64,
            source String, attempt_id String, version UInt64, collected_at DateTime
        ) ENGINE = ReplacingMergeTree(version)
        PARTITION BY toYear(month)
        ORDER BY (unit_code, month, version, measure_code)",
    ),
];

impl Store {
    /// Re-keys both data tables; does nothing to a table already re-keyed.
    pub(super) async fn rekey_data_tables(&self) -> Result<(), StoreError> {
        for (table, create) in TABLES {
            self.rekey(table, create).await?;
        }
        Ok(())
    }

    async fn rekey(&self, table: &str, create: &str) -> Result<(), StoreError> {
        let copy = format!("{table}_rekeyed");
        let old = format!("{table}_before_rekey");
        let context = format!("re-key {table}");
        match self.sorting_key(table).await? {
            Some(key) if key.split(',').any(|c| c.trim() == "version") => {}
            Some(_) => {
                self.drop_table(&copy).await?;
                let sql = create.replace("{name}", &copy);
                self.schema_statement(&context, &sql).await?;
                // One insert: on a cluster it replicates from the replica it lands on.
                let q = self
                    .client
                    .query("INSERT INTO ? SELECT * FROM ?")
                    .bind(Identifier(&copy))
                    .bind(Identifier(table));
                self.run(&context, q.execute()).await?;
                // The names are the constants above, never data.
                let sql = format!("RENAME TABLE {table} TO {old}, {copy} TO {table}");
                self.schema_statement(&context, &sql).await?;
            }
            // Cut short between the two renames: the copy is whole, put it in place.
            None if self.sorting_key(&copy).await?.is_some() => {
                let sql = format!("RENAME TABLE {copy} TO {table}");
                self.schema_statement(&context, &sql).await?;
            }
            None => return Err(StoreError::Missing(format!("table {table}"))),
        }
        self.drop_table(&old).await
    }

    /// The table's sorting key as `system.tables` spells it; `None` if it does not exist.
    async fn sorting_key(&self, table: &str) -> Result<Option<String>, StoreError> {
        let q = self
            .admin
            .query("SELECT sorting_key FROM system.tables WHERE database = ? AND name = ?")
            .bind(&self.database)
            .bind(table);
        self.run("read sorting key", q.fetch_optional::<String>())
            .await
    }

    async fn drop_table(&self, table: &str) -> Result<(), StoreError> {
        let sql = format!("DROP TABLE IF EXISTS {table}");
        self.schema_statement(&format!("drop {table}"), &sql).await
    }

    /// A schema statement of the main database (ON CLUSTER in cluster mode).
    async fn schema_statement(&self, context: &str, sql: &str) -> Result<(), StoreError> {
        self.schema(&self.client, &self.database, context, sql)
            .await
    }
}
