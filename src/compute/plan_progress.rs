//! A unit's service plan (letter 1145/BTTTT-THH) against what it reported:
//! per service, the target month against the month it first reported the
//! service fully online; per month, the services the plan puts fully online
//! by then against those reported so. Pure: the store's rows come in.
//!
//! The services behind the plan are those whose target month has passed and
//! whose newest report is not fully online (issue 15 §3).

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::config::Unit;
use crate::domain::Month;
use crate::store::{
    FilingSpan, MonthFullOnline, PlanFiling, PlanRow, ServiceLevelSpan, Store, StoreError,
};

/// Whether a unit filed its plan, judged on its first filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FilingStatus {
    /// First filed by the deadline.
    Filed,
    /// First filed after the deadline.
    Late,
    /// None filed, and the deadline has passed.
    Missing,
    /// None filed yet; the deadline has not passed.
    Awaited,
}

impl FilingStatus {
    /// `first_filed_at`: the unit's first filing; the deadline is the last
    /// day on time, in `zone` (Vietnam).
    pub fn of(
        first_filed_at: Option<DateTime<Utc>>,
        deadline: NaiveDate,
        zone: Tz,
        today: NaiveDate,
    ) -> Self {
        match first_filed_at {
            Some(at) if at.with_timezone(&zone).date_naive() <= deadline => FilingStatus::Filed,
            Some(_) => FilingStatus::Late,
            None if today > deadline => FilingStatus::Missing,
            None => FilingStatus::Awaited,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FilingStatus::Filed => "filed",
            FilingStatus::Late => "late",
            FilingStatus::Missing => "missing",
            FilingStatus::Awaited => "awaited",
        }
    }
}

/// Where one planned service stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    /// Fully online now, first so before its target month.
    Ahead,
    /// Fully online now, first so in its target month.
    OnTime,
    /// Fully online now, first so after its target month.
    Late,
    /// Its target month has passed and it is not fully online now.
    BehindPlan,
    /// Not fully online yet; its target month has not passed.
    NotYetDue,
    /// Declared not eligible, with a reason.
    NotEligible,
}

impl ServiceStatus {
    pub const ALL: [ServiceStatus; 6] = [
        ServiceStatus::BehindPlan,
        ServiceStatus::Late,
        ServiceStatus::OnTime,
        ServiceStatus::Ahead,
        ServiceStatus::NotYetDue,
        ServiceStatus::NotEligible,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceStatus::Ahead => "ahead",
            ServiceStatus::OnTime => "on_time",
            ServiceStatus::Late => "late",
            ServiceStatus::BehindPlan => "behind_plan",
            ServiceStatus::NotYetDue => "not_yet_due",
            ServiceStatus::NotEligible => "not_eligible",
        }
    }
}

/// One service of the plan with what the reports say of it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ServiceProgress {
    pub service_code: String,
    pub service_name: String,
    pub eligible: bool,
    /// The month the plan puts it fully online (eligible services), `YYYY-MM`.
    #[schema(value_type = Option<String>)]
    pub target_month: Option<Month>,
    /// Why it is not eligible (a `plans.toml` reason code).
    pub reason: Option<String>,
    /// The first month reported fully online, up to the as-of month (`YYYY-MM`).
    #[schema(value_type = Option<String>)]
    pub first_full_online: Option<Month>,
    /// Its level in the newest month reported (`full_online`, …); none if never reported.
    pub last_level: Option<String>,
    pub status: ServiceStatus,
}

/// One month of the plan's span.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MonthProgress {
    /// `YYYY-MM`.
    #[schema(value_type = String)]
    pub month: Month,
    /// Eligible services whose target month is this one or earlier.
    pub planned: u32,
    /// The plan's eligible services reported fully online in the month; none
    /// when the unit reported no services for it (missing is not zero).
    pub actual: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanProgress {
    pub as_of: Month,
    pub services: Vec<ServiceProgress>,
    pub months: Vec<MonthProgress>,
    /// Services the unit reported up to the as-of month that the plan does
    /// not list (the letter asks for every service, eligible or not).
    pub not_in_plan: Vec<String>,
}

impl PlanProgress {
    /// How many services have `status`.
    pub fn count(&self, status: ServiceStatus) -> usize {
        self.services.iter().filter(|s| s.status == status).count()
    }

    /// The plan's span: its first to its last target month.
    pub fn span(rows: &[PlanRow]) -> Option<(Month, Month)> {
        let targets = rows.iter().filter_map(target_of);
        let first = targets.clone().min()?;
        Some((first, targets.max().unwrap_or(first)))
    }

    /// Plan against actual as of `as_of` (the month judged: a target month
    /// before it has passed). `levels` and `months` are the store's answers
    /// up to `as_of` and over the plan's span.
    pub fn of(
        rows: &[PlanRow],
        levels: &[ServiceLevelSpan],
        months: &[MonthFullOnline],
        as_of: Month,
    ) -> Self {
        let by_code: BTreeMap<&str, &ServiceLevelSpan> = levels
            .iter()
            .map(|l| (l.service_code.as_str(), l))
            .collect();
        let services = rows
            .iter()
            .map(|row| service(row, by_code.get(row.service_code.as_str()), as_of))
            .collect();
        let planned: HashSet<&str> = rows.iter().map(|r| r.service_code.as_str()).collect();
        Self {
            as_of,
            services,
            months: monthly(rows, months, as_of),
            not_in_plan: levels
                .iter()
                .filter(|l| !planned.contains(l.service_code.as_str()))
                .map(|l| l.service_code.clone())
                .collect(),
        }
    }
}

