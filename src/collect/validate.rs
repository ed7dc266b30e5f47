//! Pure validation of what a unit sent: pages of the source API (or CSV rows
//! shaped as one) become a `Batch`, or a `Rejection` naming unit, month and field.
//! The whole unit-month is accepted or rejected together.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::ProblemKind;
use crate::config::MeasureCatalogue;
use crate::domain::payload::{MeasureRecord, ServiceRecord, StatsPage};
use crate::domain::{Month, ServiceLevel, UnitCode};

/// A validated unit-month, ready to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Batch {
    pub unit: UnitCode,
    pub month: Month,
    pub services: Vec<ValidService>,
    pub measures: Vec<ValidMeasure>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidService {
    pub code: String,
    pub name: String,
    pub field: String,
    pub level: ServiceLevel,
    pub eligible_full_online: bool,
    pub integrated_national_portal: bool,
    pub received: u64,
    pub received_online: u64,
    pub processed: u64,
    pub processed_on_time: u64,
    pub processed_late: u64,
    pub pending_overdue: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidMeasure {
    pub code: String,
    pub value: f64,
    pub source: Option<String>,
}

/// Why a unit-month was turned away.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Rejection {
    pub unit: UnitCode,
    pub month: Month,
    /// The offending field, as a path: `services[code=1.0012].received_online`.
    pub field: String,
    pub reason: String,
    /// What `reason` says, for pages that say it in their reader's language
    /// (boxed: a rejection is an `Err` and stays small).
    pub kind: Box<ProblemKind>,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unit {}, month {}: field '{}': {}",
            self.unit, self.month, self.field, self.reason
        )
    }
}

/// What the source promises: an API payload is the unit's whole report; a CSV
/// file may carry only services or only measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    WholeReport { expects_services: bool },
    Partial,
}

