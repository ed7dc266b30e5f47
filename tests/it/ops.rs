//! Operations endpoints over HTTP: health, Prometheus metrics, the OpenAPI document.

use chiso::store::RoleCode;
use serde_json::Value;

use super::common::{
    account_token, http, import_service_lines, ministry_token, serve, simple_service_line,
    test_store,
};

#[tokio::test]
async fn healthz_reports_clickhouse_and_the_latest_job_runs() {
    let store = test_store("ops_healthz").await;
    let now = chrono::Utc::now();
    let run = chiso::store::JobRunRow {
        run_id: "r1".into(),
        job: "collect".into(),
        period: "2021-06".into(),
        scheduled_for: now,
        trigger: chiso::store::Trigger::Manual,
        started_at: now,
        finished_at: now,
        outcome: chiso::store::RunOutcome::Succeeded,
        detail: "collected 63 of 63 units".into(),
        host: "test:1".into(),
        version: 2,
    };
    store.record_job_run(&run).await.unwrap();
    let (server, _app) = serve(store);
    let response = http()
        .get(format!("{}/healthz", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["clickhouse"]["reachable"], true);
    assert_eq!(body["jobs"][0]["job"], "collect");
    assert_eq!(body["jobs"][0]["outcome"], "succeeded");
    assert!(body["jobs"][0]["last_success"].is_string(), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn metrics_count_attempts_rejections_mails_and_request_latency() {
    let store = test_store("ops_metrics").await;
    import_service_lines(&store, &[simple_service_line("01", "2021-06", 100, 80)]).await;
    let token = ministry_token(&store).await;
    let unit = account_token(&store, "staff01", RoleCode::Unit, Some("01")).await;
    let (server, _app) = serve(store);
    let base = server.url();
    http()
        .get(format!("{base}/api/v1/indicators"))
        .send()
        .await
        .unwrap();
    let response = http()
        .get(format!("{base}/metrics"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = response.text().await.unwrap();
    for line in [
        "chiso_collection_attempts_total{unit=\"01\",outcome=\"stored\"} 1",
        "chiso_collection_failures_total{unit=\"01\"} 0",
        "# TYPE chiso_rejected_payloads_total counter",
        "chiso_mails_sent_total 0",
        "chiso_mails_failed_total 0",
        "chiso_http_request_duration_seconds_count{route=\"/api/v1/indicators\",method=\"GET\",status=\"200\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "missing '{line}' in:\n{text}");
    }
    let status = http()
        .get(format!("{base}/metrics"))
        .bearer_auth(&unit)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 403);
    let status = http()
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 401);
    server.stop().await;
}

#[tokio::test]
async fn every_path_of_the_openapi_document_is_served() {
    let store = test_store("ops_openapi").await;
    let (server, _app) = serve(store);
    let base = server.url();
    let doc: Value = http()
        .get(format!("{base}/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 11);
    for (path, item) in paths {
        let concrete = path.replace("{code}", "01");
        for method in item.as_object().unwrap().keys() {
            let request = match method.as_str() {
                "get" => http().get(format!("{base}{concrete}")),
                "post" => http().post(format!("{base}{concrete}")),
                other => panic!("{other} {path}: no test for this method"),
            };
            let status = request.send().await.unwrap().status().as_u16();
            assert_ne!(status, 404, "{method} {path} is described but not mounted");
        }
    }
    server.stop().await;
}
