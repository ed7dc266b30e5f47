//! The audit log: each kind of event chiso records, analysts' SQL queries
//! included, and the ministry page and CSV over it.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use chiso::domain::Period;
use chiso::store::{AuditFilter, AuditKind, RoleCode, Store};
use serde_json::Value;

use super::common::{
    account_token, another_store, config_dir, http, import_service_lines, month, serve,
    simple_service_line, test_app, test_store, write, SERVICE_HEADER,
};

/// `chiso <args>` on the test's database, with `stdin` as standard input.
fn chiso(store: &Store, args: &[&str], stdin: &str) -> Output {
    let url = std::env::var("CHISO_TEST_CLICKHOUSE_URL").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_chiso"))
        .arg("--config")
        .arg(config_dir().join("chiso.toml"))
        .args(["--clickhouse-url", &url, "--database", store.database()])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "chiso {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn sign_in(base: &str, login: &str, password: &str) -> reqwest::Response {
    let page = http().get(format!("{base}/login")).send().await.unwrap();
    let csrf = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("chiso_login_csrf="))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    http()
        .post(format!("{base}/login"))
        .header("cookie", format!("chiso_login_csrf={csrf}"))
        .form(&[("login", login), ("password", password), ("csrf", &csrf)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_audit_log_records_each_kind_of_event() {
    let store = test_store("audit_kinds").await;
    let password = "a long enough password";
    // Accounts and tokens, from the command line.
    chiso(
        &store,
        &[
            "users",
            "add",
            "--login",
            "an.audit",
            "--role",
            "ministry",
            "--password-stdin",
        ],
        password,
    );
    let token_out = stdout(&chiso(
        &store,
        &["users", "token", "--login", "an.audit"],
        "",
    ));
    let token = token_out.lines().last().unwrap().trim().to_string();
    let listed = stdout(&chiso(
        &store,
        &["users", "tokens", "--login", "an.audit"],
        "",
    ));
    let id = &chiso::accounts::credentials::token_hash(&token)[..12];
    let line = listed.lines().find(|l| l.starts_with(id)).unwrap();
    assert!(line.trim_end().ends_with("no"), "{listed}");
    chiso(&store, &["users", "revoke-token", "--id", id], "");
    let listed = stdout(&chiso(
        &store,
        &["users", "tokens", "--login", "an.audit"],
        "",
    ));
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with(id) && l.trim_end().ends_with("yes")),
        "{listed}"
    );
    chiso(
        &store,
        &["users", "passwd", "--login", "an.audit", "--password-stdin"],
        password,
    );
    chiso(&store, &["users", "disable", "--login", "an.audit"], "");
    chiso(&store, &["users", "enable", "--login", "an.audit"], "");
    // An import, a freeze, a remind run.
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        &dir,
        "june.csv",
        &format!(
            "{SERVICE_HEADER}\n{}\n",
            simple_service_line("01", "2021-06", 100, 80)
        ),
    );
    chiso(&store, &["import", csv.to_str().unwrap()], "");
    let mut app = test_app(store.clone());
    app.computer()
        .freeze(Period::Month(month("2021-06")))
        .await
        .unwrap();
    // No server listens there: the run stops at once, and is recorded.
    app.alerts.smtp.host = "127.0.0.1".into();
    app.alerts.smtp.port = super::common::smtp::free_port();
    app.alerts.lock_file = dir.path().join("remind.lock");
    app.alerts.smtp.username_env = None;
    app.alerts.smtp.password_env = None;
    let backend = chiso::notify::Backend::smtp(&app.alerts.smtp, |_| None).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2021, 7, 20).unwrap();
    let _ = chiso::notify::remind(&app, month("2021-06"), today, &backend).await;
    // Logins over the web.
    account_token(&store, "bo.audit", RoleCode::Unit, Some("01")).await;
    let (server, _app) = serve(store.clone());
    let base = server.url();
    assert_eq!(
        sign_in(&base, "an.audit", "wrong password").await.status(),
        401
    );
    for _ in 0..5 {
        sign_in(&base, "bo.audit", "wrong password").await;
    }
    assert_eq!(sign_in(&base, "bo.audit", password).await.status(), 429);
    let ok = sign_in(&base, "an.audit", password).await;
    assert_eq!(ok.status(), 303);
    let cookie = ok
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("chiso_session="))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    let me: Value = http()
        .get(format!("{base}/api/v1/me"))
        .header("cookie", format!("chiso_session={cookie}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let logout = http()
        .post(format!("{base}/logout"))
        .header("cookie", format!("chiso_session={cookie}"))
        .form(&[("csrf", me["csrf"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 303);
    server.stop().await;

    // A fresh client: the server's runtime, gone now, held pooled connections.
    let store = another_store("audit_kinds");
    let events = store
        .audit_log(&AuditFilter::default(), 1000)
        .await
        .unwrap();
    for kind in AuditKind::ALL {
        if kind == AuditKind::SqlQuery {
            continue;
        }
        assert!(
            events.iter().any(|e| e.kind == kind),
            "no {} event in {events:#?}",
            kind.as_str()
        );
    }
    let details: Vec<&str> = events
        .iter()
        .filter(|e| e.subject == "an.audit")
        .map(|e| e.detail.as_str())
        .collect();
    for what in [
        "created, role ministry",
        "revoked",
        "password changed",
        "disabled",
        "enabled",
    ] {
        assert!(
            details.iter().any(|d| d.contains(what)),
            "{what} in {details:?}"
        );
    }
    let failed = events
        .iter()
        .find(|e| e.kind == AuditKind::LoginFailed && e.subject == "an.audit")
        .unwrap();
    assert_eq!(failed.address, "127.0.0.1");
    let signed_in = events
        .iter()
        .find(|e| e.kind == AuditKind::LoginSucceeded)
        .unwrap();
    assert_eq!(signed_in.actor, "an.audit");
    let freezes = AuditFilter {
        kind: Some(AuditKind::Freeze),
        ..AuditFilter::default()
    };
    let only = store.audit_log(&freezes, 10).await.unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].subject, "2021-06");
}

#[tokio::test]
async fn ministry_staff_read_the_audit_log_as_a_page_and_an_inert_csv() {
    let store = test_store("audit_page").await;
    import_service_lines(&store, &[simple_service_line("01", "2021-06", 100, 80)]).await;
    let ministry = account_token(&store, "chi.audit", RoleCode::Ministry, None).await;
    let analyst = account_token(&store, "dung.audit", RoleCode::Analyst, None).await;
    let (server, _app) = serve(store);
    let base = server.url();
    // A login typed as a spreadsheet formula.
    sign_in(&base, "=HYPERLINK(\"http://evil\")", "x").await;
    let page = http()
        .get(format!("{base}/nhat-ky?kind=login_failed"))
        .bearer_auth(&ministry)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Nhật ký hệ thống") && html.contains("Đăng nhập sai"),
        "{html}"
    );
    assert!(
        html.contains("=HYPERLINK(&quot;http://evil&quot;)"),
        "{html}"
    );
    assert!(
        !html.contains("Thay đổi tài khoản</td>"),
        "filtered by kind"
    );
    let csv = http()
        .get(format!("{base}/nhat-ky.csv?kind=login_failed"))
        .bearer_auth(&ministry)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("at,kind,actor,subject"), "{csv}");
    assert!(csv.contains(",\"'=HYPERLINK("), "{csv}");
    assert!(
        !csv.contains(",=HYPERLINK(") && !csv.contains(",\"=HYPERLINK("),
        "{csv}"
    );
    for path in ["/nhat-ky", "/nhat-ky.csv"] {
        let status = http()
            .get(format!("{base}{path}"))
            .bearer_auth(&analyst)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 403, "{path}");
        let anonymous = http().get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(anonymous.status(), 303, "{path}");
    }
    let bad = http()
        .get(format!("{base}/nhat-ky?from=yesterday"))
        .bearer_auth(&ministry)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    server.stop().await;
}

