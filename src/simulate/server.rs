//! The simulator's HTTP side: `GET {base}/{unit}/v1/stats?month=YYYY-MM[&cursor=N]`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde::Deserialize;

use super::data::{generate, submission_time};
use super::faults::{FaultMode, Faults};
use super::SimulatorConfig;
use crate::config::{Registry, Unit};
use crate::domain::kept::Kept;
use crate::domain::payload::StatsPage;
use crate::domain::{Clock, Month, UnitCode};

struct State {
    registry: Registry,
    config: SimulatorConfig,
    faults: Faults,
    generated: Generated,
    /// Page bodies rendered ahead by `SimulatorHandle::prepare`.
    prepared: RwLock<HashMap<(String, Month, usize), Bytes>>,
    /// Serve a unit's month only from its submission time on (the demo's live
    /// month); off, every month is there at once (tests, bench, backfills).
    at_submission_times: AtomicBool,
    /// What "now" is for submission times: the demo's replay sets it.
    clock: Clock,
}

/// Unit-months generated lately: a month is served in pages, and generating
/// it again for every page made the simulator, not the collectors, what
/// `make bench` measured. More than one run of every unit (85) needs.
struct Generated(Kept<Arc<StatsPage>>);

impl Default for Generated {
    fn default() -> Self {
        Self(Kept::new(256))
    }
}

impl Generated {
    fn get_or_generate(&self, unit: &Unit, month: Month, seed: u64) -> Arc<StatsPage> {
        let key = format!("{}|{month}", unit.code);
        self.0
            .get_or_make(key, || Arc::new(generate(unit, month, seed)))
    }
}

/// A running simulator; `stop` ends it.
pub struct SimulatorHandle {
    pub addr: SocketAddr,
    pub faults: Faults,
    server: actix_web::dev::ServerHandle,
    state: Arc<State>,
}

impl SimulatorHandle {
    /// The base every unit's source can be overridden with.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn stop(&self) {
        self.server.stop(false).await;
    }

    /// From now on a unit's report of a month is served only once the unit
    /// has submitted it (`submission_time`): before, the answer is 404, as
    /// from a unit that has not reported yet.
    pub fn release_at_submission_times(&self) {
        self.state
            .at_submission_times
            .store(true, Ordering::Relaxed);
    }

    /// The calendar submission times are read on: set it (the demo's replay)
    /// and the simulator answers as on that day.
    pub fn clock(&self) -> Clock {
        self.state.clock.clone()
    }

    /// Renders every page of every unit valid in `months` now, so that serving
    /// them costs the simulator only the copy to the socket: `make bench`
    /// measures the collectors, and a real source renders on its own machine.
    /// Pages a fault applies to are still made per request. Returns the pages.
    pub fn prepare(&self, months: &[Month]) -> usize {
        let size = self.state.config.page_size.max(1);
        let mut pages = Vec::new();
        for &month in months {
            for unit in self.state.registry.valid_in(month) {
                let full = generate(unit, month, self.state.config.seed);
                let mut offset = 0;
                loop {
                    let page = paginate(&full, offset, size);
                    let last = page.next_cursor.is_none();
                    let body = Bytes::from(serde_json::to_vec(&page).unwrap_or_default());
                    pages.push(((unit.code.to_string(), month, offset), body));
                    if last {
                        break;
                    }
                    offset += size;
                }
            }
        }
        let count = pages.len();
        if let Ok(mut prepared) = self.state.prepared.write() {
            prepared.extend(pages);
        }
        count
    }
}

/// Starts the simulator on `addr` (port 0 picks a free one) in the current Tokio runtime.
pub fn serve(
    registry: Registry,
    config: SimulatorConfig,
    addr: SocketAddr,
) -> std::io::Result<SimulatorHandle> {
    let faults = Faults::new(config.fault.clone());
    let shared = Arc::new(State {
        registry,
        config,
        faults: faults.clone(),
        generated: Generated::default(),
        prepared: RwLock::default(),
        at_submission_times: AtomicBool::new(false),
        clock: Clock::wall(),
    });
    let state = web::Data::new(shared.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/{unit}/v1/stats", web::get().to(stats))
            .route("/_secret", web::get().to(secret))
    })
    .workers(2)
    .disable_signals()
    .shutdown_timeout(1)
    .bind(addr)?;
    let addr = server.addrs().first().copied().unwrap_or(addr);
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    Ok(SimulatorHandle {
        addr,
        faults,
        server: handle,
        state: shared,
    })
}

#[derive(Deserialize)]
struct StatsQuery {
    month: Option<String>,
    cursor: Option<String>,
}

fn error(status: actix_web::http::StatusCode, message: String) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "error": message }))
}

/// What a redirect to loopback would reach: the tests look for these words
/// and must never find them in what chiso stores or shows.
pub const SECRET_BODY: &str = "SIMULATED-SECRET password_sha256_hex=5e884898da28047151d0e56f8dc629";
/// The body of the redirect itself, also never to be shown.
pub const REDIRECT_BODY: &str = "SIMULATED-REDIRECT-BODY moved elsewhere";

async fn secret() -> HttpResponse {
    HttpResponse::InternalServerError()
        .content_type("text/plain")
        .body(SECRET_BODY)
}

