//! `GET /readyz`: may a load balancer send traffic here? 200 `ready` when
//! ClickHouse answers a query in chiso's database within `READY_TIMEOUT`,
//! else 503. The body names no versions or addresses: it is public. Every
//! instance serves pages, leading or not: the headers `X-Chiso-Role`
//! (`single`, `leader`, `follower`, `unavailable`) and `X-Chiso-Epoch` say
//! whether this one runs the jobs (docs/leader.md).

use std::time::Duration;

use actix_web::{get, web, HttpResponse};

use actix_web::http::header::{HeaderName, HeaderValue};

use super::State;
use crate::lease::{Leadership, Lease};

/// Shorter than the store's own timeout: a probe must answer while ClickHouse does not.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(readyz);
}

/// Readiness for a load balancer: ClickHouse answers within 2 s. Plain text, no versions.
///
/// The headers `X-Chiso-Role` (leader, follower, unavailable or single) and
/// `X-Chiso-Epoch` say whether this instance runs the jobs. Access: public.
#[utoipa::path(get, path = "/readyz", tag = "operations", security(()),
    responses((status = 200, description = "`ready`", body = String, content_type = "text/plain"),
              (status = 503, description = "`not ready: …` (ClickHouse unreachable or silent).", body = String, content_type = "text/plain")))]
#[get("/readyz")]
pub(super) async fn readyz(state: State, lease: Option<web::Data<Lease>>) -> HttpResponse {
    let mut answer = ready(&state).await;
    let leadership = lease.map_or(Leadership::Single, |l| l.leadership());
    let headers = answer.headers_mut();
    if let Ok(role) = HeaderValue::from_str(leadership.role()) {
        headers.insert(HeaderName::from_static("x-chiso-role"), role);
    }
    headers.insert(
        HeaderName::from_static("x-chiso-epoch"),
        HeaderValue::from(leadership.epoch()),
    );
    answer
}

async fn ready(state: &State) -> HttpResponse {
    let store = &state.store;
    let probe = store.run(
        "readiness",
        store.client().query("SELECT 1").fetch_one::<u8>(),
    );
    match tokio::time::timeout(READY_TIMEOUT, probe).await {
        Ok(Ok(_)) => text(HttpResponse::Ok(), "ready"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready");
            text(
                HttpResponse::ServiceUnavailable(),
                "not ready: the database does not answer",
            )
        }
        Err(_) => {
            tracing::warn!("not ready: ClickHouse gave no answer within {READY_TIMEOUT:?}");
            text(
                HttpResponse::ServiceUnavailable(),
                "not ready: the database does not answer",
            )
        }
    }
}

fn text(mut builder: actix_web::HttpResponseBuilder, body: &'static str) -> HttpResponse {
    builder
        .content_type("text/plain; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body)
}