impl Batch {
    /// A stable digest of the content: an unchanged re-pull stores nothing.
    /// Every field goes into SHA-256 in a fixed binary form (strings length
    /// first), services and measures sorted by code; a JSON encoding of the
    /// same took most of a pull's CPU (`make bench`, ingest).
    pub fn content_hash(&self) -> String {
        let mut services: Vec<&ValidService> = self.services.iter().collect();
        services.sort_by(|a, b| a.code.cmp(&b.code));
        let mut measures: Vec<&ValidMeasure> = self.measures.iter().collect();
        measures.sort_by(|a, b| a.code.cmp(&b.code));
        let mut digest = Sha256::new();
        digest.update((services.len() as u64).to_le_bytes());
        for s in services {
            s.digest(&mut digest);
        }
        digest.update((measures.len() as u64).to_le_bytes());
        for m in measures {
            m.digest(&mut digest);
        }
        digest
            .finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

fn digest_str(digest: &mut Sha256, text: &str) {
    digest.update((text.len() as u64).to_le_bytes());
    digest.update(text.as_bytes());
}

impl ValidService {
    fn digest(&self, digest: &mut Sha256) {
        // Destructured so that a new field cannot be left out of the hash.
        let ValidService {
            code,
            name,
            field,
            level,
            eligible_full_online,
            integrated_national_portal,
            received,
            received_online,
            processed,
            processed_on_time,
            processed_late,
            pending_overdue,
        } = self;
        for text in [code, name, field] {
            digest_str(digest, text);
        }
        digest_str(digest, level.as_str());
        digest.update([
            u8::from(*eligible_full_online),
            u8::from(*integrated_national_portal),
        ]);
        for n in [
            received,
            received_online,
            processed,
            processed_on_time,
            processed_late,
            pending_overdue,
        ] {
            digest.update(n.to_le_bytes());
        }
    }
}

impl ValidMeasure {
    fn digest(&self, digest: &mut Sha256) {
        let ValidMeasure {
            code,
            value,
            source,
        } = self;
        digest_str(digest, code);
        digest.update(value.to_bits().to_le_bytes());
        match source {
            Some(source) => {
                digest.update([1]);
                digest_str(digest, source);
            }
            None => digest.update([0]),
        }
    }
}

/// Validates the pages a unit sent for `month`.
pub fn validate(
    unit: &UnitCode,
    month: Month,
    pages: &[StatsPage],
    completeness: Completeness,
    catalogue: &MeasureCatalogue,
) -> Result<Batch, Rejection> {
    let reject = |field: String, kind: ProblemKind| Rejection {
        unit: unit.clone(),
        month,
        field,
        reason: kind.to_string(),
        kind: Box::new(kind),
    };
    for page in pages {
        if page.unit_code != unit.as_str() {
            return Err(reject(
                "unit_code".into(),
                ProblemKind::UnitMismatch {
                    written: page.unit_code.clone(),
                },
            ));
        }
        if page.month != month.to_string() {
            return Err(reject(
                "month".into(),
                ProblemKind::MonthMismatch {
                    written: page.month.clone(),
                },
            ));
        }
    }
    let services: Vec<&ServiceRecord> = pages.iter().flat_map(|p| &p.services).collect();
    let measures: Vec<&MeasureRecord> = pages.iter().flat_map(|p| &p.measures).collect();
    if services.is_empty() && measures.is_empty() {
        return Err(reject("services".into(), ProblemKind::EmptyPayload));
    }
    if let Completeness::WholeReport {
        expects_services: true,
    } = completeness
    {
        if services.is_empty() {
            return Err(reject("services".into(), ProblemKind::NoServices));
        }
    }
    let mut seen = HashSet::new();
    let mut valid_services = Vec::with_capacity(services.len());
    for (i, s) in services.iter().enumerate() {
        if !seen.insert(s.code.as_str()) {
            return Err(reject(
                format!("services[{i}].code"),
                ProblemKind::Duplicate {
                    code: s.code.clone(),
                },
            ));
        }
        valid_services.push(check_service(s, i).map_err(|(field, reason)| reject(field, reason))?);
    }
    let mut seen = HashSet::new();
    let mut valid_measures = Vec::with_capacity(measures.len());
    for m in measures {
        let field = format!("measures[code={}].value", m.code);
        if !seen.insert(m.code.as_str()) {
            return Err(reject(
                format!("measures[code={}]", m.code),
                ProblemKind::Duplicate {
                    code: String::new(),
                },
            ));
        }
        catalogue
            .check(&m.code, m.value)
            .map_err(|reason| reject(field, ProblemKind::Other(reason)))?;
        valid_measures.push(ValidMeasure {
            code: m.code.clone(),
            value: m.value,
            source: m.source.clone(),
        });
    }
    Ok(Batch {
        unit: unit.clone(),
        month,
        services: valid_services,
        measures: valid_measures,
    })
}

/// A month's dossiers for one procedure stay below 10^9: a larger count is
/// a broken source, and would distort every sum and rate it enters.
pub const MAX_SERVICE_COUNT: u64 = 999_999_999;

fn check_service(s: &ServiceRecord, index: usize) -> Result<ValidService, (String, ProblemKind)> {
    if s.code.trim().is_empty() {
        return Err((format!("services[{index}].code"), ProblemKind::EmptyCode));
    }
    let at = |field: &str| format!("services[code={}].{field}", s.code);
    let count = |field: &str, v: i64| match u64::try_from(v) {
        Err(_) => Err((at(field), ProblemKind::Negative { value: v })),
        Ok(n) if n > MAX_SERVICE_COUNT => Err((
            at(field),
            ProblemKind::AboveMaximum {
                value: n,
                max: MAX_SERVICE_COUNT,
            },
        )),
        Ok(n) => Ok(n),
    };
    let received = count("received", s.received)?;
    let received_online = count("received_online", s.received_online)?;
    let processed = count("processed", s.processed)?;
    let on_time = count("processed_on_time", s.processed_on_time)?;
    let late = count("processed_late", s.processed_late)?;
    let pending_overdue = count("pending_overdue", s.pending_overdue)?;
    if received_online > received {
        return Err((
            at("received_online"),
            ProblemKind::OnlineAboveReceived {
                online: received_online,
                received,
            },
        ));
    }
    if on_time.saturating_add(late) > processed {
        return Err((
            at("processed_on_time"),
            ProblemKind::HandledAboveProcessed {
                on_time,
                late,
                processed,
            },
        ));
    }
    let level: ServiceLevel = s
        .level
        .parse()
        .map_err(|e| (at("level"), ProblemKind::Other(e)))?;
    if level == ServiceLevel::FullOnline && !s.eligible_full_online {
        return Err((at("level"), ProblemKind::NotEligibleFullOnline));
    }
    Ok(ValidService {
        code: s.code.trim().to_string(),
        name: s.name.clone(),
        field: s.field.clone(),
        level,
        eligible_full_online: s.eligible_full_online,
        integrated_national_portal: s.integrated_national_portal,
        received,
        received_online,
        processed,
        processed_on_time: on_time,
        processed_late: late,
        pending_overdue,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn catalogue() -> MeasureCatalogue {
        MeasureCatalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/measures.toml"))
            .unwrap()
    }

    fn service(code: &str) -> ServiceRecord {
        ServiceRecord {
            code: code.into(),
            name: "Cấp giấy phép xây dựng".into(),
            field: "Xây dựng".into(),
            level: "full_online".into(),
            eligible_full_online: true,
            integrated_national_portal: true,
            received: 100,
            received_online: 80,
            processed: 90,
            processed_on_time: 85,
            processed_late: 5,
            pending_overdue: 1,
        }
    }

    fn page(services: Vec<ServiceRecord>) -> StatsPage {
        StatsPage {
            unit_code: "79".into(),
            month: "2021-06".into(),
            generated_at: "2021-07-01T00:00:00+07:00".into(),
            services,
            measures: vec![MeasureRecord {
                code: "satisfaction_percent".into(),
                value: 91.5,
                source: None,
            }],
            next_cursor: None,
        }
    }

    fn check(pages: &[StatsPage]) -> Result<Batch, Rejection> {
        let whole = Completeness::WholeReport {
            expects_services: true,
        };
        validate(
            &UnitCode::new("79"),
            "2021-06".parse().unwrap(),
            pages,
            whole,
            &catalogue(),
        )
    }

    #[test]
    fn a_good_payload_is_accepted_whole() {
        let mut second = page(vec![service("c")]);
        second.measures.clear();
        let b = check(&[page(vec![service("a"), service("b")]), second]).unwrap();
        assert_eq!(b.services.len(), 3);
        assert_eq!(b.measures.len(), 1);
    }

    #[test]
    fn online_above_received_is_rejected_naming_unit_month_and_field() {
        let mut s = service("1.0012");
        s.received_online = 120;
        let err = check(&[page(vec![s])]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unit 79, month 2021-06: field 'services[code=1.0012].received_online': 120 exceeds received 100"
        );
    }

    #[test]
    fn negative_counts_are_rejected() {
        let mut s = service("x");
        s.pending_overdue = -3;
        assert_eq!(
            check(&[page(vec![s])]).unwrap_err().field,
            "services[code=x].pending_overdue"
        );
    }

    #[test]
    fn implausible_counts_and_measures_are_rejected_naming_the_field() {
        let mut s = service("x");
        s.received = 1_000_000_000;
        s.received_online = 0;
        let err = check(&[page(vec![s])]).unwrap_err();
        assert_eq!(err.field, "services[code=x].received");
        assert!(err.reason.contains("plausible maximum"), "{err}");
        let mut p = page(vec![service("x")]);
        p.measures[0] = MeasureRecord {
            code: "documents_exchanged_electronic".into(),
            value: 1e307,
            source: None,
        };
        let err = check(&[p]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unit 79, month 2021-06: field 'measures[code=documents_exchanged_electronic].value': \
             1e307 exceeds the plausible maximum 100000000 (measures.toml)"
        );
    }

    #[test]
    fn on_time_plus_late_above_processed_is_rejected() {
        let mut s = service("x");
        s.processed_late = 10;
        assert!(check(&[page(vec![s])])
            .unwrap_err()
            .reason
            .contains("exceeds processed 90"));
    }

    #[test]
    fn wrong_month_or_unit_is_rejected() {
        let mut p = page(vec![service("x")]);
        p.month = "2021-05".into();
        assert_eq!(check(&[p]).unwrap_err().field, "month");
        let mut p = page(vec![service("x")]);
        p.unit_code = "01".into();
        assert_eq!(check(&[p]).unwrap_err().field, "unit_code");
    }

    #[test]
    fn unknown_level_and_unknown_measure_are_rejected() {
        let mut s = service("x");
        s.level = "level_5".into();
        assert!(check(&[page(vec![s])])
            .unwrap_err()
            .reason
            .contains("not a service level"));
        let mut p = page(vec![service("x")]);
        p.measures[0].code = "made_up".into();
        assert!(check(&[p])
            .unwrap_err()
            .reason
            .contains("unknown measure 'made_up'"));
    }

    #[test]
    fn a_measure_sent_on_two_pages_is_rejected() {
        let err = check(&[page(vec![service("a")]), page(vec![service("b")])]).unwrap_err();
        assert_eq!(err.field, "measures[code=satisfaction_percent]");
    }

    #[test]
    fn empty_payload_and_duplicate_services_are_rejected() {
        let mut p = page(vec![]);
        p.measures.clear();
        assert!(check(&[p]).unwrap_err().reason.contains("empty"));
        assert!(check(&[page(vec![service("x"), service("x")])])
            .unwrap_err()
            .reason
            .contains("twice"));
    }

    #[test]
    fn a_ministry_without_services_may_send_only_measures() {
        let whole = Completeness::WholeReport {
            expects_services: false,
        };
        let p = page(vec![]);
        let b = validate(
            &UnitCode::new("79"),
            "2021-06".parse().unwrap(),
            &[p],
            whole,
            &catalogue(),
        )
        .unwrap();
        assert!(b.services.is_empty());
    }

    #[test]
    fn content_hash_changes_with_every_kind_of_field() {
        let base = check(&[page(vec![service("a")])]).unwrap();
        let mut changed: Vec<Batch> = Vec::new();
        let mut edit = |f: &dyn Fn(&mut Batch)| {
            let mut b = base.clone();
            f(&mut b);
            changed.push(b);
        };
        edit(&|b| b.services[0].name.push('.'));
        edit(&|b| b.services[0].level = ServiceLevel::PartialOnline);
        edit(&|b| b.services[0].integrated_national_portal = false);
        edit(&|b| b.services[0].pending_overdue += 1);
        edit(&|b| b.measures[0].value += 0.5);
        edit(&|b| b.measures[0].source = Some("unit:http".into()));
        // Text moved between two fields is another content.
        edit(&|b| {
            b.services[0].name = "Cấp giấy phép xây dựngXây".into();
            b.services[0].field = " dựng".into();
        });
        let mut hashes: Vec<String> = changed.iter().map(Batch::content_hash).collect();
        hashes.push(base.content_hash());
        let count = hashes.len();
        hashes.sort();
        hashes.dedup();
        assert_eq!(hashes.len(), count, "two contents share a hash");
    }

    #[test]
    fn content_hash_ignores_order_but_not_values() {
        let a = check(&[page(vec![service("a"), service("b")])]).unwrap();
        let b = check(&[page(vec![service("b"), service("a")])]).unwrap();
        assert_eq!(a.content_hash(), b.content_hash());
        let mut s = service("a");
        s.received = 101;
        let c = check(&[page(vec![s, service("b")])]).unwrap();
        assert_ne!(a.content_hash(), c.content_hash());
    }
}