/// A unit's plan filing status, as the national picture lists it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UnitFiling {
    pub code: String,
    pub name: String,
    pub status: FilingStatus,
    /// When its first plan was filed; null if none was.
    pub first_filed_at: Option<DateTime<Utc>>,
    /// How many times it filed (a refiling replaces the plan).
    pub filings: u64,
}

/// Each of `units`' filing status on `today` against `deadline` (in `zone`).
pub async fn filing_statuses(
    store: &Store,
    units: &[&Unit],
    (deadline, zone): (NaiveDate, Tz),
    today: NaiveDate,
) -> Result<Vec<UnitFiling>, StoreError> {
    let spans: BTreeMap<String, FilingSpan> = store
        .filing_spans()
        .await?
        .into_iter()
        .map(|s| (s.unit_code.clone(), s))
        .collect();
    Ok(units
        .iter()
        .map(|u| {
            let span = spans.get(u.code.as_str());
            let first = span.and_then(|s| DateTime::from_timestamp(i64::from(s.first_filed_at), 0));
            UnitFiling {
                code: u.code.to_string(),
                name: u.name.clone(),
                status: FilingStatus::of(first, deadline, zone, today),
                first_filed_at: first,
                filings: span.map_or(0, |s| s.filings),
            }
        })
        .collect())
}

/// A unit's plan as filed, with its progress.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitPlan {
    /// The newest filing: the plan.
    pub current: PlanFiling,
    /// The first filing: on time or late.
    pub first: PlanFiling,
    pub filings: usize,
    pub progress: PlanProgress,
}

/// `unit`'s current plan against its reports up to `as_of`; none if it filed none.
pub async fn unit_plan(
    store: &Store,
    unit: &str,
    as_of: Month,
) -> Result<Option<UnitPlan>, StoreError> {
    let filings = store.plan_filings(unit).await?;
    let (Some(current), Some(first)) = (filings.first(), filings.last()) else {
        return Ok(None);
    };
    let rows = store.plan_rows(unit, current.version).await?;
    let levels = store.service_level_spans(unit, as_of).await?;
    let months = match PlanProgress::span(&rows) {
        Some((from, to)) => {
            store
                .months_full_online(unit, (from, to.min(as_of)))
                .await?
        }
        None => Vec::new(),
    };
    Ok(Some(UnitPlan {
        current: current.clone(),
        first: first.clone(),
        filings: filings.len(),
        progress: PlanProgress::of(&rows, &levels, &months, as_of),
    }))
}

fn target_of(row: &PlanRow) -> Option<Month> {
    (row.eligible == 1).then(|| Month::of(row.target_month))
}

/// `YYYY-MM-DD` or `YYYY-MM` as a month; empty as none.
fn month_of(text: &str) -> Option<Month> {
    text.get(..7).and_then(|m| m.parse().ok())
}

fn service(row: &PlanRow, seen: Option<&&ServiceLevelSpan>, as_of: Month) -> ServiceProgress {
    let target = target_of(row);
    let first_full = seen.and_then(|s| month_of(&s.first_full_online));
    let last_level = seen.map(|s| s.last_level.clone());
    let full_now = last_level.as_deref() == Some("full_online");
    let status = match (target, first_full) {
        (None, _) => ServiceStatus::NotEligible,
        (Some(t), Some(first)) if full_now => match first.cmp(&t) {
            std::cmp::Ordering::Less => ServiceStatus::Ahead,
            std::cmp::Ordering::Equal => ServiceStatus::OnTime,
            std::cmp::Ordering::Greater => ServiceStatus::Late,
        },
        (Some(t), _) if t < as_of => ServiceStatus::BehindPlan,
        (Some(_), _) => ServiceStatus::NotYetDue,
    };
    ServiceProgress {
        service_code: row.service_code.clone(),
        service_name: row.service_name.clone(),
        eligible: target.is_some(),
        target_month: target,
        reason: (row.eligible == 0).then(|| row.reason.clone()),
        first_full_online: first_full,
        last_level,
        status,
    }
}

