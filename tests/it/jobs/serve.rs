//! `chiso serve` stops within its bound on SIGTERM with a request stuck on
//! a ClickHouse that stopped answering; `/readyz` says when ClickHouse is gone.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chiso::config::ClickHouseSettings;
use chiso::store::Store;

use super::net::{clickhouse_addr, wait_until, FreezableProxy, SilentServer};
use crate::common::{http, test_app, test_store};

#[tokio::test]
async fn readyz_is_ready_with_clickhouse_and_not_ready_without() {
    let store = test_store("jobs_readyz").await;
    let (server, _app) = crate::common::serve(store);
    let response = http()
        .get(format!("{}/readyz", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), "ready");
    server.stop().await;

    // A ClickHouse that accepts and never answers: not ready, and said promptly.
    let silent = SilentServer::start().await;
    let gone = Store::new(&ClickHouseSettings {
        url: format!("http://127.0.0.1:{}", silent.port),
        user: "default".into(),
        password: String::new(),
        database: "chiso_it_jobs_readyz".into(),
        timeout_secs: 60,
        analyst_user: String::new(),
        analyst_password: String::new(),
        cluster: String::new(),
        insert_quorum: 2,
    });
    let app = Arc::new(test_app(gone));
    let server = chiso::web::serve(app, ([127, 0, 0, 1], 0).into(), 1).unwrap();
    let response = http()
        .get(format!("{}/readyz", server.url()))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    let body = response.text().await.unwrap();
    assert!(body.starts_with("not ready"), "{body}");
    assert!(
        !body.contains("18.") && !body.contains("127.0.0.1"),
        "{body}"
    );
    assert!(silent.accepted() > 0);
    server.stop().await;
}

const NEVER: &str = "0 0 0 1 1 * 2099";

#[tokio::test]
async fn serve_stops_within_its_bound_on_sigterm_while_a_request_is_stuck() {
    stops_within_its_bound_on(libc::SIGTERM, "jobs_serve_sigterm").await;
}

#[tokio::test]
async fn serve_stops_within_its_bound_on_ctrl_c_while_a_request_is_stuck() {
    stops_within_its_bound_on(libc::SIGINT, "jobs_serve_sigint").await;
}

/// `chiso serve` over a proxy to ClickHouse; the proxy frozen with a page
/// request waiting on it; then `signal`.
async fn stops_within_its_bound_on(signal: i32, test: &str) {
    use tokio::io::AsyncBufReadExt;
    let store = test_store(test).await;
    let proxy = FreezableProxy::start(clickhouse_addr()).await;
    let state = tempfile::tempdir().unwrap();
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/chiso.toml");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_chiso"))
        .arg("--config")
        .arg(&config)
        .args([
            "--clickhouse-url",
            &format!("http://127.0.0.1:{}", proxy.port),
        ])
        .args(["--database", store.database()])
        .args(["serve", "--addr", "127.0.0.1:0", "--workers", "1"])
        .env("CHISO_STATE_DIR", state.path())
        // No job comes due during the test: nothing beyond loopback.
        .env("CHISO_SCHEDULE_COLLECT", NEVER)
        .env("CHISO_SCHEDULE_COMPUTE", NEVER)
        .env("CHISO_SCHEDULE_REMIND", NEVER)
        // Longer than the stop bound: only the bound can end the stuck request.
        .env("CHISO_CLICKHOUSE_TIMEOUT_SECS", "300")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("serve started")
            .unwrap()
            .expect("serve printed its address");
        if let Some(rest) = line.strip_prefix("API at ") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    proxy.freeze();
    let page = tokio::spawn(
        http()
            .get(format!("{url}/xep-hang?period=2021-06"))
            .timeout(Duration::from_secs(120))
            .send(),
    );
    wait_until(Duration::from_secs(10), || proxy.held() > 0).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !page.is_finished(),
        "the page waits on the frozen ClickHouse"
    );

    let pid = child.id().unwrap();
    let signalled = Instant::now();
    // SAFETY: signalling the child this test spawned, by its id.
    unsafe {
        libc::kill(pid as i32, signal);
    }
    let bound = chiso::shutdown::STOP_BOUND + Duration::from_secs(5);
    let status = tokio::time::timeout(bound, child.wait())
        .await
        .expect("serve stopped within its bound")
        .unwrap();
    let took = signalled.elapsed();
    assert!(took <= bound, "{took:?}");
    // Within the web grace, not by the watchdog.
    assert!(status.success(), "{status:?} after {took:?}");
    page.abort();
}
