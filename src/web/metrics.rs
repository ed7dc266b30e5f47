//! `GET /metrics` with the `prometheus-client` crate (OpenMetrics text), named
//! by Prometheus conventions. What ClickHouse holds (collection attempts, last
//! successes, job runs, mails) is read at each scrape, so every instance of a
//! cluster reports the same figures; HTTP latency is this process's own.
//! Labels take bounded values only: unit codes of the registry's history,
//! job names, outcome enums, route patterns, standard methods.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{get, web, HttpResponse};
use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};

use super::auth::Viewer;
use super::error::ErrorBody;
use super::{ApiError, State};
use crate::app::App;
use crate::lease::{Leadership, Lease};
use crate::store::{JobDurations, StoreError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(metrics);
}

/// Upper bounds (seconds) of the HTTP latency histogram's buckets.
const HTTP_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

type Labels = Vec<(&'static str, String)>;

/// How long a scrape waits for ClickHouse's figures before saying it is down.
const STORED_FIGURES_WAIT: std::time::Duration = std::time::Duration::from_secs(4);

/// Request latencies per route pattern, method and status, kept in memory.
#[derive(Clone)]
pub struct HttpMetrics {
    durations: Family<Labels, Histogram>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        Self {
            durations: Family::new_with_constructor(|| Histogram::new(HTTP_BUCKETS)),
        }
    }
}

/// The middleware timing every request (`middleware::from_fn(metrics::track)`).
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
        let labels = vec![
            ("route", route),
            ("method", method),
            ("status", response.status().as_u16().to_string()),
        ];
        m.durations
            .get_or_create(&labels)
            .observe(started.elapsed().as_secs_f64());
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

/// Job durations over every finished run, bucketed from what ClickHouse
/// holds: encoded as they are, one histogram per job, no observation here.
#[derive(Debug)]
struct StoredDurations(Vec<JobDurations>);

