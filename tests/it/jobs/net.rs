//! Real sockets that misbehave: a server that accepts and never answers, and
//! a proxy to ClickHouse that can be frozen into one.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// Accepts connections and never writes a byte (an SMTP server that hangs
/// before its greeting, a ClickHouse that hangs before its answer).
pub struct SilentServer {
    pub port: u16,
    accepted: Arc<AtomicUsize>,
    task: AbortHandle,
}

impl SilentServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                held.push(socket);
            }
        })
        .abort_handle();
        Self {
            port,
            accepted,
            task,
        }
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Waits (at most `bound`) until a connection came in.
    pub async fn wait_for_connection(&self, bound: Duration) {
        wait_until(bound, || self.accepted() > 0).await;
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Forwards to `upstream` until frozen; then it drops the connections it
/// carried and holds every new one without a byte, as a hung server would.
pub struct FreezableProxy {
    pub port: u16,
    frozen: Arc<AtomicBool>,
    live: Arc<Mutex<Vec<AbortHandle>>>,
    held: Arc<AtomicUsize>,
    task: AbortHandle,
}

impl FreezableProxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let frozen = Arc::new(AtomicBool::new(false));
        let live: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let held = Arc::new(AtomicUsize::new(0));
        let (f, l, h) = (frozen.clone(), live.clone(), held.clone());
        let task = tokio::spawn(async move {
            let mut kept = Vec::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                if f.load(Ordering::SeqCst) {
                    h.fetch_add(1, Ordering::SeqCst);
                    kept.push(inbound);
                    continue;
                }
                let carry = tokio::spawn(async move {
                    if let Ok(mut out) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                l.lock().unwrap().push(carry.abort_handle());
            }
        })
        .abort_handle();
        Self {
            port,
            frozen,
            live,
            held,
            task,
        }
    }

    pub fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
        for carried in self.live.lock().unwrap().drain(..) {
            carried.abort();
        }
    }

    /// Connections held without an answer since the freeze.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::SeqCst)
    }
}

impl Drop for FreezableProxy {
    fn drop(&mut self) {
        self.task.abort();
        self.freeze();
    }
}

/// The test ClickHouse's address, from CHISO_TEST_CLICKHOUSE_URL.
pub fn clickhouse_addr() -> SocketAddr {
    let url = std::env::var("CHISO_TEST_CLICKHOUSE_URL").unwrap();
    let host = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .replace("localhost", "127.0.0.1");
    host.parse().unwrap()
}

/// Polls `done` every 50 ms for at most `bound`; panics if it never holds.
pub async fn wait_until(bound: Duration, mut done: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(start.elapsed() < bound, "not within {bound:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
