//! Operations: `GET /healthz` (ok / not ok for anyone; ClickHouse's version
//! and each job's latest run for ministry accounts), `GET /metrics`
//! (Prometheus text: collection attempts, failures and rejected payloads per
//! unit, mails, HTTP latency), `GET /api/openapi.json`, and the security
//! headers every answer carries.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{get, web, HttpResponse};
use serde::Serialize;

use super::auth::Viewer;
use super::error::ErrorBody;
use super::{openapi, ApiError, State};
use crate::lease::{Leadership, Lease};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz)
        .service(metrics)
        .service(openapi_json)
        // A readable API page at /api/docs/: Swagger UI's files from the
        // crate (no CDN), reading this server's /api/openapi.json.
        .service(
            utoipa_swagger_ui::SwaggerUi::new("/api/docs/{_:.*}")
                .config(utoipa_swagger_ui::Config::from("/api/openapi.json")),
        );
}

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Request latencies per route pattern, method and status, kept in memory.
#[derive(Default)]
pub struct HttpMetrics {
    series: Mutex<BTreeMap<(String, String, u16), Histogram>>,
}

impl HttpMetrics {
    fn observe(&self, route: String, method: String, status: u16, secs: f64) {
        let Ok(mut series) = self.series.lock() else {
            return;
        };
        let h = series.entry((route, method, status)).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    fn render(&self, out: &mut String) {
        let series = match self.series.lock() {
            Ok(s) => s.clone(),
            Err(_) => return,
        };
        out.push_str("# HELP chiso_http_request_duration_seconds Time to answer HTTP requests.\n");
        out.push_str("# TYPE chiso_http_request_duration_seconds histogram\n");
        for ((route, method, status), h) in &series {
            let labels = format!(
                "route=\"{}\",method=\"{method}\",status=\"{status}\"",
                label(route)
            );
            for (bound, count) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "chiso_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "chiso_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "chiso_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "chiso_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
    }
}

/// The middleware timing every request (`middleware::from_fn(ops::track)`).
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    // Labels from a bounded set, whatever clients send: the route pattern, not
    // the path (/api/v1/units/{code}/indicators is one series), and `other`
    // for unmatched paths and invented methods.
    let route = req.match_pattern().unwrap_or_else(|| OTHER.to_string());
    let method = method_label(req.method()).to_string();
    let recorder = req.app_data::<web::Data<HttpMetrics>>().cloned();
    let response = next.call(req).await?;
    if let Some(m) = recorder {
        m.observe(
            route,
            method,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(response)
}

const OTHER: &str = "other";

/// The standard methods by name; any other (`FOO`, `PROPFIND`) as `other`.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => OTHER,
    }
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

/// A Prometheus label value, escaped.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[derive(Serialize)]
struct JobBody {
    job: String,
    outcome: String,
    started_at: Option<String>,
    finished_at: Option<String>,
    last_success: Option<String>,
}

#[derive(Serialize)]
struct HealthBody {
    /// `ok`, or `unavailable` when ClickHouse does not answer.
    status: &'static str,
    clickhouse: ClickHouseHealth,
    lease: LeaseHealth,
    jobs: Vec<JobBody>,
}

/// Whether this instance runs the jobs (docs/leader.md).
#[derive(Serialize)]
struct LeaseHealth {
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

#[derive(Serialize)]
struct ClickHouseHealth {
    reachable: bool,
    version: Option<String>,
}

fn instant(secs: u32) -> Option<String> {
    (secs > 0)
        .then(|| chrono::DateTime::from_timestamp(i64::from(secs), 0))
        .flatten()
        .map(|t| t.to_rfc3339())
}

#[derive(Serialize)]
struct StatusBody {
    status: &'static str,
}

/// Whether ClickHouse answers.
///
/// Anyone gets `{status}` (`ok` or `unavailable`); a ministry account also
/// ClickHouse's version and each job's latest run (a version tells an
/// attacker which exploits to try, so the public get none). Access: public.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()),
    responses((status = 200, description = "`{status: ok}`; ministry: `{status, clickhouse: {reachable, version}, lease: {role, epoch, instance, reason}, jobs: [...]}`", body = Object),
              (status = 503, description = "ClickHouse unreachable.", body = Object)))]
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

/// Prometheus text: collection attempts, failures and rejected payloads per unit, mails, HTTP latency.
///
/// Access: ministry (a scraper sends a ministry account's token).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format 0.0.4.", body = String, content_type = "text/plain"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[get("/metrics")]
pub(super) async fn metrics(
    state: State,
    viewer: Viewer,
    http: web::Data<HttpMetrics>,
    lease: Option<web::Data<Lease>>,
) -> Result<HttpResponse, ApiError> {
    viewer.require_role(&[])?;
    let store = &state.store;
    let mut out = String::new();
    out.push_str(
        "# HELP chiso_collection_attempts_total Collection attempts per unit and outcome.\n",
    );
    out.push_str("# TYPE chiso_collection_attempts_total counter\n");
    let attempts = store.attempt_counts().await?;
    for a in &attempts {
        let _ = writeln!(
            out,
            "chiso_collection_attempts_total{{unit=\"{}\",outcome=\"{}\"}} {}",
            label(&a.unit_code),
            label(&a.outcome),
            a.count
        );
    }
    out.push_str(
        "# HELP chiso_collection_failures_total Attempts that got no usable answer, per unit.\n",
    );
    out.push_str("# TYPE chiso_collection_failures_total counter\n");
    let mut failures: BTreeMap<&str, u64> = BTreeMap::new();
    for a in &attempts {
        *failures.entry(&a.unit_code).or_default() +=
            if a.outcome == "failed" { a.count } else { 0 };
    }
    for (unit, n) in failures {
        let _ = writeln!(
            out,
            "chiso_collection_failures_total{{unit=\"{}\"}} {n}",
            label(unit)
        );
    }
    out.push_str(
        "# HELP chiso_rejected_payloads_total Payloads refused by validation, per unit.\n",
    );
    out.push_str("# TYPE chiso_rejected_payloads_total counter\n");
    for r in store.rejections_per_unit().await? {
        let _ = writeln!(
            out,
            "chiso_rejected_payloads_total{{unit=\"{}\"}} {}",
            label(&r.unit_code),
            r.count
        );
    }
    let (sent, failed) = store.mail_counts().await?;
    out.push_str("# HELP chiso_mails_sent_total Mails the SMTP server accepted.\n");
    out.push_str("# TYPE chiso_mails_sent_total counter\n");
    let _ = writeln!(out, "chiso_mails_sent_total {sent}");
    out.push_str("# HELP chiso_mails_failed_total Mails that could not be sent.\n");
    out.push_str("# TYPE chiso_mails_failed_total counter\n");
    let _ = writeln!(out, "chiso_mails_failed_total {failed}");
    render_lease(&lease_health(lease.as_ref().map(|l| l.get_ref())), &mut out);
    http.render(&mut out);
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(out))
}

