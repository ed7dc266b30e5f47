//! Accounts and roles over HTTP: who gets 401, who gets 403, what is public,
//! and the login form's cookies and CSRF checks.

use chiso::store::RoleCode;
use serde_json::Value;

use super::common::{
    account_token, http, import_service_lines, ministry_token, serve, simple_service_line,
    test_store,
};

async fn get(url: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = http().get(url);
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_unit_user_sees_its_own_unit_and_gets_403_on_another() {
    let store = test_store("auth_unit_scope").await;
    import_service_lines(&store, &[simple_service_line("01", "2021-06", 100, 80)]).await;
    let token = account_token(&store, "staff01", RoleCode::Unit, Some("01")).await;
    let (server, _app) = serve(store);
    let base = server.url();
    let range = "indicators?from=2021-06&to=2021-06";
    let (status, body) = get(&format!("{base}/api/v1/units/01/{range}"), Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = get(&format!("{base}/api/v1/units/02/{range}"), Some(&token)).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("unit '02'"),
        "{body}"
    );
    // The national ranking is theirs to see; the SQL endpoint is not.
    let (status, body) = get(
        &format!("{base}/api/v1/rankings?period=2021-06"),
        Some(&token),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let response = http()
        .post(format!("{base}/api/v1/sql"))
        .bearer_auth(&token)
        .body("SELECT 1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    server.stop().await;
}

#[tokio::test]
async fn anonymous_gets_json_401_on_every_non_public_endpoint() {
    let store = test_store("auth_anonymous").await;
    import_service_lines(&store, &[simple_service_line("01", "2021-06", 100, 80)]).await;
    let (server, _app) = serve(store);
    let base = server.url();
    for path in [
        "/api/v1/units/01/indicators",
        "/api/v1/national?indicator=online_dossier_rate",
        "/api/v1/rankings?period=2021-06",
        "/api/v1/schema",
        "/api/v1/me",
    ] {
        let response = http().get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401, "{path}");
        assert!(
            response.headers().contains_key("www-authenticate"),
            "{path}"
        );
        let body: Value = response.json().await.unwrap();
        assert!(body["error"].is_string(), "{path}: {body}");
    }
    let response = http()
        .post(format!("{base}/api/v1/sql"))
        .body("SELECT 1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    // A wrong token is refused even where anonymous is welcome.
    let (status, body) = get(&format!("{base}/api/v1/indicators"), Some("chiso_nope")).await;
    assert_eq!(status, 401, "{body}");
    let (status, _) = get(&format!("{base}/api/v1/indicators"), None).await;
    assert_eq!(status, 200);
    server.stop().await;
}

#[tokio::test]
async fn a_frozen_ranking_is_public_and_a_provisional_one_needs_an_account() {
    let store = test_store("auth_frozen_public").await;
    import_service_lines(&store, &[simple_service_line("01", "2021-06", 100, 80)]).await;
    let token = ministry_token(&store).await;
    let (server, app) = serve(store);
    let url = format!("{}/api/v1/rankings?period=2021-06", server.url());
    let (status, _) = get(&url, None).await;
    assert_eq!(status, 401);
    let (status, body) = get(&url, Some(&token)).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("provisional"))
    );
    app.computer()
        .freeze("2021-06".parse().unwrap())
        .await
        .unwrap();
    let (status, body) = get(&url, None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("frozen")),
        "{body}"
    );
    server.stop().await;
}

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

fn cookie_value<'a>(cookies: &'a [String], name: &str) -> &'a str {
    let line = cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {cookies:?}"));
    line[name.len() + 1..].split(';').next().unwrap()
}

