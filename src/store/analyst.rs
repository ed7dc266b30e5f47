//! The analyst SQL endpoint's ClickHouse side. Queries run as the dedicated
//! user of `[clickhouse] analyst_user`, whose profile on the server holds the
//! promise: `readonly=1` (no writes, DDL, table functions or setting
//! changes), only chiso's data database readable, and the time, memory, read,
//! result and concurrency limits. `sql_guard` in front only gives early,
//! friendly refusals. chiso sends that user no settings (a readonly=1 user
//! may change none); a `query_id` is a URL parameter, not a setting.
//!
//! Answers stream: `AnalystRun` yields rows as the server writes them, and a
//! run dropped before its end (client gone, time up) kills its query.

use std::time::Duration;

use clickhouse::query::BytesCursor;
use tokio::time::Instant;

use super::json_compact::{self, Column, Event, Reader};
use super::sql_guard::{self, Refusal};
use super::{Store, StoreError};

/// What chiso itself relays at most; past these it stops with an error and
/// kills the query (`[web]` of chiso.toml). The server's own limits are in
/// the analyst user's profile.
#[derive(Debug, Clone, Copy)]
pub struct AnalystLimits {
    pub max_execution_time_secs: u64,
    pub max_result_rows: u64,
    pub max_result_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum AnalystError {
    /// The check refused the text; nothing was sent.
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// `[clickhouse] analyst_user` is empty: the endpoint is off.
    #[error("the SQL endpoint is not set up: [clickhouse] analyst_user is empty")]
    NotConfigured,
    /// ClickHouse refused or failed the query (syntax, access, a limit,
    /// read-only mode), or chiso's own cap stopped it: the message, for the analyst.
    #[error("clickhouse: {0}")]
    Server(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A column of chiso's database, as `system.columns` lists it.
#[derive(Debug, Clone, PartialEq, Eq, clickhouse::Row, serde::Deserialize)]
pub struct ColumnInfo {
    pub table: String,
    pub name: String,
    #[serde(rename = "type")]
    pub column_type: String,
}

/// A whole answer, for tests and small callers.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalystAnswer {
    pub columns: Vec<Column>,
    pub rows: Vec<serde_json::Value>,
}

/// Kills the query on the server when dropped before its answer ended.
struct KillOnDrop {
    store: Store,
    query_id: String,
    armed: bool,
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let store = self.store.clone();
        let query_id = std::mem::take(&mut self.query_id);
        runtime.spawn(async move {
            if let Err(e) = store.kill_query(&query_id).await {
                tracing::warn!(%query_id, error = %e, "analyst query: kill failed");
            }
        });
    }
}

/// One analyst query whose answer is being read.
pub struct AnalystRun {
    cursor: BytesCursor,
    reader: Reader,
    pending: Vec<u8>,
    /// Where the unread part of `pending` starts.
    read: usize,
    columns: Vec<Column>,
    rows: u64,
    bytes: u64,
    limits: AnalystLimits,
    deadline: Instant,
    ended: bool,
    kill: KillOnDrop,
}

impl Store {
    /// Every column of every table and view of chiso's database, in table and declaration order.
    pub async fn columns(&self) -> Result<Vec<ColumnInfo>, StoreError> {
        // system.columns lists a table's columns in declaration order on 18.16 and since.
        let q = self
            .admin
            .query("SELECT table, name, type FROM system.columns WHERE database = ? ORDER BY table")
            .bind(&self.database);
        self.run("list columns", q.fetch_all()).await
    }

    /// The server's databases other than chiso's, which a query may not name.
    pub async fn other_databases(&self) -> Result<Vec<String>, StoreError> {
        let q = self
            .admin
            .query("SELECT name FROM system.databases WHERE name != ? ORDER BY name")
            .bind(&self.database);
        self.run("list databases", q.fetch_all()).await
    }

    /// Checks `sql` (the courtesy) and starts it as the analyst user.
    pub async fn analyst_query(
        &self,
        sql: &str,
        query_id: &str,
        limits: AnalystLimits,
    ) -> Result<AnalystRun, AnalystError> {
        let others = self.other_databases().await?;
        let checked = sql_guard::check(sql, &self.database, &others)?;
        self.analyst_query_unchecked(&checked.sql, query_id, limits)
            .await
    }

    /// Starts `sql` as the analyst user without the check: what the server
    /// alone allows. Waits for the columns; rows come from `AnalystRun::next_row`.
    pub async fn analyst_query_unchecked(
        &self,
        sql: &str,
        query_id: &str,
        limits: AnalystLimits,
    ) -> Result<AnalystRun, AnalystError> {
        let client = self.analyst.as_ref().ok_or(AnalystError::NotConfigured)?;
        let cursor = client
            .query_raw(sql)
            .with_setting("query_id", query_id)
            .fetch_bytes("JSONCompact")
            .map_err(|e| self.analyst_error(e))?;
        let mut run = AnalystRun {
            cursor,
            reader: Reader::default(),
            pending: Vec::new(),
            read: 0,
            columns: Vec::new(),
            rows: 0,
            bytes: 0,
            limits,
            // The server stops at its own max_execution_time; this is the backstop.
            deadline: Instant::now() + Duration::from_secs(limits.max_execution_time_secs + 5),
            ended: false,
            kill: KillOnDrop {
                store: self.clone(),
                query_id: query_id.to_string(),
                armed: true,
            },
        };
        match run.next_event().await? {
            Some(Event::Columns(columns)) => run.columns = columns,
            _ => return Err(AnalystError::Server("the answer has no columns".into())),
        }
        Ok(run)
    }