/// `chiso_leader` (1 while this instance runs the jobs) and `chiso_lease_epoch`.
fn render_lease(lease: &LeaseHealth, out: &mut String) {
    let labels = format!(
        "instance=\"{}\",role=\"{}\"",
        label(&lease.instance),
        lease.role
    );
    let leads = u8::from(matches!(lease.role, "leader" | "single"));
    out.push_str("# HELP chiso_leader 1 while this instance holds the lease and runs the jobs.\n");
    out.push_str("# TYPE chiso_leader gauge\n");
    let _ = writeln!(out, "chiso_leader{{{labels}}} {leads}");
    out.push_str(
        "# HELP chiso_lease_epoch Epoch (fencing token) of the lease held; 0 when none.\n",
    );
    out.push_str("# TYPE chiso_lease_epoch gauge\n");
    let _ = writeln!(out, "chiso_lease_epoch{{{labels}}} {}", lease.epoch);
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

#[cfg(test)]
mod tests {
    #[test]
    fn invented_methods_collapse_to_one_label() {
        use actix_web::http::Method;
        assert_eq!(super::method_label(&Method::GET), "GET");
        for name in ["FOO", "PROPFIND", "GETX"] {
            let m = Method::from_bytes(name.as_bytes()).unwrap();
            assert_eq!(super::method_label(&m), "other");
        }
    }
}