#[tokio::test]
async fn the_login_form_sets_an_httponly_session_and_forms_need_their_csrf_token() {
    let store = super::common::analyst_store("auth_login").await;
    account_token(&store, "analyst1", RoleCode::Analyst, None).await;
    let (server, _app) = serve(store);
    let base = server.url();

    let page = http()
        .get(format!("{base}/login?next=/units/01"))
        .send()
        .await
        .unwrap();
    let cookies = set_cookies(&page);
    let login_csrf = cookie_value(&cookies, "chiso_login_csrf").to_string();
    let html = page.text().await.unwrap();
    assert!(html.contains("Đăng nhập") && html.contains(&format!("value=\"{login_csrf}\"")));

    let post = |csrf: &str, password: &str, proto: &str| {
        http()
            .post(format!("{base}/login"))
            .header("cookie", format!("chiso_login_csrf={login_csrf}"))
            .header("x-forwarded-proto", proto)
            .form(&[
                ("login", "analyst1"),
                ("password", password),
                ("csrf", csrf),
                ("next", "/units/01"),
            ])
            .send()
    };
    assert_eq!(
        post("forged", "a long enough password", "http")
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        post(&login_csrf, "wrong password!", "http")
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    let ok = post(&login_csrf, "a long enough password", "http")
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 303);
    assert_eq!(ok.headers()["location"], "/units/01");
    let cookies = set_cookies(&ok);
    let line = cookies
        .iter()
        .find(|c| c.starts_with("chiso_session="))
        .unwrap();
    assert!(
        line.contains("HttpOnly") && line.contains("SameSite=Lax"),
        "{line}"
    );
    assert!(!line.contains("Secure"), "{line}");
    let session = cookie_value(&cookies, "chiso_session").to_string();
    // Behind a TLS proxy the cookie is Secure.
    let tls = post(&login_csrf, "a long enough password", "https")
        .await
        .unwrap();
    assert!(set_cookies(&tls)
        .iter()
        .any(|c| c.starts_with("chiso_session=") && c.contains("; Secure")));

    let with_session = |path: &str| {
        http()
            .get(format!("{base}{path}"))
            .header("cookie", format!("chiso_session={session}"))
            .send()
    };
    let me: Value = with_session("/api/v1/me")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["login"], "analyst1");
    assert_eq!(me["role"], "analyst");
    let csrf = me["csrf"].as_str().unwrap().to_string();
    let status = with_session("/api/v1/schema")
        .await
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(status, 200);

    // A POST from the session without its CSRF token is refused; with it, served.
    let sql = |token: Option<&str>| {
        let mut r = http()
            .post(format!("{base}/api/v1/sql"))
            .header("cookie", format!("chiso_session={session}"))
            .body("SELECT 1 AS one");
        if let Some(t) = token {
            r = r.header("x-csrf-token", t);
        }
        r.send()
    };
    assert_eq!(sql(None).await.unwrap().status().as_u16(), 403);
    assert_eq!(sql(Some(&csrf)).await.unwrap().status().as_u16(), 200);

    // A tampered cookie reads as anonymous.
    let tampered = session.replacen("analyst1", "ministry", 1);
    let response = http()
        .get(format!("{base}/api/v1/me"))
        .header("cookie", format!("chiso_session={tampered}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);

    let logout = http()
        .post(format!("{base}/logout"))
        .header("cookie", format!("chiso_session={session}"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status().as_u16(), 303);
    assert!(set_cookies(&logout)
        .iter()
        .any(|c| c.starts_with("chiso_session=;") && c.contains("Max-Age=0")));
    server.stop().await;
}

#[tokio::test]
async fn a_revoked_token_stops_opening_the_api_within_seconds() {
    use chiso::web::auth::credentials::{account_for_token, token_hash, TOKENS_KEPT_FOR};
    let store = super::common::test_store("auth_revoke").await;
    let token = super::common::ministry_token(&store).await;
    let account = account_for_token(&store, &token).await.unwrap();
    let login = account.expect("a live token opens its account").login;
    // Revoked: a newer version of the token's row.
    let hash = token_hash(&token);
    store
        .put_token(&chiso::store::TokenRow {
            token_hash: hash,
            login,
            created_at: chrono::Utc::now(),
            revoked: 1,
            version: 2,
        })
        .await
        .unwrap();
    tokio::time::sleep(TOKENS_KEPT_FOR).await;
    assert_eq!(account_for_token(&store, &token).await.unwrap(), None);
}
