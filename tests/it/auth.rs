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
    use chiso::accounts::credentials::{account_for_token, token_hash, TOKENS_KEPT_FOR};
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
            expires_at: chrono::Utc::now() + chrono::Duration::days(1),
            revoked: 1,
            version: 2,
        })
        .await
        .unwrap();
    tokio::time::sleep(TOKENS_KEPT_FOR).await;
    assert_eq!(account_for_token(&store, &token).await.unwrap(), None);
}

/// The numerators of each unit in a rankings answer, by unit code.
fn numerators(body: &Value) -> Vec<(String, Value)> {
    body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["units"].as_array().unwrap())
        .map(|u| {
            let e = &u["evaluations"][0];
            (
                u["code"].as_str().unwrap().to_string(),
                e["numerator"].clone(),
            )
        })
        .collect()
}

/// Routes that could give unit staff another unit's raw figures: the
/// rankings API (withheld), the ranking CSV (ranks, scores, rates only), a
/// unit's series, page and CSV, and the quality page (403).
#[tokio::test]
async fn unit_staff_get_no_other_units_raw_figures_from_any_route() {
    let store = test_store("auth_field_policy").await;
    import_service_lines(
        &store,
        &[
            simple_service_line("01", "2021-06", 100, 80),
            simple_service_line("02", "2021-06", 200, 50),
        ],
    )
    .await;
    let staff01 = account_token(&store, "staff01", RoleCode::Unit, Some("01")).await;
    // 02 merged into 08 in 2025: 08's staff see 02's figures as their own.
    let staff08 = account_token(&store, "staff08", RoleCode::Unit, Some("08")).await;
    let ministry = ministry_token(&store).await;
    let (server, _app) = serve(store);
    let base = server.url();
    let rankings = format!("{base}/api/v1/rankings?period=2021-06&group=province");
    let raw = |body: &Value, code: &str| {
        numerators(body)
            .into_iter()
            .find(|(c, _)| c == code)
            .map(|(_, n)| n)
            .unwrap()
    };
    let (status, body) = get(&rankings, Some(&ministry)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["raw_figures"], "all");
    assert!(
        raw(&body, "01").is_number() && raw(&body, "02").is_number(),
        "{body}"
    );

    let (_, body) = get(&rankings, Some(&staff01)).await;
    assert_eq!(body["raw_figures"], "own_unit");
    assert!(raw(&body, "01").is_number(), "{body}");
    assert!(raw(&body, "02").is_null(), "{body}");
    for u in body["groups"][0]["units"].as_array().unwrap() {
        if u["code"] != "01" {
            for e in u["evaluations"].as_array().unwrap() {
                assert!(
                    e["denominator"].is_null() && e["trajectory"].is_null(),
                    "{u}"
                );
            }
        }
        // Ranks, scores and rates stay for everyone.
        assert!(u.get("rank").is_some() && u["composite"].get("score").is_some());
    }
    assert!(body["groups"][0]["units"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["code"] == "02" && u["evaluations"][0]["value"].is_number()));

    let (_, body) = get(&rankings, Some(&staff08)).await;
    assert!(raw(&body, "02").is_number(), "{body}");
    assert!(raw(&body, "01").is_null(), "{body}");

    let csv = http()
        .get(format!("{base}/xep-hang.csv?period=2021-06&group=province"))
        .bearer_auth(&staff01)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        !header.contains("numerator") && !header.contains("denominator"),
        "{header}"
    );
    assert!(!csv.contains(",200,") && !csv.contains(",50,"), "{csv}");
    for path in [
        "/api/v1/units/02/indicators?from=2021-06&to=2021-06",
        "/don-vi/02",
        "/don-vi/02.csv",
        // Attempts and rejected payloads of every unit: analysts and ministry only.
        "/chat-luong",
    ] {
        let status = http()
            .get(format!("{base}{path}"))
            .bearer_auth(&staff01)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(status, 403, "{path}");
    }
    let own = http()
        .get(format!("{base}/don-vi/01.csv"))
        .bearer_auth(&staff01)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status().as_u16(), 200);
    assert!(own.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    server.stop().await;
}