/// Bytes of whitespace after the page in the `oversized` fault: past any
/// sane `collector.max_body_bytes` (the shipped one is 8 MiB).
const OVERSIZED_PADDING_CHUNKS: usize = 1024;
static PADDING: [u8; 65_536] = [b' '; 65_536];

async fn stats(
    req: HttpRequest,
    state: web::Data<Arc<State>>,
    path: web::Path<String>,
    q: web::Query<StatsQuery>,
) -> HttpResponse {
    use actix_web::http::StatusCode;
    let code = path.into_inner();
    let Some(unit) = state.registry.get(&UnitCode::new(&code)) else {
        return error(StatusCode::NOT_FOUND, format!("unknown unit '{code}'"));
    };
    let month: Month = match q.month.as_deref().unwrap_or_default().parse() {
        Ok(m) => m,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("parameter 'month': {e}")),
    };
    let offset: usize = match q.cursor.as_deref().map(str::parse).transpose() {
        Ok(o) => o.unwrap_or(0),
        Err(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "parameter 'cursor': not a cursor of this source".into(),
            )
        }
    };
    if state.at_submission_times.load(Ordering::Relaxed) {
        let submitted = submission_time(&code, month, state.config.seed);
        let now = state
            .clock
            .now()
            .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh);
        if now.naive_local() < submitted {
            return error(
                StatusCode::NOT_FOUND,
                format!("unit {code} has not submitted its report of {month} yet"),
            );
        }
    }
    let fault = state.faults.take(&code, month);
    if fault == Some(FaultMode::Slow) {
        tokio::time::sleep(Duration::from_millis(state.config.slow_delay_ms)).await;
    }
    if fault == Some(FaultMode::RedirectLoopback) {
        let port = req.app_config().local_addr().port();
        return HttpResponse::Found()
            .insert_header(("Location", format!("http://127.0.0.1:{port}/_secret")))
            .content_type("text/plain")
            .body(REDIRECT_BODY);
    }
    if fault == Some(FaultMode::Http500) {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "simulated failure".into(),
        );
    }
    if fault.is_none() {
        let prepared = state
            .prepared
            .read()
            .ok()
            .and_then(|p| p.get(&(code.clone(), month, offset)).cloned());
        if let Some(body) = prepared {
            return HttpResponse::Ok()
                .content_type("application/json")
                .body(body);
        }
    }
    let full = state
        .generated
        .get_or_generate(unit, month, state.config.seed);
    let mut page = paginate(&full, offset, state.config.page_size.max(1));
    if let Some(mode) = fault {
        apply(mode, &mut page, month);
    }
    if fault == Some(FaultMode::EndlessCursor) {
        page.next_cursor = Some((offset + 1).to_string());
    }
    let body = serde_json::to_string(&page).unwrap_or_default();
    if fault == Some(FaultMode::Oversized) {
        let padding = std::iter::repeat_n(Bytes::from_static(&PADDING), OVERSIZED_PADDING_CHUNKS);
        let chunks = std::iter::once(Bytes::from(body)).chain(padding);
        return HttpResponse::Ok()
            .content_type("application/json")
            .streaming(futures::stream::iter(
                chunks.map(Ok::<_, std::convert::Infallible>),
            ));
    }
    if fault == Some(FaultMode::MalformedJson) {
        let cut: String = body.chars().take(body.chars().count() / 2).collect();
        return HttpResponse::Ok()
            .content_type("application/json")
            .body(cut);
    }
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body)
}

/// One page: `size` services from `offset`; measures ride on the first page.
fn paginate(full: &StatsPage, offset: usize, size: usize) -> StatsPage {
    let total = full.services.len();
    StatsPage {
        unit_code: full.unit_code.clone(),
        month: full.month.clone(),
        generated_at: full.generated_at.clone(),
        services: full
            .services
            .iter()
            .skip(offset)
            .take(size)
            .cloned()
            .collect(),
        measures: if offset == 0 {
            full.measures.clone()
        } else {
            Vec::new()
        },
        next_cursor: (offset + size < total).then(|| (offset + size).to_string()),
    }
}

fn apply(mode: FaultMode, page: &mut StatsPage, month: Month) {
    match mode {
        FaultMode::NegativeCount => match page.services.first_mut() {
            Some(s) => s.received = -5,
            None => page
                .measures
                .iter_mut()
                .take(1)
                .for_each(|m| m.value = -5.0),
        },
        FaultMode::InconsistentCounts => {
            if let Some(s) = page.services.first_mut() {
                s.received_online = s.received + 10;
            }
        }
        FaultMode::WrongMonth => page.month = month.prev().to_string(),
        FaultMode::WrongUnit => page.unit_code = format!("{}X", page.unit_code),
        FaultMode::Empty => {
            page.services.clear();
            page.measures.clear();
            page.next_cursor = None;
        }
        FaultMode::ImplausibleValue => page
            .measures
            .iter_mut()
            .take(1)
            .for_each(|m| m.value = 1e307),
        FaultMode::Slow
        | FaultMode::EndlessCursor
        | FaultMode::Http500
        | FaultMode::MalformedJson
        | FaultMode::RedirectLoopback
        | FaultMode::Oversized => {}
    }
}
