//! Stopping `chiso serve` and `chiso demo` within a bound: wait for Ctrl-C
//! or SIGTERM, then stop gracefully, and exit hard if that has not finished
//! by `STOP_BOUND` (a request stuck in a handler, a ClickHouse that does not
//! answer). A watchdog thread, not a task: a wedged runtime cannot hold it.

use std::time::Duration;

/// From the signal to the process's end, at most this long.
pub const STOP_BOUND: Duration = Duration::from_secs(15);

/// How long the web server lets requests in flight finish (actix `shutdown_timeout`).
pub const WEB_GRACE_SECS: u64 = 5;

/// Completes on Ctrl-C (SIGINT) or SIGTERM (what a service manager sends).
pub async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// `signal`, then a watchdog that ends the process `bound` later if the
/// graceful stop is still going.
pub async fn signal_then_bound(bound: Duration) {
    signal().await;
    tracing::info!(
        "stopping; the process ends within {} s at most",
        bound.as_secs()
    );
    exit_after(bound);
}

/// Ends the process with status 1 after `bound`, whatever it is doing.
pub fn exit_after(bound: Duration) {
    let spawned = std::thread::Builder::new()
        .name("stop-watchdog".into())
        .spawn(move || {
            std::thread::sleep(bound);
            eprintln!(
                "chiso: still stopping {} s after the signal; exiting now",
                bound.as_secs()
            );
            std::process::exit(1);
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "no watchdog thread; the stop is not bounded");
    }
}
