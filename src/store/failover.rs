//! Several ClickHouse servers (the replicas of a cluster) behind one client:
//! every new connection goes to the server in use, and when that one cannot
//! be connected to, to the next that can, which stays in use.
//!
//! Only a failed connection moves on. A query error (a syntax error, a table
//! in read-only mode) comes from a server that answered; trying it elsewhere
//! could run a write twice. A request cut off mid-way fails to its caller, as
//! on one server; the job that made it is re-run whole (each is idempotent).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The connector of chiso's ClickHouse client (clones share the server in use).
#[derive(Clone)]
pub(super) struct Failover {
    inner: HttpConnector,
    /// A URL that does not parse stays, to be named when its turn comes.
    servers: Arc<[Result<Uri, String>]>,
    in_use: Arc<AtomicUsize>,
}

impl Failover {
    /// `servers` in the order they are tried; the first is used first.
    pub(super) fn new(inner: HttpConnector, servers: &[&str]) -> Self {
        let servers: Vec<_> = servers
            .iter()
            .map(|s| s.parse::<Uri>().map_err(|e| format!("'{s}': {e}")))
            .collect();
        Self {
            inner,
            servers: servers.into(),
            in_use: Arc::default(),
        }
    }

    /// The index of the server new connections go to.
    pub(super) fn in_use(&self) -> usize {
        self.in_use.load(Ordering::Relaxed)
    }
}

impl Service<Uri> for Failover {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    /// Ignores the URI asked for (the client names the first server): the
    /// connection goes to the server in use, else to the next that accepts.
    fn call(&mut self, _asked: Uri) -> Self::Future {
        let (mut inner, servers, in_use) = (
            self.inner.clone(),
            self.servers.clone(),
            self.in_use.clone(),
        );
        Box::pin(async move {
            let first = in_use.load(Ordering::Relaxed);
            let mut refused = Vec::new();
            for step in 0..servers.len() {
                let i = (first + step) % servers.len();
                let server = match &servers[i] {
                    Ok(uri) => uri,
                    Err(bad) => {
                        refused.push(bad.clone());
                        continue;
                    }
                };
                match inner.call(server.clone()).await {
                    Ok(io) => {
                        if i != first {
                            in_use.store(i, Ordering::Relaxed);
                            tracing::warn!(
                                to = %server, tried = %refused.join("; "),
                                "clickhouse server could not be connected to; using the next one"
                            );
                        }
                        return Ok(io);
                    }
                    Err(e) => refused.push(format!("{server}: {e}")),
                }
            }
            Err(format!(
                "no ClickHouse server could be connected to ({})",
                refused.join("; ")
            )
            .into())
        })
    }
}