fn monthly(rows: &[PlanRow], months: &[MonthFullOnline], as_of: Month) -> Vec<MonthProgress> {
    let Some((first, last)) = PlanProgress::span(rows) else {
        return Vec::new();
    };
    let planned_codes: HashSet<&str> = rows
        .iter()
        .filter(|r| r.eligible == 1)
        .map(|r| r.service_code.as_str())
        .collect();
    let reported: BTreeMap<Month, &MonthFullOnline> = months
        .iter()
        .filter_map(|m| month_of(&m.month).map(|k| (k, m)))
        .collect();
    first
        .through(last)
        .map(|m| MonthProgress {
            month: m,
            planned: rows
                .iter()
                .filter_map(target_of)
                .filter(|t| *t <= m)
                .count() as u32,
            actual: reported.get(&m).filter(|_| m <= as_of).map(|r| {
                r.full_online
                    .iter()
                    .filter(|c| planned_codes.contains(c.as_str()))
                    .count() as u32
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Month {
        s.parse().unwrap()
    }

    fn row(code: &str, target: Option<&str>) -> PlanRow {
        PlanRow {
            unit_code: "01".into(),
            version: 1,
            line: 2,
            service_code: code.into(),
            service_name: format!("Thủ tục {code}"),
            eligible: u8::from(target.is_some()),
            target_month: target.map(|t| m(t).first_day()).unwrap_or_default(),
            reason: if target.is_some() { "" } else { "in_person" }.into(),
        }
    }

    fn seen(code: &str, first_full: &str, last_level: &str) -> ServiceLevelSpan {
        ServiceLevelSpan {
            service_code: code.into(),
            first_full_online: first_full.into(),
            last_reported: "2021-06-01".into(),
            last_level: last_level.into(),
        }
    }

    #[test]
    fn each_service_is_judged_against_its_target_month() {
        let rows = [
            row("ahead", Some("2021-05")),
            row("on_time", Some("2021-03")),
            row("late", Some("2021-02")),
            row("behind", Some("2021-04")),
            row("dropped", Some("2021-03")),
            row("due_later", Some("2021-08")),
            row("this_month", Some("2021-06")),
            row("no", None),
        ];
        let levels = [
            seen("ahead", "2021-04-01", "full_online"),
            seen("on_time", "2021-03-01", "full_online"),
            seen("late", "2021-05-01", "full_online"),
            seen("behind", "", "partial_online"),
            seen("dropped", "2021-03-01", "partial_online"),
            seen("no", "", "not_online"),
        ];
        let p = PlanProgress::of(&rows, &levels, &[], m("2021-06"));
        let statuses: Vec<(&str, ServiceStatus)> = p
            .services
            .iter()
            .map(|s| (s.service_code.as_str(), s.status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("ahead", ServiceStatus::Ahead),
                ("on_time", ServiceStatus::OnTime),
                ("late", ServiceStatus::Late),
                ("behind", ServiceStatus::BehindPlan),
                ("dropped", ServiceStatus::BehindPlan),
                ("due_later", ServiceStatus::NotYetDue),
                ("this_month", ServiceStatus::NotYetDue),
                ("no", ServiceStatus::NotEligible),
            ]
        );
        assert_eq!(p.services[7].reason.as_deref(), Some("in_person"));
        assert!(p.not_in_plan.is_empty());
        let extra = [seen("unplanned", "", "partial_online")];
        let q = PlanProgress::of(&rows, &extra, &[], m("2021-06"));
        assert_eq!(q.not_in_plan, ["unplanned"]);
        assert_eq!(p.services[5].last_level, None);
    }

    #[test]
    fn months_count_planned_cumulatively_and_leave_unreported_months_empty() {
        let rows = [
            row("a", Some("2021-02")),
            row("b", Some("2021-03")),
            row("c", Some("2021-03")),
            row("no", None),
        ];
        let months = [
            MonthFullOnline {
                month: "2021-02-01".into(),
                full_online: vec!["a".into(), "not_in_plan".into()],
            },
            MonthFullOnline {
                month: "2021-03-01".into(),
                full_online: vec![],
            },
        ];
        let p = PlanProgress::of(&rows, &[], &months, m("2021-06"));
        let got: Vec<(String, u32, Option<u32>)> = p
            .months
            .iter()
            .map(|x| (x.month.to_string(), x.planned, x.actual))
            .collect();
        assert_eq!(
            got,
            [
                ("2021-02".to_string(), 1, Some(1)),
                ("2021-03".to_string(), 3, Some(0)),
            ]
        );
        assert_eq!(
            PlanProgress::span(&rows[3..]),
            None,
            "no eligible service, no span"
        );
    }

    #[test]
    fn a_plan_is_late_after_the_deadline_day_in_vietnam() {
        let zone = chrono_tz::Asia::Ho_Chi_Minh;
        let deadline = NaiveDate::from_ymd_opt(2021, 4, 28).unwrap();
        let at = |s: &str| Some(s.parse::<DateTime<Utc>>().unwrap());
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        // 16:59 UTC on the 28th is 23:59 in Hà Nội: on time; an hour later it is the 29th.
        let today = day("2021-05-01");
        assert_eq!(
            FilingStatus::of(at("2021-04-28T16:59:00Z"), deadline, zone, today),
            FilingStatus::Filed
        );
        assert_eq!(
            FilingStatus::of(at("2021-04-28T17:30:00Z"), deadline, zone, today),
            FilingStatus::Late
        );
        assert_eq!(
            FilingStatus::of(None, deadline, zone, today),
            FilingStatus::Missing
        );
        assert_eq!(
            FilingStatus::of(None, deadline, zone, deadline),
            FilingStatus::Awaited
        );
    }
}
