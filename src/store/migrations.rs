//! `chiso migrate`: applies `sql/private/NNNN_name.sql` to `<database>_private`
//! and then `sql/NNNN_name.sql` to the main database, in order, once each,
//! recorded in each database's `schema_migrations`. Statements use IF (NOT)
//! EXISTS, so a migration cut short half-way is simply applied again.

use clickhouse::sql::Identifier;
use clickhouse::{Client, Row};
use serde::Deserialize;
use sha2::{Digest, Sha256};

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

/// The main migration that adds `send_ledger.epoch`: skipped when the column
/// exists (18.16 has no ADD COLUMN IF NOT EXISTS).
const LEDGER_EPOCH: &str = "0012_ledger_epoch";

impl Store {
    /// Drops chiso's databases (main and private): for throwaway databases
    /// (tests, demos), never called by a job.
    pub async fn drop_database(&self) -> Result<(), StoreError> {
        for db in [self.database.clone(), self.private_database()] {
            let q = self
                .admin
                .query("DROP DATABASE IF EXISTS ?")
                .bind(Identifier(&db));
            self.run("drop database", q.execute()).await?;
        }
        Ok(())
    }

    /// Creates both databases if needed and applies what is missing: the
    /// private list first, then the main one. Returns the names applied now.
    pub async fn migrate(&self) -> Result<Vec<&'static str>, StoreError> {
        let mut now = self
            .apply(&self.private, &self.private_database(), PRIVATE_MIGRATIONS)
            .await?;
        now.extend(self.apply(&self.client, &self.database, MIGRATIONS).await?);
        Ok(now)
    }

    async fn apply(
        &self,
        client: &Client,
        database: &str,
        list: &'static [Migration],
    ) -> Result<Vec<&'static str>, StoreError> {
        self.run(
            "create database",
            self.admin
                .query("CREATE DATABASE IF NOT EXISTS ?")
                .bind(Identifier(database))
                .execute(),
        )
        .await?;
        self.run(
            "create schema_migrations",
            client.query(SCHEMA_MIGRATIONS).execute(),
        )
        .await?;
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
            let done_before =
                m.name == LEDGER_EPOCH && self.has_column("send_ledger", "epoch").await?;
            for stmt in m.statements().into_iter().filter(|_| !done_before) {
                self.run(
                    &format!("migration {}", m.name),
                    client.query_raw(&stmt).execute(),
                )
                .await?;
            }
            let record = client
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
            let exists = self
                .admin
                .query("SELECT count() FROM system.tables WHERE database = ? AND name = ?")
                .bind(&self.database)
                .bind(table);
            if self
                .run("find old accounts tables", exists.fetch_one::<u64>())
                .await?
                == 0
            {
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
