//! `chiso migrate`: applies `sql/private/NNNN_name.sql` to `<database>_private`
//! and then `sql/NNNN_name.sql` to the main database, in order, once each,
//! recorded in each database's `schema_migrations`. Statements use IF (NOT)
//! EXISTS, so a migration cut short half-way is simply applied again.
//!
//! In cluster mode the same files are applied ON CLUSTER with replicated
//! engines (`cluster.rs`); `schema_migrations` is itself replicated, so each
//! migration is recorded once for the cluster. The checksum is always the
//! file's: the text one server runs is the file, unchanged.

use clickhouse::sql::Identifier;
use clickhouse::{Client, Row};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::quorum::Database;
use super::{Store, StoreError};

pub struct Migration {
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every file of `sql/`, in order. A test checks this list against the folder.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "0001_collected",
        sql: include_str!("../../sql/0001_collected.sql"),
    },
    Migration {
        name: "0002_attempts",
        sql: include_str!("../../sql/0002_attempts.sql"),
    },
    Migration {
        name: "0003_current_views",
        sql: include_str!("../../sql/0003_current_views.sql"),
    },
    Migration {
        name: "0004_results",
        sql: include_str!("../../sql/0004_results.sql"),
    },
    Migration {
        name: "0005_job_runs",
        sql: include_str!("../../sql/0005_job_runs.sql"),
    },
    Migration {
        name: "0006_send_ledger",
        sql: include_str!("../../sql/0006_send_ledger.sql"),
    },
    Migration {
        name: "0007_users",
        sql: include_str!("../../sql/0007_users.sql"),
    },
    Migration {
        name: "0008_batch_log",
        sql: include_str!("../../sql/0008_batch_log.sql"),
    },
    Migration {
        name: "0009_job_timed_out",
        sql: include_str!("../../sql/0009_job_timed_out.sql"),
    },
    Migration {
        name: "0010_accounts_moved",
        sql: include_str!("../../sql/0010_accounts_moved.sql"),
    },
    Migration {
        name: "0011_committed_versions",
        sql: include_str!("../../sql/0011_committed_versions.sql"),
    },
    Migration {
        name: "0012_ledger_epoch",
        sql: include_str!("../../sql/0012_ledger_epoch.sql"),
    },
    Migration {
        name: "0013_outlier_reviews",
        sql: include_str!("../../sql/0013_outlier_reviews.sql"),
    },
    Migration {
        name: "0014_uploads_and_publications",
        sql: include_str!("../../sql/0014_uploads_and_publications.sql"),
    },
    Migration {
        name: "0015_ledger_result_no_longer_due",
        sql: include_str!("../../sql/0015_ledger_result_no_longer_due.sql"),
    },
    Migration {
        name: "0016_service_sums",
        sql: include_str!("../../sql/0016_service_sums.sql"),
    },
    Migration {
        name: "0017_service_aggregates",
        sql: include_str!("../../sql/0017_service_aggregates.sql"),
    },
    Migration {
        name: "0018_portal_probes",
        sql: include_str!("../../sql/0018_portal_probes.sql"),
    },
    Migration {
        name: "0019_service_plans",
        sql: include_str!("../../sql/0019_service_plans.sql"),
    },
    Migration {
        name: "0020_service_month_sums_current",
        sql: include_str!("../../sql/0020_service_month_sums_current.sql"),
    },
];

/// Every file of `sql/private/`, in order, applied to `<database>_private`
/// and recorded in that database's own `schema_migrations` (named with the
/// folder, so that `chiso migrate` tells them from the main ones).
pub const PRIVATE_MIGRATIONS: &[Migration] = &[
    Migration {
        name: "private/0001_accounts",
        sql: include_str!("../../sql/private/0001_accounts.sql"),
    },
    Migration {
        name: "private/0002_audit_log",
        sql: include_str!("../../sql/private/0002_audit_log.sql"),
    },
];

