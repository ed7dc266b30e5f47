//! `/api/v1`: rankings, a unit's indicator series, the indicator catalogue,
//! national series. Read-only JSON.
//!
//! Who may read what (`auth`): the ranking of a frozen (published) period and
//! the indicator catalogue are public, as DTI publishes them; a provisional
//! ranking and the national series need an account; a unit's series needs
//! ministry or analyst staff, or staff of that unit.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::auth::{Role, Viewer};
use super::error::ErrorBody;
use super::range::month_range;
use super::{ApiError, State};
use crate::compute::national::GroupRanking;
use crate::compute::publish::PublicationNote;
use crate::compute::series::{NationalMonth, UnitMonth};
use crate::compute::summary::{national_figures, NationalFigure};
use crate::config::{Indicator, Registry};
use crate::domain::{Month, Period, RankingGroup, UnitCode};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(get_rankings)
        .service(get_unit_indicators)
        .service(get_indicators)
        .service(get_national);
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct RankingQuery {
    /// YYYY-MM, YYYY-Qn, YYYY or YYYY-MM-YTD.
    #[param(required = true, example = "2024-06")]
    period: Option<String>,
    /// province, ministry_services or ministry_no_services (default: all three).
    group: Option<String>,
}

/// A period's rankings, one per group, with the national figures of each.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct RankingsBody {
    /// The period asked for, as written in the request's canonical form.
    period: String,
    /// `frozen` (published, with `frozen_at`) or `provisional`.
    status: &'static str,
    /// The stored computation the ranking comes from.
    computation_id: String,
    computed_at: DateTime<Utc>,
    /// When the period was published; null while provisional.
    frozen_at: Option<DateTime<Utc>>,
    /// `calendar` or `cutoff_676` (Decision 676/QĐ-BKHCN's quarters).
    quarter_calendar: &'static str,
    /// Whose numerators, denominators and plans (`trajectory`) are given:
    /// `all` (ministry, analysts), `own_unit` (unit staff: their unit and the
    /// units merged into it), `none` (anonymous). Withheld ones are null.
    raw_figures: &'static str,
    /// Every publication (freeze) of the period, oldest first: who published
    /// or revised it, when (its as-of time) and why. Empty while provisional.
    publications: Vec<PublicationNote>,
    groups: Vec<GroupBody>,
}

/// One group's ranking, units in rank order (units without data last).
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct GroupBody {
    #[serde(flatten)]
    ranking: GroupRanking,
    /// The group's Vietnamese name.
    name: &'static str,
    /// Pooled rate and mean of unit rates per indicator, with coverage.
    national: Vec<NationalFigure>,
}