#[tokio::test]
async fn every_analyst_query_is_audited_with_its_rows_and_refusals() {
    let store = super::common::analyst_store("audit_sql").await;
    let token = account_token(&store, "an.sql", RoleCode::Analyst, None).await;
    let (server, _app) = serve(store.clone());
    let ask = |sql: &'static str| {
        http()
            .post(format!("{}/api/v1/sql", server.url()))
            .bearer_auth(&token)
            .body(sql)
            .send()
    };
    let answered = ask("SELECT unit_code FROM service_stats_current UNION ALL SELECT 'x'")
        .await
        .unwrap();
    assert_eq!(answered.status().as_u16(), 200);
    let body = answered.text().await.unwrap();
    let refused = ask("SELECT * FROM users").await.unwrap();
    assert_eq!(refused.status().as_u16(), 400);

    // The answered query's record is written once its answer has gone out.
    let filter = AuditFilter {
        kind: Some(AuditKind::SqlQuery),
        ..AuditFilter::default()
    };
    let mut events = Vec::new();
    for _ in 0..50 {
        events = store.audit_log(&filter, 10).await.unwrap();
        if events.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events.iter().all(|e| e.actor == "an.sql"));
    let ok = events.iter().find(|e| e.refused == 0).unwrap();
    assert!(ok.detail.starts_with("SELECT unit_code"), "{}", ok.detail);
    assert!(ok.detail.ends_with("-- answered"), "{}", ok.detail);
    assert_eq!(ok.rows, 1);
    assert_eq!(ok.bytes, body.len() as u64);
    let no = events.iter().find(|e| e.refused == 1).unwrap();
    assert!(no.detail.contains("SELECT * FROM users"), "{}", no.detail);
    assert!(no.detail.contains("-- refused:"), "{}", no.detail);
    server.stop().await;
}
