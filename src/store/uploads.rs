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
}
