//! A portal's month from its probes (issue 15 §4, docs/probes.md):
//! availability = successful probes / probes, the p95 response time of the
//! successful probes (nearest rank), the fewest certificate days left. A
//! month without probes has no figures — missing, never 0.

use chrono::{DateTime, Utc};

use crate::domain::Month;
use crate::store::{ProbeMonthRow, Store, StoreError};

/// Every probed unit-month in `from..=to`; those never probed are absent.
pub async fn portal_months(
    store: &Store,
    span: (Month, Month),
) -> Result<Vec<PortalMonth>, StoreError> {
    let rows = store.probe_months(span, None).await?;
    Ok(rows.into_iter().filter_map(PortalMonth::from_row).collect())
}

/// One unit's portal month, `None` when it was not probed in it.
pub async fn portal_month(
    store: &Store,
    unit: &str,
    month: Month,
) -> Result<Option<PortalMonth>, StoreError> {
    let rows = store.probe_months((month, month), Some(unit)).await?;
    Ok(rows.into_iter().find_map(PortalMonth::from_row))
}

/// The measures a portal month gives indicators (`config::PORTAL_MEASURES`):
/// only those it has — no p95 without a successful probe, no certificate
/// days without a certificate seen.
pub fn portal_measures(m: &PortalMonth) -> Vec<(&'static str, f64)> {
    let mut out = vec![
        ("portal_probes", m.probes as f64),
        ("portal_probes_ok", m.ok_probes as f64),
        ("portal_availability_pct", m.availability_pct),
    ];
    if let Some(p95) = m.p95_response_ms {
        out.push(("portal_p95_response_ms", f64::from(p95)));
    }
    if let Some(days) = m.cert_days_min {
        out.push(("portal_cert_days_left", f64::from(days)));
    }
    out
}

/// One unit's portal over one month.
#[derive(Debug, Clone, PartialEq)]
pub struct PortalMonth {
    pub unit: String,
    pub month: Month,
    pub probes: u64,
    pub ok_probes: u64,
    /// Percent of the month's probes that succeeded.
    pub availability_pct: f64,
    /// `None` when no probe succeeded: there is no response time to rank.
    pub p95_response_ms: Option<u32>,
    /// The lowest of the month; `None` when no certificate was ever seen.
    pub cert_days_min: Option<i32>,
    /// The newest probe: what the portal shows now.
    pub last: LastProbe,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LastProbe {
    pub ok: bool,
    pub status: u16,
    pub cert_days_left: Option<i32>,
    pub error: String,
    pub at: DateTime<Utc>,
}

impl PortalMonth {
    /// `None` for a row without probes (the store never returns one).
    pub fn from_row(row: ProbeMonthRow) -> Option<Self> {
        if row.probes == 0 {
            return None;
        }
        let month = row.month.get(..7)?.parse().ok()?;
        let mut times = row.ok_response_ms;
        Some(Self {
            unit: row.unit_code,
            month,
            probes: row.probes,
            ok_probes: row.ok_probes,
            availability_pct: 100.0 * row.ok_probes as f64 / row.probes as f64,
            p95_response_ms: p95(&mut times),
            cert_days_min: row.cert_days_min,
            last: LastProbe {
                ok: row.last_ok == 1,
                status: row.last_status,
                cert_days_left: row.last_cert_days,
                error: row.last_error,
                at: row.last_probed_at,
            },
        })
    }

    /// Percent of the month's probes that failed.
    pub fn down_pct(&self) -> f64 {
        100.0 - self.availability_pct
    }
}

/// The 95th percentile by nearest rank: the smallest value with at least
/// 95 % of the values at or below it (the ⌈0.95·n⌉-th smallest). Exact on
/// small months, where interpolating would invent a time no probe took.
pub fn p95(values: &mut [u32]) -> Option<u32> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = (values.len() * 95).div_ceil(100);
    values.get(rank.max(1) - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p95_is_the_nearest_rank() {
        assert_eq!(p95(&mut []), None);
        assert_eq!(p95(&mut [7]), Some(7));
        // 20 values: rank ⌈19⌉ = 19, the second largest.
        let mut twenty: Vec<u32> = (1..=20).collect();
        assert_eq!(p95(&mut twenty), Some(19));
        // 21 values: rank ⌈19.95⌉ = 20.
        let mut more: Vec<u32> = (1..=21).rev().collect();
        assert_eq!(p95(&mut more), Some(20));
        // 4 values: rank ⌈3.8⌉ = 4, the largest.
        assert_eq!(p95(&mut [100, 900, 120, 110]), Some(900));
    }
}
