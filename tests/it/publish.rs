//! Publishing a period from the ranking page, then revising it: who, when and
//! why on the page, in the API and in the audit log; the earlier publication
//! stays viewable with its as-of time.

use chiso::store::{AuditFilter, AuditKind, RoleCode};
use serde_json::Value;

use super::common::{
    account_token, another_store, config_dir, http, import_service_lines, month, serve,
    simple_service_line, test_app, test_store,
};

async fn publish(base: &str, token: &str, reason: &str) -> reqwest::Response {
    http()
        .post(format!("{base}/xep-hang/cong-bo"))
        .bearer_auth(token)
        .form(&[
            ("period", "2021-06"),
            ("group", "province"),
            ("reason", reason),
        ])
        .send()
        .await
        .unwrap()
}

async fn page(base: &str, query: &str) -> String {
    let r = http()
        .get(format!("{base}/xep-hang?period=2021-06{query}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{query}");
    r.text().await.unwrap()
}

async fn api(base: &str) -> Value {
    http()
        .get(format!(
            "{base}/api/v1/rankings?period=2021-06&group=province"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn hanoi_date(rfc3339: &str, format: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .format(format)
        .to_string()
}

#[tokio::test]
async fn a_period_is_published_then_revised_from_the_web_with_who_when_and_why() {
    let store = test_store("publish_web").await;
    let lines: Vec<String> = ["01", "79"]
        .iter()
        .map(|u| simple_service_line(u, "2021-06", 100, 40))
        .collect();
    import_service_lines(&store, &lines).await;
    let ministry = account_token(&store, "bo-truong", RoleCode::Ministry, None).await;
    let unit = account_token(&store, "ha-noi", RoleCode::Unit, Some("01")).await;
    let (server, _) = serve(store.clone());
    let base = server.url();

    // Unit staff may not publish; a reason is required.
    assert_eq!(publish(&base, &unit, "vì sao không").await.status(), 403);
    assert_eq!(publish(&base, &ministry, "  ").await.status(), 400);
    // The form is the ministry's: not shown to anyone else.
    let r = http()
        .get(format!("{base}/xep-hang?period=2021-06"))
        .bearer_auth(&ministry)
        .send()
        .await
        .unwrap();
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("form class=\"inline\" id=\"publish\""));

    let first = publish(&base, &ministry, "Công bố kết quả tháng 6").await;
    assert_eq!(first.status(), 303);
    // Public now; the page says who published, when and why.
    let html = page(&base, "").await;
    assert!(html.contains("Kết quả đã công bố"), "{html}");
    assert!(!html.contains("id=\"publish\""), "no form for readers");
    assert!(html.contains("bo-truong") && html.contains("Công bố: Công bố kết quả tháng 6"));
    let body = api(&base).await;
    let pubs = body["publications"].as_array().unwrap();
    assert_eq!(pubs.len(), 1, "{body:#}");
    assert_eq!(pubs[0]["frozen_by"], "bo-truong");
    assert_eq!(pubs[0]["reason"], "Công bố kết quả tháng 6");
    assert_eq!(pubs[0]["frozen_at"], body["frozen_at"]);
    let first_at = pubs[0]["frozen_at"].as_str().unwrap().to_string();
    let first_version = pubs[0]["version"].as_u64().unwrap();

    // Publishing again without new results changes nothing.
    assert_eq!(publish(&base, &ministry, "lần nữa").await.status(), 303);
    assert_eq!(
        api(&base).await["publications"].as_array().unwrap().len(),
        1
    );

    // Hà Nội corrects its figures; the ministry revises the publication.
    import_service_lines(&store, &[simple_service_line("01", "2021-06", 100, 90)]).await;
    let reason = "Hà Nội gửi lại số liệu tháng 6";
    assert_eq!(publish(&base, &ministry, reason).await.status(), 303);
    let body = api(&base).await;
    let pubs = body["publications"].as_array().unwrap();
    assert_eq!(pubs.len(), 2, "{body:#}");
    assert_eq!(pubs[1]["frozen_by"], "bo-truong");
    assert_eq!(pubs[1]["reason"], reason);
    assert_eq!(pubs[1]["frozen_at"], body["frozen_at"]);
    let revised_on = hanoi_date(pubs[1]["frozen_at"].as_str().unwrap(), "%d/%m/%Y");
    let html = page(&base, "").await;
    assert!(
        html.contains(&format!(
            "Kết quả đã điều chỉnh ngày {revised_on}: {reason}"
        )),
        "{html}"
    );
    assert!(html.contains(&format!("Điều chỉnh: {reason}")), "{html}");

    // The first publication stays viewable with its own as-of time and ranks.
    let html = page(&base, &format!("&cong_bo={first_version}")).await;
    let first_as_of = hanoi_date(&first_at, "%H:%M ngày %d/%m/%Y");
    assert!(
        html.contains(&format!("chốt số liệu lúc {first_as_of}")),
        "{first_as_of}: {html}"
    );
    assert!(html.contains("Đây là bản công bố trước"), "{html}");
    let r = http()
        .get(format!("{base}/xep-hang?period=2021-06&cong_bo=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    server.stop().await;

    // The audit log has both, by whom and why.
    let store = another_store("publish_web");
    let freezes = AuditFilter {
        kind: Some(AuditKind::Freeze),
        ..AuditFilter::default()
    };
    let events = store.audit_log(&freezes, 10).await.unwrap();
    assert_eq!(events.len(), 2, "{events:#?}");
    assert!(events
        .iter()
        .all(|e| e.actor == "bo-truong" && e.subject == "2021-06"));
    // Both may fall in one second, the log's resolution: found, not ordered.
    let detail = |what: &str, why: &str| {
        events
            .iter()
            .any(|e| e.detail.starts_with(what) && e.detail.ends_with(&format!("reason: {why}")))
    };
    assert!(
        detail("publication", "Công bố kết quả tháng 6"),
        "{events:#?}"
    );
    assert!(detail("revision", reason), "{events:#?}");
}

#[tokio::test]
async fn the_command_line_freezes_with_a_reason_and_refuses_a_reason_without_a_freeze() {
    let store = test_store("publish_cli").await;
    import_service_lines(&store, &[simple_service_line("01", "2021-06", 100, 40)]).await;
    let state = tempfile::tempdir().unwrap();
    let url = std::env::var("CHISO_TEST_CLICKHOUSE_URL").unwrap();
    let chiso = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_chiso"))
            .arg("--config")
            .arg(config_dir().join("chiso.toml"))
            .args(["--clickhouse-url", &url, "--database", store.database()])
            .args(args)
            .env("CHISO_STATE_DIR", state.path())
            .output()
            .unwrap()
    };
    let refused = chiso(&["compute", "--period", "2021-06", "--reason", "x"]);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let reason = "Công bố tháng 6 từ dòng lệnh";
    let out = chiso(&["compute", "--freeze", "2021-06", "--reason", reason]);
    assert!(out.status.success(), "{out:?}");
    let app = test_app(another_store("publish_cli"));
    let june = chiso::domain::Period::Month(month("2021-06"));
    let published = app.computer().published(june).await.unwrap().unwrap();
    assert_eq!(published.publications.len(), 1);
    let note = &published.publications[0];
    assert_eq!(
        (note.frozen_by.as_str(), note.reason.as_str()),
        ("", reason)
    );
    assert_eq!(Some(note.frozen_at), published.frozen_at);
}