    /// Runs `sql` unchecked as the analyst user and reads the whole answer.
    /// Public so a test can show what the server refuses with the guard off.
    pub async fn run_readonly(
        &self,
        sql: &str,
        limits: AnalystLimits,
    ) -> Result<AnalystAnswer, AnalystError> {
        let query_id = uuid::Uuid::new_v4().to_string();
        let mut run = self.analyst_query_unchecked(sql, &query_id, limits).await?;
        let mut rows = Vec::new();
        while let Some(row) = run.next_row().await? {
            rows.push(row);
        }
        Ok(AnalystAnswer {
            columns: run.columns,
            rows,
        })
    }

    /// `KILL QUERY` as chiso's own user (the analyst user may not).
    pub async fn kill_query(&self, query_id: &str) -> Result<(), StoreError> {
        let q = self
            .admin
            .query("KILL QUERY WHERE query_id = ? ASYNC")
            .bind(query_id);
        self.run("kill an analyst query", q.execute()).await
    }

    fn analyst_error(&self, e: clickhouse::error::Error) -> AnalystError {
        match e {
            clickhouse::error::Error::BadResponse(message) => {
                AnalystError::Server(json_compact::clean_server_message(&message))
            }
            source => AnalystError::Store(StoreError::Query {
                url: self.server_in_use(),
                context: "analyst query".into(),
                source,
            }),
        }
    }
}

impl AnalystRun {
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The next row; `None` once the answer ended complete. An error (the
    /// server's, a cap, the time limit) ends the run; its query is killed.
    pub async fn next_row(&mut self) -> Result<Option<serde_json::Value>, AnalystError> {
        match self.next_event().await? {
            Some(Event::Row(row)) => {
                self.rows += 1;
                if self.rows > self.limits.max_result_rows {
                    return Err(self.stop(format!(
                        "the answer has more than {} rows (sql_max_result_rows); add a LIMIT or aggregate",
                        self.limits.max_result_rows
                    )));
                }
                Ok(Some(row))
            }
            Some(Event::Columns(_)) => Err(self.stop("the answer has two headers".into())),
            None => Ok(None),
        }
    }

    fn stop(&mut self, message: String) -> AnalystError {
        self.ended = true;
        AnalystError::Server(message)
    }

    async fn next_event(&mut self) -> Result<Option<Event>, AnalystError> {
        if self.ended {
            return Ok(None);
        }
        loop {
            if let Some(at) = self.pending[self.read..].iter().position(|&b| b == b'\n') {
                let line = &self.pending[self.read..self.read + at];
                self.read += at + 1;
                let text = String::from_utf8_lossy(line).into_owned();
                match self.reader.line(&text) {
                    Ok(Some(event)) => return Ok(Some(event)),
                    Ok(None) => continue,
                    Err(message) => return Err(self.stop(message)),
                }
            }
            let chunk = match tokio::time::timeout_at(self.deadline, self.cursor.next()).await {
                Err(_) => {
                    return Err(self.stop(format!(
                        "the query ran past {} s (sql_max_execution_time_secs) and was stopped",
                        self.limits.max_execution_time_secs
                    )))
                }
                Ok(Err(clickhouse::error::Error::BadResponse(message))) => {
                    self.kill.armed = false; // the server ended it
                    return Err(self.stop(json_compact::clean_server_message(&message)));
                }
                Ok(Err(e)) => return Err(self.stop(format!("reading the answer failed: {e}"))),
                Ok(Ok(chunk)) => chunk,
            };
            let Some(chunk) = chunk else {
                return self.end_of_body();
            };
            self.bytes += chunk.len() as u64;
            if self.bytes > self.limits.max_result_bytes.saturating_add(1 << 20) {
                return Err(self.stop(format!(
                    "the answer is larger than {} bytes (sql_max_result_bytes); add a LIMIT or aggregate",
                    self.limits.max_result_bytes
                )));
            }
            self.pending.drain(..self.read);
            self.read = 0;
            self.pending.extend_from_slice(&chunk);
        }
    }

    fn end_of_body(&mut self) -> Result<Option<Event>, AnalystError> {
        // A last line without `\n`: the server's exception after the rows.
        if self.read < self.pending.len() {
            let text = String::from_utf8_lossy(&self.pending[self.read..]).into_owned();
            self.read = self.pending.len();
            if let Err(message) = self.reader.line(&text) {
                return Err(self.stop(message));
            }
        }
        let end = self.reader.finish();
        self.ended = true;
        match end {
            Ok(()) => {
                self.kill.armed = false;
                Ok(None)
            }
            Err(message) => Err(AnalystError::Server(message)),
        }
    }
}
