//! The portal reminders (issue 15 §4, docs/probes.md): pure rules over the
//! reminded month's portal figures (`compute::portal`). A unit gets
//! `portal_down` when its portal failed more than `portal_down_threshold_pct`
//! of the month's probes, and `cert_expiring` when a probe of the month saw
//! `cert_warn_days` or fewer days left on its certificate (or an expired one).
//! Their ledger keys are the other rules' (rule, unit, month, address): each
//! mail goes once per unit, month and kind. A month without probes owes nothing.

use serde::Serialize;

use super::render::{Content, RenderError, Templates};
use super::rules::{Intent, Mail, RuleKind};
use super::views::month_label;
use crate::compute::portal::PortalMonth;
use crate::config::{AlertSettings, Unit};
use crate::domain::number;
use crate::domain::Month;

/// The two thresholds of `alerts.toml`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PortalPolicy {
    pub down_threshold_pct: f64,
    pub cert_warn_days: i32,
}

impl From<&AlertSettings> for PortalPolicy {
    fn from(a: &AlertSettings) -> Self {
        Self {
            down_threshold_pct: a.portal_down_threshold_pct,
            cert_warn_days: a.cert_warn_days,
        }
    }
}

/// The portal mails due for the month of `months`, units in registry order.
pub fn portal_due(units: &[&Unit], months: &[PortalMonth], policy: PortalPolicy) -> Vec<Intent> {
    let mut out = Vec::new();
    for unit in units {
        let Some(m) = months.iter().find(|m| m.unit == unit.code.as_str()) else {
            continue;
        };
        let mut contacts: Vec<String> = Vec::new();
        for c in &unit.contacts {
            if !contacts.iter().any(|k| k.eq_ignore_ascii_case(c)) {
                contacts.push(c.clone());
            }
        }
        let mut push = |rule| {
            let mails: Vec<Mail> = contacts
                .iter()
                .map(|c| Mail {
                    to: vec![c.clone()],
                    cc: vec![],
                })
                .collect();
            if !mails.is_empty() {
                out.push(Intent {
                    rule,
                    unit: Some(unit.code.to_string()),
                    round: 0,
                    mails,
                });
            }
        };
        if m.down_pct() > policy.down_threshold_pct {
            push(RuleKind::PortalDown);
        }
        if m.cert_days_min.is_some_and(|d| d <= policy.cert_warn_days) {
            push(RuleKind::CertExpiring);
        }
    }
    out
}

/// What the portal templates are filled with; numbers already in Vietnamese form.
#[derive(Debug, Serialize)]
pub struct PortalView {
    pub month: String,
    pub unit_name: String,
    pub unit_code: String,
    pub portal_url: String,
    pub dashboard_url: String,
    pub probes: String,
    pub failed_probes: String,
    pub availability: String,
    pub down_share: String,
    pub threshold: String,
    /// The lowest days left of the month; negative once expired.
    pub cert_days_min: i32,
    pub cert_expired: bool,
    pub cert_days_abs: i32,
    pub cert_warn_days: i32,
    pub last_error: String,
}

/// The words of `rule`'s mail to `unit` about month `month`'s figures `m`.
pub fn content(
    templates: &Templates,
    rule: RuleKind,
    (unit, m, month): (&Unit, &PortalMonth, Month),
    alerts: &AlertSettings,
) -> Result<Content, RenderError> {
    let days = m.cert_days_min.unwrap_or_default();
    let view = PortalView {
        month: month_label(month),
        unit_name: unit.name.clone(),
        unit_code: unit.code.to_string(),
        portal_url: unit
            .portal
            .as_ref()
            .map(|p| p.url.clone())
            .unwrap_or_default(),
        dashboard_url: format!("{}/{}", alerts.dashboard_base_url, unit.code),
        probes: number::count(m.probes as f64),
        failed_probes: number::count(m.probes.saturating_sub(m.ok_probes) as f64),
        availability: number::percent(m.availability_pct),
        down_share: number::percent(m.down_pct()),
        threshold: number::percent(alerts.portal_down_threshold_pct),
        cert_days_min: days,
        cert_expired: days < 0,
        cert_days_abs: days.abs(),
        cert_warn_days: alerts.cert_warn_days,
        last_error: m.last.error.clone(),
    };
    templates.render(rule, &view, None)
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveDate};

    use super::*;
    use crate::compute::portal::LastProbe;
    use crate::config::SourceConfig;
    use crate::domain::{RankingGroup, UnitCode, UnitKind};

    fn unit(code: &str) -> Unit {
        Unit {
            code: UnitCode::new(code),
            name: format!("Tỉnh {code}"),
            kind: UnitKind::Province,
            group: RankingGroup::Province,
            from: NaiveDate::default(),
            until: None,
            successors: vec![],
            contacts: vec![format!("cds.{code}@units.invalid")],
            former_names: vec![],
            source: SourceConfig::File,
            portal: None,
        }
    }

    fn month(unit: &str, probes: u64, ok: u64, cert: Option<i32>) -> PortalMonth {
        PortalMonth {
            unit: unit.into(),
            month: "2026-06".parse().unwrap(),
            probes,
            ok_probes: ok,
            availability_pct: 100.0 * ok as f64 / probes as f64,
            p95_response_ms: None,
            cert_days_min: cert,
            last: LastProbe {
                ok: true,
                status: 200,
                cert_days_left: cert,
                error: String::new(),
                at: DateTime::default(),
            },
        }
    }

    #[test]
    fn down_past_the_threshold_and_certificates_within_the_warning_are_due() {
        let units = [unit("01"), unit("02"), unit("04"), unit("06")];
        let units: Vec<&Unit> = units.iter().collect();
        let months = [
            // 5 of 100 failed: at the threshold, not past it.
            month("01", 100, 95, Some(46)),
            // 6 of 100: past it; the certificate at exactly 45 days.
            month("02", 100, 94, Some(45)),
            // Expired.
            month("04", 10, 10, Some(-3)),
        ];
        let policy = PortalPolicy {
            down_threshold_pct: 5.0,
            cert_warn_days: 45,
        };
        let due: Vec<(RuleKind, String)> = portal_due(&units, &months, policy)
            .into_iter()
            .map(|i| (i.rule, i.unit.unwrap_or_default()))
            .collect();
        assert_eq!(
            due,
            [
                (RuleKind::PortalDown, "02".to_string()),
                (RuleKind::CertExpiring, "02".to_string()),
                (RuleKind::CertExpiring, "04".to_string()),
            ],
            "06 was never probed: nothing is due for it"
        );
    }
}