impl Migration {
    pub fn checksum(&self) -> String {
        Sha256::digest(self.sql.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The statements of the file, comments removed.
    pub fn statements(&self) -> Vec<String> {
        let text: String = self
            .sql
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        text.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }
}

#[derive(Debug, Row, Deserialize)]
struct Applied {
    name: String,
    checksum: String,
}

/// Each database's record of the migrations applied to it.
const SCHEMA_MIGRATIONS: &str = "CREATE TABLE IF NOT EXISTS schema_migrations \
                                 (name String, checksum String, applied_at DateTime) \
                                 ENGINE = ReplacingMergeTree ORDER BY name";

/// One statement `chiso migrate` would send, in order (`chiso migrate --print`).
#[derive(Debug, serde::Serialize)]
pub struct PlannedStatement {
    /// `main` or `private`: which of chiso's two databases it runs in.
    pub database: &'static str,
    pub migration: &'static str,
    pub statement: String,
}

/// Every statement of a migration from scratch, in the order `migrate` sends
/// them: the compatibility replay applies these to current ClickHouse. The
/// Rust steps between them (accounts copy, re-keying) move rows only, so an
/// empty database needs none of them.
pub fn plan() -> Vec<PlannedStatement> {
    let mut out = Vec::new();
    for (database, list) in [("private", PRIVATE_MIGRATIONS), ("main", MIGRATIONS)] {
        out.push(PlannedStatement {
            database,
            migration: "schema_migrations",
            statement: SCHEMA_MIGRATIONS.to_string(),
        });
        for m in list {
            out.extend(
                m.statements()
                    .into_iter()
                    .map(|statement| PlannedStatement {
                        database,
                        migration: m.name,
                        statement,
                    }),
            );
        }
    }
    out
}

/// The main migration that drops the accounts tables of the main database;
/// their rows are copied to the private database just before it.
const ACCOUNTS_MOVED: &str = "0010_accounts_moved";

/// The main migration before whose views the data tables are re-keyed (`rekey.rs`).
const COMMITTED_VERSIONS: &str = "0011_committed_versions";

/// The table and column of an `ALTER TABLE t ADD COLUMN c ...` statement:
/// skipped when the column exists (18.16 has no ADD COLUMN IF NOT EXISTS).
fn added_column(stmt: &str) -> Option<(&str, &str)> {
    let words: Vec<&str> = stmt.split_whitespace().collect();
    match words.as_slice() {
        ["ALTER", "TABLE", table, "ADD", "COLUMN", column, ..] => Some((table, column)),
        _ => None,
    }
}

impl Store {
    /// Drops chiso's databases (main and private): for throwaway databases
    /// (tests, demos), never called by a job.
    pub async fn drop_database(&self) -> Result<(), StoreError> {
        for db in [self.database.clone(), self.private_database()] {
            let q = self
                .admin
                .query(&self.on_cluster("DROP DATABASE IF EXISTS ?"))
                .bind(Identifier(&db));
            self.run("drop database", q.execute()).await?;
        }
        Ok(())
    }

    /// `sql` with ` ON CLUSTER name` appended in cluster mode.
    fn on_cluster(&self, sql: &str) -> String {
        match &self.cluster {
            Some(c) => format!("{sql} ON CLUSTER {}", c.name),
            None => sql.to_string(),
        }
    }

    /// Runs one schema statement of `database` through `client`: as written
    /// on one server, in its cluster form in cluster mode.
    pub(super) async fn schema(
        &self,
        client: &Client,
        database: &str,
        context: &str,
        stmt: &str,
    ) -> Result<(), StoreError> {
        let stmt = match &self.cluster {
            None => stmt.to_string(),
            Some(c) => c
                .rewrite(database, stmt)
                .map_err(|message| StoreError::NoClusterForm {
                    context: context.to_string(),
                    message,
                })?,
        };
        self.run(context, client.query_raw(&stmt).execute()).await
    }

    /// Creates both databases if needed and applies what is missing: the
    /// private list first, then the main one. Returns the names applied now.
    pub async fn migrate(&self) -> Result<Vec<&'static str>, StoreError> {
        let mut now = self.apply(Database::Private, PRIVATE_MIGRATIONS).await?;
        now.extend(self.apply(Database::Main, MIGRATIONS).await?);
        Ok(now)
    }

    async fn apply(
        &self,
        db: Database,
        list: &'static [Migration],
    ) -> Result<Vec<&'static str>, StoreError> {
        let (client, quorum, database) = match db {
            Database::Main => (&self.client, &self.quorum, self.database.clone()),
            Database::Private => (&self.private, &self.quorum_private, self.private_database()),
        };
        let database = database.as_str();
        // On a cluster an ON CLUSTER statement waits for every host: skipped
        // once done, so chiso starts with a replica down.
        if self.cluster.is_none() || !self.has_table(database, "schema_migrations").await? {
            let q = self
                .admin
                .query(&self.on_cluster("CREATE DATABASE IF NOT EXISTS ?"))
                .bind(Identifier(database));
            self.run("create database", q.execute()).await?;
            self.schema(
                client,
                database,
                "create schema_migrations",
                SCHEMA_MIGRATIONS,
            )
            .await?;
        }
        let applied: Vec<Applied> = self
            .run(
                "read schema_migrations",
                client
                    .query("SELECT name, checksum FROM schema_migrations FINAL")
                    .fetch_all(),
            )
            .await?;
        let mut now = Vec::new();
        for m in list {
            match applied.iter().find(|a| a.name == m.name) {
                Some(a) if a.checksum == m.checksum() => continue,
                Some(a) => {
                    return Err(StoreError::MigrationChanged {
                        name: m.name.to_string(),
                        applied: a.checksum.clone(),
                        now: m.checksum(),
                    })
                }
                None => {}
            }
            if m.name == ACCOUNTS_MOVED {
                self.copy_accounts_to_private().await?;
            }
            if m.name == COMMITTED_VERSIONS {
                self.rekey_data_tables().await?;
            }
            for stmt in m.statements() {
                if let Some((table, column)) = added_column(&stmt) {
                    if self.has_column(table, column).await? {
                        continue;
                    }
                }
                self.schema(client, database, &format!("migration {}", m.name), &stmt)
                    .await?;
            }
            let record = quorum
                .query(
                    "INSERT INTO schema_migrations (name, checksum, applied_at) SELECT ?, ?, now()",
                )
                .bind(m.name)
                .bind(m.checksum());
            self.run(&format!("record migration {}", m.name), record.execute())
                .await?;
            now.push(m.name);
        }
        Ok(now)
    }

