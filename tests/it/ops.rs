//! Operations endpoints over HTTP: health, Prometheus metrics, the OpenAPI document.

use chiso::store::RoleCode;
use serde_json::Value;

use super::common::{
    account_token, clickhouse_settings, http, import_service_lines, ministry_token, serve,
    simple_service_line, test_store,
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
    let token = ministry_token(&store).await;
    let unit = account_token(&store, "staff01", RoleCode::Unit, Some("01")).await;
    let (server, _app) = serve(store);
    // Anonymous (and unit staff): ok or not, no version, no job history.
    for who in [None, Some(&unit)] {
        let mut request = http().get(format!("{}/healthz", server.url()));
        if let Some(t) = who {
            request = request.bearer_auth(t);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, serde_json::json!({ "status": "ok" }));
    }
    let response = http()
        .get(format!("{}/healthz", server.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert!(body["clickhouse"]["version"].is_string(), "{body}");
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
    // A collect run of 42 s and a sent mail, as the jobs would record them.
    let t0 = chrono::Utc::now() - chrono::Duration::seconds(60);
    store
        .record_job_run(&chiso::store::JobRunRow {
            run_id: "run-1".into(),
            job: "collect".into(),
            period: "2021-06".into(),
            scheduled_for: t0,
            trigger: chiso::store::Trigger::Manual,
            started_at: t0,
            finished_at: t0 + chrono::Duration::seconds(42),
            outcome: chiso::store::RunOutcome::Succeeded,
            detail: String::new(),
            host: "test".into(),
            version: 2,
        })
        .await
        .unwrap();
    store
        .record_sends(&[chiso::store::LedgerRow {
            key: "not_reported/01/2021-06/a@b.vn".into(),
            rule: chiso::store::RuleKind::NotReported,
            unit_code: "01".into(),
            period: "2021-06".into(),
            recipient: "a@b.vn".into(),
            message_id: "<x@chiso.invalid>".into(),
            state: chiso::store::SendState::Sent,
            tries: 1,
            last_reply: "250 ok".into(),
            next_try_at: t0,
            updated_at: t0,
            version: 1,
            epoch: 0,
        }])
        .await
        .unwrap();
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
        .starts_with("application/openmetrics-text"));
    let text = response.text().await.unwrap();
    for line in [
        "chiso_collect_attempts_total{unit=\"01\",outcome=\"stored\"} 1",
        "# TYPE chiso_collect_last_success_timestamp_seconds gauge",
        "chiso_job_runs_total{job=\"collect\",outcome=\"succeeded\"} 1",
        "chiso_job_duration_seconds_count{job=\"collect\"} 1",
        "chiso_job_duration_seconds_bucket{le=\"60.0\",job=\"collect\"} 1",
        "chiso_job_duration_seconds_bucket{le=\"15.0\",job=\"collect\"} 0",
        "chiso_mails_total{kind=\"not_reported\",outcome=\"sent\"} 1",
        "chiso_clickhouse_up 1",
        "chiso_http_request_duration_seconds_count{route=\"/api/v1/indicators\",method=\"GET\",status=\"200\"} 1",
        "# EOF",
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
    assert_eq!(doc["openapi"], "3.1.0");
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
    // The readable API page: Swagger UI from this server, reading this document.
    let page = http()
        .get(format!("{base}/api/docs/"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("swagger-initializer.js"));
    let init = http()
        .get(format!("{base}/api/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains("/api/openapi.json"), "{init}");
    server.stop().await;
}

/// The number of HTTP latency series `/metrics` shows.
async fn http_series(base: &str, token: &str) -> usize {
    let text = http()
        .get(format!("{base}/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with("chiso_http_request_duration_seconds_count"))
        .count()
}

#[tokio::test]
async fn metrics_do_not_grow_under_invented_methods_and_paths() {
    let store = test_store("ops_metrics_bounded").await;
    let token = ministry_token(&store).await;
    let (server, _app) = serve(store);
    let base = server.url();
    let invent = |round: usize| {
        let base = base.clone();
        async move {
            for i in 0..20 {
                let method =
                    reqwest::Method::from_bytes(format!("X{round}M{i}").as_bytes()).unwrap();
                http()
                    .request(method, format!("{base}/no/such/path/{round}/{i}"))
                    .send()
                    .await
                    .unwrap();
                http()
                    .get(format!("{base}/invented-{round}-{i}"))
                    .send()
                    .await
                    .unwrap();
                http()
                    .request(
                        reqwest::Method::from_bytes(format!("Y{round}{i}").as_bytes()).unwrap(),
                        format!("{base}/api/v1/indicators"),
                    )
                    .send()
                    .await
                    .unwrap();
            }
        }
    };
    invent(0).await;
    // The first scrape adds its own series (GET /metrics).
    http_series(&base, &token).await;
    let before = http_series(&base, &token).await;
    invent(1).await;
    invent(2).await;
    assert_eq!(http_series(&base, &token).await, before);
    let text = http()
        .get(format!("{base}/metrics"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains("X1M"), "{text}");
    assert!(!text.contains("invented-"), "{text}");
    assert!(text.contains("route=\"other\",method=\"other\""), "{text}");
    server.stop().await;
}

#[tokio::test]
async fn pages_and_api_answers_carry_the_security_headers() {
    let store = test_store("ops_headers").await;
    let (server, _app) = serve(store);
    let base = server.url();
    for path in [
        "/login",
        "/",
        "/api/v1/indicators",
        "/api/v1/me",
        "/no-such-page",
    ] {
        let response = http().get(format!("{base}{path}")).send().await.unwrap();
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        let script = csp.split(';').find(|d| d.trim().starts_with("script-src"));
        assert!(!script.unwrap().contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        // What the policy would block: no page has an inline script.
        let body = response.text().await.unwrap();
        assert!(
            !body.contains("<script>") && !body.contains(" onclick="),
            "{path}"
        );
    }
    server.stop().await;
}

/// A scraper goes on reading `/metrics` when ClickHouse goes away: a token
/// ClickHouse confirmed before still opens it, and the page says
/// `chiso_clickhouse_up 0` (what the alert reads); a token never confirmed
/// is refused. The second server stands for this process after the outage:
/// the same database, through a port nobody listens on.
#[tokio::test]
async fn metrics_say_clickhouse_is_down_to_a_scraper_confirmed_before() {
    let test = "ops_metrics_down";
    let store = test_store(test).await;
    let token = ministry_token(&store).await;
    let never_used = account_token(&store, "ministry2", RoleCode::Ministry, None).await;
    let (server, _app) = serve(store);
    let scrape = |base: String, token: String| async move {
        let r = http()
            .get(format!("{base}/metrics"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    let (status, text) = scrape(server.url(), token.clone()).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.lines().any(|l| l == "chiso_clickhouse_up 1"), "{text}");

    let gone = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut settings = clickhouse_settings(test);
    settings.url = format!("http://{}", gone.local_addr().unwrap());
    drop(gone);
    let (down, _down_app) = serve(chiso::store::Store::new(&settings));
    // Past the time a token is trusted without asking, so ClickHouse is asked.
    tokio::time::sleep(
        chiso::accounts::credentials::TOKENS_KEPT_FOR + std::time::Duration::from_millis(200),
    )
    .await;
    let (status, text) = scrape(down.url(), token.clone()).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.lines().any(|l| l == "chiso_clickhouse_up 0"), "{text}");
    // This process's own series are there beside it.
    assert!(text.contains("\nchiso_leader{"), "{text}");
    let (status, text) = scrape(down.url(), never_used).await;
    assert_ne!(status, 200, "{text}");

    // A ClickHouse that takes connections and never answers: the scrape
    // still answers within Prometheus's 10 s scrape timeout.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    settings.url = format!("http://{}", silent.local_addr().unwrap());
    let (hung, _hung_app) = serve(chiso::store::Store::new(&settings));
    tokio::time::sleep(chiso::accounts::credentials::TOKENS_KEPT_FOR).await;
    let answer = http()
        .get(format!("{}/metrics", hung.url()))
        .bearer_auth(&token)
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
        .expect("an answer within the scrape timeout");
    assert_eq!(answer.status().as_u16(), 200);
    let text = answer.text().await.unwrap();
    assert!(text.lines().any(|l| l == "chiso_clickhouse_up 0"), "{text}");
    drop(silent);
}
