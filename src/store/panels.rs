//! Runs a dashboard panel's query: read-only, bounded, its values bound.

use super::{Store, StoreError};

/// Rows a panel may return; a dashboard is not an export.
const MAX_ROWS: u64 = 10_000;

impl Store {
    /// `sql` (with `?` placeholders) under `readonly=1` and a row cap, as
    /// `JSONCompact` bytes: meta (names, types), then rows as arrays.
    pub async fn panel_query(&self, sql: &str, values: &[String]) -> Result<Vec<u8>, StoreError> {
        let client = self
            .client
            .clone()
            .with_setting("readonly", "1")
            .with_setting("max_result_rows", MAX_ROWS.to_string())
            .with_setting("result_overflow_mode", "throw")
            .with_setting("output_format_json_quote_64bit_integers", "0");
        let mut query = client.query(sql);
        for v in values {
            query = query.bind(v.as_str());
        }
        let read = async {
            let mut cursor = query.fetch_bytes("JSONCompact")?;
            let mut out = Vec::new();
            while let Some(chunk) = cursor.next().await? {
                out.extend_from_slice(&chunk);
            }
            Ok(out)
        };
        self.run("dashboard panel", read).await
    }
}