    /// Whether `table` of the main database has `column` already.
    async fn has_column(&self, table: &str, column: &str) -> Result<bool, StoreError> {
        let q = self
            .admin
            .query(
                "SELECT count() FROM system.columns WHERE database = ? AND table = ? AND name = ?",
            )
            .bind(&self.database)
            .bind(table)
            .bind(column);
        Ok(self.run("read columns", q.fetch_one::<u64>()).await? > 0)
    }

    /// Copies the rows of the main database's `users` and `api_tokens` (those
    /// still there) into the private database. Copying twice is harmless: the
    /// copies carry the same versions and FINAL keeps one of each.
    async fn copy_accounts_to_private(&self) -> Result<(), StoreError> {
        let (main, private) = (Identifier(&self.database), self.private_database());
        let private = Identifier(&private);
        let copies = [
            (
                "users",
                "INSERT INTO ?.users (login, role, unit_code, password_hash, created_at, \
                 disabled, session_epoch, version) \
                 SELECT login, role, unit_code, password_hash, created_at, disabled, 0, version \
                 FROM ?.users",
            ),
            // Old tokens had no end: they get a year from the move, not an
            // expiry in the past that would stop every script at once.
            (
                "api_tokens",
                "INSERT INTO ?.api_tokens (token_hash, login, created_at, expires_at, revoked, version) \
                 SELECT token_hash, login, created_at, now() + 365 * 86400, revoked, version \
                 FROM ?.api_tokens",
            ),
        ];
        for (table, sql) in copies {
            if !self.has_table(&self.database, table).await? {
                continue;
            }
            let copy = self.admin.query(sql).bind(private).bind(main);
            self.run(
                &format!("copy {table} to the private database"),
                copy.execute(),
            )
            .await?;
        }
        Ok(())
    }
}

