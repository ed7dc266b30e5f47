//! `GET /readyz`: may a load balancer send traffic here? 200 `ready` when
//! ClickHouse answers a query in chiso's database within `READY_TIMEOUT`,
//! else 503. The body names no versions or addresses: it is public.

use std::time::Duration;

use actix_web::{get, web, HttpResponse};

use super::State;

/// Shorter than the store's own timeout: a probe must answer while ClickHouse does not.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(readyz);
}

/// Readiness for a load balancer: ClickHouse answers within 2 s. Plain text, no versions.
///
/// Access: public.
#[utoipa::path(get, path = "/readyz", tag = "operations", security(()),
    responses((status = 200, description = "`ready`", body = String, content_type = "text/plain"),
              (status = 503, description = "`not ready: …` (ClickHouse unreachable or silent).", body = String, content_type = "text/plain")))]
#[get("/readyz")]
pub(super) async fn readyz(state: State) -> HttpResponse {
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