impl EncodeMetric for StoredDurations {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        for d in &self.0 {
            let labels: Labels = vec![("job", d.job.clone())];
            let buckets = d.buckets(JOB_BUCKETS);
            encoder
                .encode_family(&labels)?
                .encode_histogram::<NoLabelSet>(d.sum(), d.count(), &buckets, None)?;
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

/// Upper bounds (seconds) of the job duration buckets: a second to three hours.
const JOB_BUCKETS: &[f64] = &[1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 10800.0];

/// Every figure read from ClickHouse, registered under its name.
async fn register_stored(registry: &mut Registry, app: &App) -> Result<(), StoreError> {
    let store = &app.store;
    let attempts = Family::<Labels, Counter>::default();
    for a in store.attempt_counts().await? {
        attempts
            .get_or_create(&vec![("unit", a.unit_code), ("outcome", a.outcome)])
            .inc_by(a.count);
    }
    registry.register(
        "chiso_collect_attempts",
        "Collection attempts per unit and outcome (pulls and imports)",
        attempts,
    );

    let probes = Family::<Labels, Counter>::default();
    for p in store.probe_counts().await? {
        probes
            .get_or_create(&vec![("unit", p.unit_code), ("outcome", p.outcome)])
            .inc_by(p.count);
    }
    registry.register(
        "chiso_probe",
        "Probes of the units' public service portals per unit and outcome (up, down; docs/probes.md)",
        probes,
    );

    let last_success = Family::<Labels, Gauge>::default();
    for s in store.last_collect_successes().await? {
        last_success
            .get_or_create(&vec![("unit", s.unit_code)])
            .set(i64::from(s.at));
    }
    registry.register_with_unit(
        "chiso_collect_last_success_timestamp",
        "When each unit's last collection that stored or confirmed its report ended (unix time)",
        Unit::Seconds,
        last_success,
    );

    // Every unit active today, 0 for one that never reported: a unit that
    // never reported must alert too, a unit merged away must not.
    let latest: std::collections::HashMap<String, u32> = store
        .latest_reported_months()
        .await?
        .into_iter()
        .map(|m| (m.unit_code, m.index))
        .collect();
    let reported = Family::<Labels, Gauge>::default();
    let today = chrono::Utc::now().date_naive();
    for unit in app.registry.valid_on(today) {
        let index = latest.get(unit.code.as_str()).copied().unwrap_or(0);
        reported
            .get_or_create(&vec![("unit", unit.code.to_string())])
            .set(i64::from(index));
    }
    registry.register(
        "chiso_unit_latest_reported_month",
        "Latest month with a stored report of each unit active today, as year × 12 + month − 1; 0 if none",
        reported,
    );
    let deadline = Gauge::<i64>::default();
    deadline.set(i64::from(app.settings.compute.deadline_day));
    registry.register(
        "chiso_report_deadline_day",
        "A month's report is due by this day of the next month ([compute] deadline_day)",
        deadline,
    );

    let rejected = Family::<Labels, Counter>::default();
    for r in store.rejections_per_unit().await? {
        rejected
            .get_or_create(&vec![("unit", r.unit_code)])
            .inc_by(r.count);
    }
    registry.register(
        "chiso_rejected_payloads",
        "Payloads refused by validation, per unit",
        rejected,
    );

    let runs = Family::<Labels, Counter>::default();
    for r in store.job_run_counts().await? {
        runs.get_or_create(&vec![("job", r.job), ("outcome", r.outcome)])
            .inc_by(r.count);
    }
    registry.register(
        "chiso_job_runs",
        "Runs of the scheduled jobs (collect, compute, remind) per outcome",
        runs,
    );

    registry.register_with_unit(
        "chiso_job_duration",
        "Time the finished runs of each job took",
        Unit::Seconds,
        StoredDurations(store.job_durations().await?),
    );

    let mails = Family::<Labels, Counter>::default();
    for m in store.mail_counts_by_kind().await? {
        mails
            .get_or_create(&vec![("kind", m.kind), ("outcome", m.outcome)])
            .inc_by(m.count);
    }
    registry.register(
        "chiso_mails",
        "Reminder and alert mails by rule and the newest state of each (sent, failed, pending, sending)",
        mails,
    );
    Ok(())
}

/// Prometheus metrics (OpenMetrics text): collection attempts and last
/// successes per unit, rejected payloads, job runs and durations, mails by
/// kind and outcome, HTTP latency, ClickHouse reachability and the lease.
///
/// Access: ministry (a scraper sends a ministry account's token).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "OpenMetrics text 1.0.0.", body = String, content_type = "application/openmetrics-text"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[get("/metrics")]
pub(super) async fn metrics(
    state: State,
    viewer: Viewer,
    http: web::Data<HttpMetrics>,
    lease: Option<web::Data<Lease>>,
) -> Result<HttpResponse, ApiError> {
    viewer.require_role(&[])?;
    let mut registry = Registry::default();
    // ClickHouse down is a figure too (alerting rules read it), not a 500;
    // a hung one too, within Prometheus's 10 s scrape timeout.
    let stored = tokio::time::timeout(STORED_FIGURES_WAIT, register_stored(&mut registry, &state));
    let reachable = match stored.await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "metrics: clickhouse figures unreadable");
            false
        }
        Err(_) => {
            tracing::warn!(
                secs = STORED_FIGURES_WAIT.as_secs(),
                "metrics: clickhouse figures not read in time"
            );
            false
        }
    };
    if !reachable {
        registry = Registry::default();
    }
    let up = Gauge::<i64>::default();
    up.set(i64::from(reachable));
    registry.register(
        "chiso_clickhouse_up",
        "1 when ClickHouse answered this scrape's queries, else 0",
        up,
    );
    registry.register_with_unit(
        "chiso_http_request_duration",
        "Time to answer HTTP requests, per route pattern, method and status",
        Unit::Seconds,
        http.durations.clone(),
    );
    register_lease(&mut registry, lease.as_ref().map(|l| l.get_ref()));
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &registry)
        .map_err(|e| ApiError::Internal(format!("metrics encoding: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(out))
}

/// `chiso_leader` (1 while this instance runs the jobs) and `chiso_lease_epoch`.
fn register_lease(registry: &mut Registry, lease: Option<&Lease>) {
    let leadership = lease.map_or(Leadership::Single, Lease::leadership);
    let instance = lease.map_or_else(crate::lease::instance_name, |l| l.instance().to_string());
    let labels: Labels = vec![
        ("instance", instance),
        ("role", leadership.role().to_string()),
    ];
    let leads = Family::<Labels, Gauge>::default();
    leads
        .get_or_create(&labels)
        .set(i64::from(matches!(leadership.role(), "leader" | "single")));
    registry.register(
        "chiso_leader",
        "1 while this instance holds the lease and runs the jobs",
        leads,
    );
    let epoch = Family::<Labels, Gauge>::default();
    epoch
        .get_or_create(&labels)
        .set(i64::try_from(leadership.epoch()).unwrap_or(i64::MAX));
    registry.register(
        "chiso_lease_epoch",
        "Epoch (fencing token) of the lease held; 0 when none",
        epoch,
    );
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
