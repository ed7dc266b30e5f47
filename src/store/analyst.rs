//! The analyst SQL endpoint's ClickHouse side: a query checked by
//! `sql_guard`, then sent with `readonly=1` and the configured limits, so the
//! server refuses writes, DDL and any settings change (a `SETTINGS` clause
//! included) even if the check were fooled.

use super::sql_guard::{self, Refusal};
use super::{Store, StoreError};

/// Limits sent with every analyst query (`[web]` of chiso.toml).
#[derive(Debug, Clone, Copy)]
pub struct AnalystLimits {
    pub max_execution_time_secs: u64,
    pub max_result_rows: u64,
    pub max_result_bytes: u64,
}

/// The output ClickHouse writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalystFormat {
    /// `JSONCompact`: meta (names and types), then rows as arrays.
    JsonCompact,
    /// `CSVWithNames`: a header line, then rows.
    Csv,
}

impl AnalystFormat {
    fn clickhouse_name(self) -> &'static str {
        match self {
            AnalystFormat::JsonCompact => "JSONCompact",
            AnalystFormat::Csv => "CSVWithNames",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AnalystError {
    /// The check refused the text; nothing was sent.
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// ClickHouse refused or failed the query (syntax, unknown column, a limit,
    /// read-only mode): its message, for the analyst.
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

    /// Checks `sql` (one reading statement over chiso's database) and runs it read-only.
    pub async fn analyst_query(
        &self,
        sql: &str,
        format: AnalystFormat,
        limits: AnalystLimits,
    ) -> Result<Vec<u8>, AnalystError> {
        let others = self.other_databases().await?;
        let checked = sql_guard::check(sql, &self.database, &others)?;
        self.run_readonly(&checked.sql, format, limits).await
    }

    /// The second lock alone: runs `sql` unchecked under `readonly=1` and the
    /// limits. Public so a test can show the server refuses what the check would.
    pub async fn run_readonly(
        &self,
        sql: &str,
        format: AnalystFormat,
        limits: AnalystLimits,
    ) -> Result<Vec<u8>, AnalystError> {
        let client = self
            .client
            .clone()
            .with_setting("readonly", "1")
            .with_setting(
                "max_execution_time",
                limits.max_execution_time_secs.to_string(),
            )
            .with_setting("max_result_rows", limits.max_result_rows.to_string())
            .with_setting("max_result_bytes", limits.max_result_bytes.to_string())
            .with_setting("result_overflow_mode", "throw")
            // Buffer server-side so an error (a limit hit mid-way) is an HTTP error, not a cut body.
            .with_setting("wait_end_of_query", "1")
            .with_setting("output_format_json_quote_64bit_integers", "0");
        let read = async {
            let mut cursor = client
                .query_raw(sql)
                .fetch_bytes(format.clickhouse_name())?;
            let mut out = Vec::new();
            while let Some(chunk) = cursor.next().await? {
                out.extend_from_slice(&chunk);
                // The server caps the result; this caps what a misbehaving one could send.
                if out.len() as u64 > limits.max_result_bytes.saturating_mul(4) + 65_536 {
                    break;
                }
            }
            Ok(out)
        };
        match self.run("analyst query", read).await {
            Ok(bytes) => Ok(bytes),
            Err(StoreError::Query {
                source: clickhouse::error::Error::BadResponse(message),
                ..
            }) => Err(AnalystError::Server(clean_server_message(&message))),
            Err(e) => Err(AnalystError::Store(e)),
        }
    }
}

/// `Code: 164, e.displayText() = DB::Exception: Cannot … , e.what() = …` → `Cannot … (code 164)`.
fn clean_server_message(message: &str) -> String {
    let text = message.trim();
    let code: String = text
        .strip_prefix("Code: ")
        .map(|r| r.chars().take_while(char::is_ascii_digit).collect())
        .unwrap_or_default();
    let body = text
        .split("DB::Exception: ")
        .nth(1)
        .map(|r| r.split(", e.what()").next().unwrap_or(r))
        .map(|r| r.split(" (version").next().unwrap_or(r))
        .unwrap_or(text)
        .trim();
    if code.is_empty() {
        body.to_string()
    } else {
        format!("{body} (code {code})")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn server_messages_keep_the_reason_and_code() {
        assert_eq!(
            super::clean_server_message(
                "Code: 164, e.displayText() = DB::Exception: Cannot insert into table in readonly mode, e.what() = DB::Exception\n"
            ),
            "Cannot insert into table in readonly mode (code 164)"
        );
        assert_eq!(
            super::clean_server_message(
                "Code: 164. DB::Exception: Cannot execute query in readonly mode. (READONLY) (version 24.8.1)"
            ),
            "Cannot execute query in readonly mode. (READONLY) (code 164)"
        );
    }
}
