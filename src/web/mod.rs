//! The web side: the JSON API, the pages, accounts. Handlers only read
//! through `compute` and `store`; nothing here computes or writes results.

mod api;
mod api_plans;
pub mod auth;
pub mod csv_safe;
mod error;
pub mod metrics;
mod openapi;
pub mod ops;
mod pages;
pub mod range;
mod ready;
pub mod schema;
mod sql;
mod sql_answer;

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::{web, App as ActixApp, HttpServer};

use crate::app::App;
use crate::lease::Lease;

pub use error::ApiError;
pub use pages::{MAX_PREVIEWS_PER_DAY, MAX_UPLOAD_BYTES};

/// Shared by every request.
pub type State = web::Data<App>;

/// Mounts every route; shared by the server and the tests.
pub fn routes(cfg: &mut web::ServiceConfig) {
    api::routes(cfg);
    api_plans::routes(cfg);
    auth::routes(cfg);
    sql::routes(cfg);
    ops::routes(cfg);
    metrics::routes(cfg);
    ready::routes(cfg);
    pages::routes(cfg);
    pages::report::routes(cfg);
}

/// A running web server.
pub struct WebHandle {
    pub addr: SocketAddr,
    handle: actix_web::dev::ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl WebHandle {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets requests in flight finish for up to
    /// `shutdown::WEB_GRACE_SECS`, then drops them.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        let _ = self.task.await;
    }
}

/// Binds `addr` (port 0 picks a free one) and serves in the background
/// (single-host mode: this instance leads).
pub fn serve(app: Arc<App>, addr: SocketAddr, workers: usize) -> std::io::Result<WebHandle> {
    let lease = Lease::single(&crate::lease::instance_name());
    serve_leading(app, lease, addr, workers)
}

/// `serve`, telling probes and metrics what `lease` says of leadership.
pub fn serve_leading(
    app: Arc<App>,
    lease: Lease,
    addr: SocketAddr,
    workers: usize,
) -> std::io::Result<WebHandle> {
    // A catalogue that does not load stops the start, naming file and line.
    crate::domain::lang::check().map_err(|e| std::io::Error::other(e.to_string()))?;
    let lease = web::Data::new(lease);
    let auth = web::Data::new(auth::Auth::from_settings(&app.settings)?);
    let state = web::Data::from(app);
    let metrics = web::Data::new(metrics::HttpMetrics::default());
    let sql_slots = web::Data::new(sql::SqlSlots::new(state.settings.web.sql_max_concurrent));
    let server = HttpServer::new(move || {
        ActixApp::new()
            .wrap(actix_web::middleware::from_fn(pages::choose_language))
            .wrap(actix_web::middleware::from_fn(metrics::track))
            .wrap(ops::security_headers())
            .app_data(state.clone())
            .app_data(auth.clone())
            .app_data(metrics.clone())
            .app_data(sql_slots.clone())
            .app_data(lease.clone())
            .app_data(error::query_config())
            .app_data(error::path_config())
            .configure(routes)
    })
    .workers(workers.max(1))
    .shutdown_timeout(crate::shutdown::WEB_GRACE_SECS)
    // A client that closes its side has left: drop its request, so a running
    // analyst query is killed (sql.rs) instead of running to its time limit.
    .h1_allow_half_closed(false)
    .disable_signals()
    .bind(addr)?;
    let addr = server.addrs().first().copied().unwrap_or(addr);
    let server = server.run();
    let handle = server.handle();
    let task = tokio::spawn(server);
    Ok(WebHandle { addr, handle, task })
}
