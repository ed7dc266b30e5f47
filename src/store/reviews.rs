//! `outlier_reviews` (0013_outlier_reviews.sql): reviewers' verdicts on the
//! changes the data-quality page flags, every one kept, the newest standing.

use chrono::{DateTime, NaiveDate, Utc};
use clickhouse::Row;
use serde::{Deserialize, Serialize};
use serde_repr::{Deserialize_repr, Serialize_repr};

use super::{Store, StoreError};
use crate::domain::Month;

/// `outlier_reviews.verdict`, the Enum8 values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize_repr, Deserialize_repr)]
#[repr(i8)]
pub enum Verdict {
    /// Checked with the unit: the change is real.
    Correct = 1,
    /// The unit must correct its figures.
    ToCorrect = 2,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Correct => "correct",
            Verdict::ToCorrect => "to_correct",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Verdict::Correct, Verdict::ToCorrect]
            .into_iter()
            .find(|v| v.as_str() == text)
    }

    /// As the page says it.
    pub fn name_vi(self) -> &'static str {
        match self {
            Verdict::Correct => "Đã kiểm tra, đúng",
            Verdict::ToCorrect => "Cần đơn vị sửa",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct ReviewRow {
    pub unit_code: String,
    pub indicator: String,
    #[serde(with = "clickhouse::serde::chrono::date")]
    pub month: NaiveDate,
    pub verdict: Verdict,
    pub note: String,
    pub reviewer: String,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub reviewed_at: DateTime<Utc>,
    pub reviewed_us: u64,
}

impl Store {
    pub async fn record_review(&self, row: &ReviewRow) -> Result<(), StoreError> {
        self.insert_rows("outlier_reviews", std::slice::from_ref(row))
            .await
    }

    /// The standing (newest) verdict of every unit × indicator × month in `from..=to`.
    pub async fn reviews(&self, from: Month, to: Month) -> Result<Vec<ReviewRow>, StoreError> {
        let sql = "SELECT unit_code, indicator, month, argMax(verdict, reviewed_us), \
                   argMax(note, reviewed_us), argMax(reviewer, reviewed_us), \
                   argMax(reviewed_at, reviewed_us), max(reviewed_us) FROM outlier_reviews \
                   WHERE month >= toDate(?) AND month <= toDate(?) \
                   GROUP BY unit_code, indicator, month ORDER BY unit_code, indicator, month";
        let q = self
            .client
            .query(sql)
            .bind(from.first_day().to_string())
            .bind(to.first_day().to_string());
        self.run("read outlier reviews", q.fetch_all()).await
    }
}
