//! `uploads` (0014_uploads_and_publications.sql): the monthly files units send
//! through the upload page, kept whole with who sent them. Their data goes
//! through the collection sink like an import; this table keeps the file.

use chrono::{DateTime, Utc};
use clickhouse::Row;
use serde::{Deserialize, Serialize};
use serde_repr::{Deserialize_repr, Serialize_repr};

use super::{Store, StoreError};

/// `uploads.state`, the Enum8 values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize_repr, Deserialize_repr)]
#[repr(i8)]
pub enum UploadState {
    /// Checked and shown to its sender; nothing of it stored as data.
    Previewed = 1,
    /// Confirmed by its sender: its unit-months went through the batch path.
    Confirmed = 2,
}

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct UploadRow {
    pub upload_id: String,
    pub uploaded_by: String,
    pub unit_code: String,
    pub file_name: String,
    /// The bytes as sent: a file that is not UTF-8 is kept as it came.
    #[serde(with = "serde_bytes")]
    pub content: Vec<u8>,
    pub sha256: String,
    pub problems: u32,
    pub state: UploadState,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub received_at: DateTime<Utc>,
    pub version: u64,
}

impl Store {
    pub async fn record_upload(&self, row: &UploadRow) -> Result<(), StoreError> {
        self.insert_rows("uploads", std::slice::from_ref(row)).await
    }

    /// The newest row of upload `id`, if there is one.
    pub async fn upload(&self, id: &str) -> Result<Option<UploadRow>, StoreError> {
        let q = self
            .client
            .query("SELECT ?fields FROM uploads WHERE upload_id = ? ORDER BY version DESC LIMIT 1")
            .bind(id);
        self.run("read uploads", q.fetch_optional()).await
    }

    /// The newest upload `login` sent, if any.
    pub async fn newest_upload_of(&self, login: &str) -> Result<Option<UploadRow>, StoreError> {
        let q = self
            .client
            .query(
                "SELECT ?fields FROM uploads WHERE uploaded_by = ? ORDER BY version DESC LIMIT 1",
            )
            .bind(login);
        self.run("read uploads", q.fetch_optional()).await
    }

    /// How many files `login` previewed since `since`: the page caps it, so
    /// one account cannot fill the disk with files it never confirms.
    pub async fn previews_since(
        &self,
        login: &str,
        since: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let q = self
            .client
            .query(
                "SELECT uniqExact(upload_id) FROM uploads \
                 WHERE uploaded_by = ? AND state = 'previewed' AND received_at >= toDateTime(?)",
            )
            .bind(login)
            .bind(since.timestamp());
        self.run("count previewed uploads", q.fetch_one()).await
    }

    /// Drops previews older than `before` that were never confirmed: their
    /// files were checked and shown, and nothing else reads them. A confirmed
    /// upload keeps its file in its confirmed row. Returns how many went.
    pub async fn prune_previews(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let stale = "state = 'previewed' AND received_at < toDateTime(?) \
                     AND upload_id NOT IN (SELECT upload_id FROM uploads WHERE state = 'confirmed')";
        let q = self
            .client
            .query(&format!("SELECT count() FROM uploads WHERE {stale}"))
            .bind(before.timestamp());
        let count: u64 = self.run("count stale previews", q.fetch_one()).await?;
        if count == 0 {
            return Ok(0);
        }
        // A mutation: applied in the background, the rows go within seconds.
        let q = self
            .client
            .query(&format!("ALTER TABLE uploads DELETE WHERE {stale}"))
            .bind(before.timestamp());
        self.run("drop stale previews", q.execute()).await?;
        Ok(count)
    }
}
