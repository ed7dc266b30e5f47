//! `chiso migrate`: applies `sql/NNNN_name.sql` in order, once each, recorded in
//! `schema_migrations`. Statements use IF NOT EXISTS, so a migration cut short
//! half-way is simply applied again.

use clickhouse::sql::Identifier;
use clickhouse::Row;
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
        name: "0011_committed_versions",
        sql: include_str!("../../sql/0011_committed_versions.sql"),
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

impl Store {
    /// Drops chiso's whole database: for throwaway databases (tests, demos), never called by a job.
    pub async fn drop_database(&self) -> Result<(), StoreError> {
        let q = self
            .admin
            .query("DROP DATABASE IF EXISTS ?")
            .bind(Identifier(&self.database));
        self.run("drop database", q.execute()).await
    }

    /// Creates the database if needed and applies what is missing; returns the names applied now.
    pub async fn migrate(&self) -> Result<Vec<&'static str>, StoreError> {
        let db = Identifier(&self.database);
        self.run(
            "create database",
            self.admin
                .query("CREATE DATABASE IF NOT EXISTS ?")
                .bind(db)
                .execute(),
        )
        .await?;
        let ledger = "CREATE TABLE IF NOT EXISTS schema_migrations \
                      (name String, checksum String, applied_at DateTime) \
                      ENGINE = ReplacingMergeTree ORDER BY name";
        self.run(
            "create schema_migrations",
            self.client.query(ledger).execute(),
        )
        .await?;
        let applied: Vec<Applied> = self
            .run(
                "read schema_migrations",
                self.client
                    .query("SELECT name, checksum FROM schema_migrations FINAL")
                    .fetch_all(),
            )
            .await?;
        let mut now = Vec::new();
        for m in MIGRATIONS {
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
            if m.name == "0011_committed_versions" {
                self.rekey_data_tables().await?;
            }
            for stmt in m.statements() {
                self.run(
                    &format!("migration {}", m.name),
                    self.client.query_raw(&stmt).execute(),
                )
                .await?;
            }
            let record = self
                .client
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sql_file_is_listed_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sql");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .map(|n| n.trim_end_matches(".sql").to_string())
            .collect();
        files.sort();
        let listed: Vec<&str> = MIGRATIONS.iter().map(|m| m.name).collect();
        assert_eq!(files, listed);
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
