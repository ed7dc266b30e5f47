//! `/api/v1/units/{code}/plan` and `/api/v1/plans`: the service plans of
//! letter 1145/BTTTT-THH (docs/plans.md) — a unit's plan against what it
//! reported, and every unit's filing status against the deadline.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::auth::{RoleCode, Viewer};
use super::error::ErrorBody;
use super::{ApiError, State};
use crate::app::App;
use crate::compute::plan_progress::{
    filing_statuses, unit_plan, FilingStatus, MonthProgress, ServiceProgress, ServiceStatus,
    UnitFiling,
};
use crate::config::Unit;
use crate::domain::{Month, UnitCode};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(get_unit_plan).service(get_plans);
}

/// Today where the ministry is, and its month: what "has passed" is judged on.
pub(super) fn today(app: &App) -> NaiveDate {
    Utc::now().with_timezone(&app.zone()).date_naive()
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct PlanQuery {
    /// YYYY-MM: judge the plan as of this month (default: the current month).
    /// A target month before it has passed.
    #[param(example = "2021-06")]
    as_of: Option<String>,
}

/// How many of the plan's services stand where.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct StatusCount {
    status: ServiceStatus,
    services: usize,
}

/// A unit's plan against what it reported.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct UnitPlanBody {
    code: String,
    name: String,
    /// The last day a plan is on time (`plans.toml`).
    deadline: NaiveDate,
    /// filed (by the deadline), late, missing, or awaited (none yet, before the deadline).
    status: FilingStatus,
    /// The month judged, `YYYY-MM`.
    as_of: String,
    /// When the current plan was filed and by whom (empty: the command line); null without a plan.
    filed_at: Option<DateTime<Utc>>,
    filed_by: Option<String>,
    first_filed_at: Option<DateTime<Utc>>,
    filings: usize,
    counts: Vec<StatusCount>,
    /// Every service of the plan, in file order.
    services: Vec<ServiceProgress>,
    /// The plan's span, month by month: services planned fully online by
    /// then, and those reported so (null: not reported).
    months: Vec<MonthProgress>,
    /// Codes of services the unit reported up to `as_of` that the plan does not list.
    not_in_plan: Vec<String>,
}

/// A unit's service plan against its reports, per service and per month.
///
/// The services behind the plan are those whose target month has passed and
/// whose newest report is not fully online.
/// Access: ministry staff and analysts, or staff of that unit.
#[utoipa::path(get, path = "/api/v1/units/{code}/plan", tag = "plans",
    params(("code" = String, Path, description = "The unit's code in units.toml"), PlanQuery),
    responses((status = 200, body = UnitPlanBody), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
#[get("/api/v1/units/{code}/plan")]
pub(super) async fn get_unit_plan(
    state: State,
    viewer: Viewer,
    code: web::Path<String>,
    query: web::Query<PlanQuery>,
) -> Result<HttpResponse, ApiError> {
    let code = UnitCode::new(code.into_inner());
    viewer.require_unit(&code)?;
    let unit = state
        .registry
        .get(&code)
        .ok_or_else(|| ApiError::NotFound(format!("unit '{code}' is not in the registry")))?;
    let today = today(&state);
    let as_of = match &query.as_of {
        None => Month::of(today),
        Some(text) => text
            .parse()
            .map_err(|e: crate::domain::MonthError| ApiError::bad("as_of", e.to_string()))?,
    };
    Ok(HttpResponse::Ok().json(unit_plan_body(&state, unit, as_of, today).await?))
}

pub(super) async fn unit_plan_body(
    app: &App,
    unit: &Unit,
    as_of: Month,
    today: NaiveDate,
) -> Result<UnitPlanBody, crate::store::StoreError> {
    let plan = unit_plan(&app.store, unit.code.as_str(), as_of).await?;
    let first = plan.as_ref().map(|p| p.first.filed_at);
    let status = FilingStatus::of(first, app.plans.deadline, app.zone(), today);
    let (services, months, not_in_plan) = plan
        .as_ref()
        .map(|p| {
            let progress = p.progress.clone();
            (progress.services, progress.months, progress.not_in_plan)
        })
        .unwrap_or_default();
    let counts = ServiceStatus::ALL
        .into_iter()
        .map(|status| StatusCount {
            status,
            services: services.iter().filter(|s| s.status == status).count(),
        })
        .collect();
    Ok(UnitPlanBody {
        code: unit.code.to_string(),
        name: unit.name.clone(),
        deadline: app.plans.deadline,
        status,
        as_of: as_of.to_string(),
        filed_at: plan.as_ref().map(|p| p.current.filed_at),
        filed_by: plan.as_ref().map(|p| p.current.filed_by.clone()),
        first_filed_at: first,
        filings: plan.as_ref().map_or(0, |p| p.filings),
        counts,
        services,
        months,
        not_in_plan,
    })
}

/// Every unit's plan filing status.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct PlansBody {
    deadline: NaiveDate,
    filed: usize,
    late: usize,
    missing: usize,
    awaited: usize,
    /// The units asked for a plan: those valid in the deadline's month, in registry order.
    units: Vec<UnitFiling>,
}

/// Which units filed their service plan, late or not, and which did not.
///
/// Access: ministry staff and analysts.
#[utoipa::path(get, path = "/api/v1/plans", tag = "plans",
    responses((status = 200, body = PlansBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
#[get("/api/v1/plans")]
pub(super) async fn get_plans(state: State, viewer: Viewer) -> Result<HttpResponse, ApiError> {
    viewer.require_role(&[RoleCode::Analyst])?;
    let today = today(&state);
    let units: Vec<&Unit> = state
        .registry
        .valid_in(Month::of(state.plans.deadline))
        .collect();
    let deadline = (state.plans.deadline, state.zone());
    let units = filing_statuses(&state.store, &units, deadline, today).await?;
    let count = |s: FilingStatus| units.iter().filter(|u| u.status == s).count();
    Ok(HttpResponse::Ok().json(PlansBody {
        deadline: state.plans.deadline,
        filed: count(FilingStatus::Filed),
        late: count(FilingStatus::Late),
        missing: count(FilingStatus::Missing),
        awaited: count(FilingStatus::Awaited),
        units,
    }))
}
