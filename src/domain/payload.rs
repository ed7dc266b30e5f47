//! The wire contract a unit's endpoint serves (`docs/source-api.md`), shared by the
//! collector that reads it and the simulator that serves it.
//!
//! Counts are signed on the wire on purpose: a negative count must reach validation
//! and be rejected with its field named, not fail deep inside the JSON parser.

use serde::{Deserialize, Serialize};

/// One page of `GET {base}/v1/stats?month=YYYY-MM[&cursor=C]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsPage {
    pub unit_code: String,
    pub month: String,
    pub generated_at: String,
    #[serde(default)]
    pub services: Vec<ServiceRecord>,
    #[serde(default)]
    pub measures: Vec<MeasureRecord>,
    /// Opaque cursor of the next page; absent or null on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// One administrative procedure (TTHC) offered by the unit, with its dossier counts for the month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceRecord {
    pub code: String,
    pub name: String,
    /// The field (lĩnh vực) the procedure belongs to.
    pub field: String,
    /// `full_online` (toàn trình, formerly level 4), `partial_online` (một phần,
    /// level 3) or `not_online` (levels 1–2).
    pub level: String,
    pub eligible_full_online: bool,
    pub integrated_national_portal: bool,
    pub received: i64,
    pub received_online: i64,
    pub processed: i64,
    pub processed_on_time: i64,
    pub processed_late: i64,
    pub pending_overdue: i64,
}

/// A unit-level measure that does not come per service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureRecord {
    pub code: String,
    pub value: f64,
    /// The system the figure comes from, when not the unit itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}