/// Rankings of a period per group, with national figures.
///
/// Numerators, denominators and plans are null outside `raw_figures` (all:
/// ministry, analysts; own_unit: unit staff; none: anonymous).
/// Access: public for a frozen (published) period; any account for a provisional one.
#[utoipa::path(get, path = "/api/v1/rankings", tag = "rankings", params(RankingQuery),
    responses((status = 200, body = RankingsBody), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
#[get("/api/v1/rankings")]
pub(super) async fn get_rankings(
    state: State,
    viewer: Viewer,
    query: web::Query<RankingQuery>,
) -> Result<HttpResponse, ApiError> {
    let period: Period = required(&query.period, "period")?
        .parse()
        .map_err(|e: crate::domain::PeriodError| ApiError::bad("period", e.to_string()))?;
    let group = match &query.group {
        None => None,
        Some(g) => Some(RankingGroup::parse(g).ok_or_else(|| {
            ApiError::bad(
                "group",
                format!(
                    "'{g}' is not a group: province, ministry_services or ministry_no_services"
                ),
            )
        })?),
    };
    let computer = state.computer();
    let published = computer.published_or_live(period).await?;
    if published.frozen_at.is_none() {
        viewer.require_account()?;
    }
    let (raw_figures, own) = raw_figures_for(&viewer, &state.registry);
    let groups = published
        .groups
        .into_iter()
        .filter(|g| group.is_none_or(|wanted| g.group == wanted))
        .map(|mut g| {
            // National figures pool every unit's raw figures: computed first.
            let national = national_figures(&state.indicators, std::slice::from_ref(&g));
            if let Some(own) = &own {
                withhold_raw_figures(&mut g, own);
            }
            GroupBody {
                name: g.group.name_vi(),
                ranking: g,
                national,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(RankingsBody {
        period: published.period,
        status: if published.frozen_at.is_some() {
            "frozen"
        } else {
            "provisional"
        },
        computation_id: published.computation_id,
        computed_at: published.computed_at,
        frozen_at: published.frozen_at,
        quarter_calendar: computer.calendar.as_str(),
        raw_figures,
        publications: published.publications,
        groups,
    }))
}

/// The raw figures `viewer` may read: all (`None`), or only those of the
/// units listed (unit staff: their unit and its merged predecessors;
/// anonymous: none). The ranking itself (ranks, scores, rates) is for everyone.
fn raw_figures_for(viewer: &Viewer, registry: &Registry) -> (&'static str, Option<Vec<UnitCode>>) {
    match viewer.role() {
        Some(Role::Ministry | Role::Analyst) => ("all", None),
        Some(Role::Unit(code)) => ("own_unit", Some(with_predecessors(registry, code))),
        None => ("none", Some(Vec::new())),
    }
}

/// `code` and every unit merged into it, directly or through other mergers.
fn with_predecessors(registry: &Registry, code: &UnitCode) -> Vec<UnitCode> {
    let mut own = vec![code.clone()];
    let mut i = 0;
    while let Some(current) = own.get(i).cloned() {
        for u in registry.all() {
            if u.successors.contains(&current) && !own.contains(&u.code) {
                own.push(u.code.clone());
            }
        }
        i += 1;
    }
    own
}

/// Nulls the numerators, denominators and plans of units outside `own`.
fn withhold_raw_figures(ranking: &mut GroupRanking, own: &[UnitCode]) {
    for unit in &mut ranking.units {
        if own.iter().any(|c| c.as_str() == unit.code) {
            continue;
        }
        for e in &mut unit.evaluations {
            e.numerator = None;
            e.denominator = None;
            e.trajectory = None;
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct RangeQuery {
    /// First month, YYYY-MM (default: twelve months before `to`).
    from: Option<String>,
    /// Last month, YYYY-MM (default: the previous month).
    to: Option<String>,
    /// Indicator code (`/api/v1/national` only, where it is required).
    indicator: Option<String>,
}

/// A unit and its indicators month by month.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct UnitBody {
    /// Unit code (config/units.toml).
    code: String,
    /// Vietnamese name.
    name: String,
    group: RankingGroup,
    /// First day the unit exists.
    from: NaiveDate,
    /// Last day, for a unit merged away or reorganised; null otherwise.
    until: Option<NaiveDate>,
    /// The units that took over from it.
    #[schema(value_type = Vec<String>)]
    successors: Vec<UnitCode>,
    /// Months before a merger carry the sum of the units merged into this one.
    months: Vec<UnitMonth>,
}

/// A unit's indicators month by month.
///
/// Access: ministry, analyst, or staff of that unit.
#[utoipa::path(get, path = "/api/v1/units/{code}/indicators", tag = "units",
    params(("code" = String, Path, description = "Unit code (config/units.toml)."), RangeQuery),
    responses((status = 200, body = UnitBody), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
#[get("/api/v1/units/{code}/indicators")]
pub(super) async fn get_unit_indicators(
    state: State,
    viewer: Viewer,
    code: web::Path<String>,
    query: web::Query<RangeQuery>,
) -> Result<HttpResponse, ApiError> {
    if query.indicator.is_some() {
        return Err(ApiError::bad(
            "indicator",
            "not a parameter of this endpoint",
        ));
    }
    let code = UnitCode::new(code.into_inner());
    viewer.require_unit(&code)?;
    let unit = state
        .registry
        .get(&code)
        .ok_or_else(|| ApiError::NotFound(format!("unit '{code}' is not in the registry")))?;
    let (from, to) = range(&query)?;
    let months = state.computer().unit_series(unit, from, to).await?;
    Ok(HttpResponse::Ok().json(UnitBody {
        code: unit.code.to_string(),
        name: unit.name.clone(),
        group: unit.group,
        from: unit.from,
        until: unit.until,
        successors: unit.successors.clone(),
        months,
    }))
}

/// The indicator catalogue.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct IndicatorsBody<'a> {
    composite_method: crate::config::CompositeMethod,
    #[schema(value_type = Vec<Indicator>)]
    indicators: Vec<&'a Indicator>,
}

/// The indicator catalogue: formulas, targets, points, weights.
///
/// Access: public; a bad token is still a 401.
#[utoipa::path(get, path = "/api/v1/indicators", tag = "indicators", security(()),
    responses((status = 200, body = IndicatorsBody), (status = 401, body = ErrorBody)))]
#[get("/api/v1/indicators")]
pub(super) async fn get_indicators(state: State, _viewer: Viewer) -> HttpResponse {
    HttpResponse::Ok().json(IndicatorsBody {
        composite_method: state.indicators.composite(),
        indicators: state.indicators.iter().collect(),
    })
}

/// An indicator's national figures month by month.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct NationalBody {
    /// Indicator code.
    indicator: String,
    /// Vietnamese name.
    name: String,
    months: Vec<NationalMonth>,
}

/// An indicator's national series, pooled and as the mean of unit rates.
///
/// Access: any account.
#[utoipa::path(get, path = "/api/v1/national", tag = "indicators", params(RangeQuery),
    responses((status = 200, body = NationalBody), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/v1/national")]
pub(super) async fn get_national(
    state: State,
    viewer: Viewer,
    query: web::Query<RangeQuery>,
) -> Result<HttpResponse, ApiError> {
    viewer.require_account()?;
    let code = required(&query.indicator, "indicator")?;
    let indicator = state
        .indicators
        .get(code)
        .ok_or_else(|| ApiError::NotFound(format!("indicator '{code}' is not in the catalogue")))?;
    let (from, to) = range(&query)?;
    let months = state
        .computer()
        .national_series(&indicator.code, from, to)
        .await?;
    Ok(HttpResponse::Ok().json(NationalBody {
        indicator: indicator.code.clone(),
        name: indicator.name.clone(),
        months,
    }))
}

fn required<'q>(value: &'q Option<String>, name: &str) -> Result<&'q str, ApiError> {
    value
        .as_deref()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::bad(name, "is required"))
}

fn range(query: &RangeQuery) -> Result<(Month, Month), ApiError> {
    month_range(query.from.as_deref(), query.to.as_deref())
        .map_err(|e| ApiError::bad(e.parameter, e.message))
}