impl Store {
    /// Whether `database.table` exists on the server in use.
    pub(super) async fn has_table(&self, database: &str, table: &str) -> Result<bool, StoreError> {
        let q = self
            .admin
            .query("SELECT count() FROM system.tables WHERE database = ? AND name = ?")
            .bind(database)
            .bind(table);
        Ok(self.run("find a table", q.fetch_one::<u64>()).await? > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_of(folder: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .map(|n| n.trim_end_matches(".sql").to_string())
            .collect();
        files.sort();
        files
    }

    #[test]
    fn every_sql_file_is_listed_in_order() {
        let listed: Vec<&str> = MIGRATIONS.iter().map(|m| m.name).collect();
        assert_eq!(files_of("sql"), listed);
        let private: Vec<&str> = PRIVATE_MIGRATIONS.iter().map(|m| m.name).collect();
        let files: Vec<String> = files_of("sql/private")
            .iter()
            .map(|f| format!("private/{f}"))
            .collect();
        assert_eq!(files, private);
    }

    /// Deployments recorded these checksums; an applied file never changes
    /// (cluster mode rewrites statements as they run, not the files).
    #[test]
    fn applied_migrations_keep_their_checksums() {
        let recorded = [
            (
                "0001_collected",
                "7b320f826d499ace750200fefc310ab7e329341dbbd3d167d2e9a4bbb971c7b9",
            ),
            (
                "0002_attempts",
                "8386f94be68258de2d9f2e3cb7f3c14ef585e785507aa6448c18bc642862fdbe",
            ),
            (
                "0003_current_views",
                "de402f13472ac74aa6ab732f99ddded0b348e2d999ac1c196ab9e0fda5347150",
            ),
            (
                "0004_results",
                "e42a3f223169012bca8c7eccf19827e03b0e48a21a30230f7efa0674f3cb7bb8",
            ),
            (
                "0005_job_runs",
                "d901dfc10cac9e369c95dcc64617c27f2c2fdf36df56c3848f3e3aa1ec4f0119",
            ),
            (
                "0006_send_ledger",
                "e7e168bfa94a5bd1246904ebcebefda9b1f2c2f7666740564eeccab0a0ce6b95",
            ),
            (
                "0007_users",
                "dc9df7c21acd6ccb6bacaee341c1c727a6bcbae9990b3eef382eff9120b0f441",
            ),
            (
                "0008_batch_log",
                "a9f93029e5ea6afaacd927c1e98f874beeb0b3cd32f0cf63cc69934bc1d09b68",
            ),
            (
                "0009_job_timed_out",
                "9692f2f9b49475bc9dd5a4d0c80acd14e5cef369e3fb4c388d2b55c42f2abfb8",
            ),
            (
                "0010_accounts_moved",
                "4aa321bd897bb774704ed19ad8b940a4bcfacd7a8b77ab41de50c0a171931e9d",
            ),
            (
                "0011_committed_versions",
                "2ea0f62a6e9fa1f61cbfd5e8c2169875d1b3261174f247f153a80e3d65673ffe",
            ),
            (
                "private/0001_accounts",
                "1b91bef64284b2474a4e983d5c10dba88ef211fff18ceb4dc83a8e459e14e566",
            ),
            (
                "private/0002_audit_log",
                "60a4d6f491966b940ec34dbcfc1648079dcda56848d72f5e3bf70c122a5eb5a1",
            ),
        ];
        for (name, checksum) in recorded {
            let m = MIGRATIONS
                .iter()
                .chain(PRIVATE_MIGRATIONS)
                .find(|m| m.name == name)
                .unwrap();
            assert_eq!(m.checksum(), checksum, "{name}");
        }
    }

    #[test]
    fn a_comment_only_migration_has_no_statements() {
        let m = Migration {
            name: "x",
            sql: "-- job runs (scheduler branch)\n",
        };
        assert!(m.statements().is_empty());
    }

    #[test]
    fn statements_split_on_semicolons_without_comments() {
        let m = Migration {
            name: "x",
            sql: "-- a; comment\nCREATE TABLE a (x UInt8) ENGINE = Log;\n\nSELECT 1;\n",
        };
        assert_eq!(
            m.statements(),
            ["CREATE TABLE a (x UInt8) ENGINE = Log", "SELECT 1"]
        );
    }

    #[test]
    fn a_migration_of_only_comments_has_no_statements() {
        let m = Migration {
            name: "x",
            sql: "-- reserved; filled later\n",
        };
        assert!(m.statements().is_empty());
    }
}
