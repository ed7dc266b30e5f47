//! Operations: `GET /healthz` (ok / not ok for anyone; ClickHouse's version,
//! the lease and each job's latest run for ministry accounts),
//! `GET /api/openapi.json` with its readable page, and the security headers
//! every answer carries. `GET /metrics` is `metrics.rs`.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;

use super::auth::Viewer;
use super::{openapi, State};
use crate::lease::{Leadership, Lease};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz)
        .service(openapi_json)
        // A readable API page at /api/docs/: Swagger UI's files from the
        // crate (no CDN), reading this server's /api/openapi.json.
        .service(
            utoipa_swagger_ui::SwaggerUi::new("/api/docs/{_:.*}")
                .config(utoipa_swagger_ui::Config::from("/api/openapi.json")),
        );
}

/// The security headers of every answer. The pages have no script of their
/// own inline (only `<style>` blocks and SVG `style` attributes), so scripts
/// come from this site only and styles may be inline.
pub fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; \
             base-uri 'none'; form-action 'self'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"))
}

/// A job's latest run (times RFC 3339, null when none).
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct JobBody {
    /// collect, compute or remind.
    job: String,
    /// The latest run's outcome: running, succeeded, failed, timed_out, …
    outcome: String,
    started_at: Option<String>,
    finished_at: Option<String>,
    /// The latest run that succeeded.
    last_success: Option<String>,
}

/// What a ministry account sees of the instance's health.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct HealthBody {
    /// `ok`, or `unavailable` when ClickHouse does not answer.
    status: &'static str,
    clickhouse: ClickHouseHealth,
    lease: LeaseHealth,
    jobs: Vec<JobBody>,
}

/// Whether this instance runs the jobs (docs/leader.md).
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct LeaseHealth {
    /// `single`, `leader`, `follower` or `unavailable`.
    role: &'static str,
    epoch: u64,
    instance: String,
    /// Why there is no lease, when `unavailable`.
    reason: Option<String>,
}

fn lease_health(lease: Option<&Lease>) -> LeaseHealth {
    let leadership = lease.map_or(Leadership::Single, Lease::leadership);
    LeaseHealth {
        role: leadership.role(),
        epoch: leadership.epoch(),
        instance: lease.map_or_else(crate::lease::instance_name, |l| l.instance().to_string()),
        reason: match leadership {
            Leadership::Unavailable { reason } => Some(reason),
            _ => None,
        },
    }
}

/// Whether ClickHouse answered, and its version.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ClickHouseHealth {
    reachable: bool,
    /// Null when it did not answer.
    version: Option<String>,
}

fn instant(secs: u32) -> Option<String> {
    (secs > 0)
        .then(|| chrono::DateTime::from_timestamp(i64::from(secs), 0))
        .flatten()
        .map(|t| t.to_rfc3339())
}

/// `/healthz`'s answer: which of the two depends on the account.
#[derive(Serialize, utoipa::ToSchema)]
#[allow(dead_code)] // a schema only: the handler writes one of the two bodies
#[serde(untagged)]
pub(super) enum HealthAnswer {
    Public(StatusBody),
    Ministry(HealthBody),
}

/// What anyone sees of the instance's health: no versions, no jobs.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct StatusBody {
    /// `ok`, or `unavailable` when ClickHouse does not answer.
    status: &'static str,
}

/// Whether ClickHouse answers.
///
/// Anyone gets `{status}` (`ok` or `unavailable`); a ministry account also
/// ClickHouse's version and each job's latest run (a version tells an
/// attacker which exploits to try, so the public get none). Access: public.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()),
    responses((status = 200, description = "Anyone: `StatusBody`; a ministry account: `HealthBody`.",
               body = inline(HealthAnswer)),
              (status = 503, description = "ClickHouse unreachable (same bodies, status `unavailable`).",
               body = inline(HealthAnswer))))]
#[get("/healthz")]
pub(super) async fn healthz(
    state: State,
    viewer: Option<Viewer>,
    lease: Option<web::Data<Lease>>,
) -> HttpResponse {
    let version = match state.store.server_version().await {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(error = %e, "health check: clickhouse unreachable");
            None
        }
    };
    let status = if version.is_some() {
        "ok"
    } else {
        "unavailable"
    };
    let mut answer = if version.is_some() {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    answer.insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"));
    let ministry = viewer.is_some_and(|v| v.require_role(&[]).is_ok());
    if !ministry {
        return answer.json(StatusBody { status });
    }
    let jobs = if version.is_some() {
        state.store.last_job_runs().await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "health check: job runs unreadable");
            Vec::new()
        })
    } else {
        Vec::new()
    };
    answer.json(HealthBody {
        status,
        clickhouse: ClickHouseHealth {
            reachable: version.is_some(),
            version,
        },
        lease: lease_health(lease.as_ref().map(|l| l.get_ref())),
        jobs: jobs
            .into_iter()
            .map(|r| JobBody {
                job: r.job,
                outcome: r.outcome,
                started_at: instant(r.started_at),
                finished_at: instant(r.finished_at),
                last_success: instant(r.last_success),
            })
            .collect(),
    })
}

/// This document (OpenAPI 3.1, generated from the handlers and their types).
///
/// Access: public.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations", security(()),
    responses((status = 200, description = "OpenAPI 3.1.", body = Object)))]
#[get("/api/openapi.json")]
pub(super) async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(openapi::document())
}
