//! Accounts (docs/security.md, "Accounts and sessions"): where they live, the
//! login throttle, equal timing of known and unknown logins, what ends a
//! session or a token, and where the login form may redirect.

use std::time::{Duration, Instant};

use chiso::accounts::{credentials, manage};
use chiso::store::RoleCode;
use serde_json::Value;

use super::common::{account_token, another_store, http, serve, test_store};

const PASSWORD: &str = "a long enough password";

/// The server, without a database (the test's may be gone).
fn server() -> clickhouse::Client {
    clickhouse::Client::default()
        .with_url(std::env::var("CHISO_TEST_CLICKHOUSE_URL").unwrap())
        .with_validation(false)
}

/// Table names of `database`.
async fn tables(database: &str) -> Vec<String> {
    server()
        .query("SELECT name FROM system.tables WHERE database = ? ORDER BY name")
        .bind(database)
        .fetch_all::<String>()
        .await
        .unwrap()
}

#[tokio::test]
async fn accounts_live_in_the_private_database_only() {
    let store = test_store("accounts_private").await;
    account_token(&store, "an.nguyen", RoleCode::Ministry, None).await;
    let main = tables(store.database()).await;
    assert!(
        !main.iter().any(|t| t == "users" || t == "api_tokens"),
        "{main:?}"
    );
    let private = tables(&store.private_database()).await;
    for t in ["api_tokens", "schema_migrations", "token_uses", "users"] {
        assert!(private.iter().any(|p| p == t), "{t} in {private:?}");
    }
    assert_eq!(
        store.user("an.nguyen").await.unwrap().unwrap().role,
        RoleCode::Ministry
    );
    // Dropping a test database drops its private one too.
    store.drop_database().await.unwrap();
    assert!(tables(&store.private_database()).await.is_empty());
}

#[tokio::test]
async fn an_old_database_keeps_its_accounts_and_tokens_when_they_move() {
    let store = another_store("accounts_moved");
    store.drop_database().await.unwrap();
    // A database as 0001–0008 left it: accounts in the main database.
    let db = store.database();
    server()
        .query(&format!("CREATE DATABASE {db}"))
        .execute()
        .await
        .unwrap();
    let old = chiso::store::MIGRATIONS
        .iter()
        .find(|m| m.name == "0007_users")
        .unwrap();
    for stmt in old.statements() {
        store.client().query(&stmt).execute().await.unwrap();
    }
    let hash = credentials::hash_password(PASSWORD).unwrap();
    let token = "chiso_an_old_token_from_before_the_move";
    store
        .client()
        .query(
            "INSERT INTO users VALUES \
             ('old.staff', 'unit', '01', ?, '2024-01-01 00:00:00', 0, 3), \
             ('gone.staff', 'analyst', '', ?, '2024-01-01 00:00:00', 1, 2)",
        )
        .bind(&hash)
        .bind(&hash)
        .execute()
        .await
        .unwrap();
    store
        .client()
        .query("INSERT INTO api_tokens VALUES (?, 'old.staff', '2024-01-01 00:00:00', 0, 1)")
        .bind(credentials::token_hash(token))
        .execute()
        .await
        .unwrap();

    // As if an earlier migrate was cut short after copying, before 0010:
    // the private tables exist and hold a copy already.
    let private = store.private_database();
    server()
        .query(&format!("CREATE DATABASE {private}"))
        .execute()
        .await
        .unwrap();
    let on_private = server().with_database(&private);
    for stmt in chiso::store::PRIVATE_MIGRATIONS[0].statements() {
        on_private.query(&stmt).execute().await.unwrap();
    }
    on_private
        .query(&format!(
            "INSERT INTO users SELECT login, role, unit_code, password_hash, created_at, \
             disabled, 0, version FROM {db}.users WHERE login = 'old.staff'"
        ))
        .execute()
        .await
        .unwrap();

    let applied = store.migrate().await.unwrap();
    assert!(applied.contains(&"0010_accounts_moved"), "{applied:?}");
    let main = tables(db).await;
    assert!(
        !main.iter().any(|t| t == "users" || t == "api_tokens"),
        "{main:?}"
    );
    let moved = store.user("old.staff").await.unwrap().unwrap();
    assert_eq!((moved.unit_code.as_str(), moved.version), ("01", 3));
    assert_eq!(store.user("gone.staff").await.unwrap().unwrap().disabled, 1);
    let account = credentials::account_for_token(&store, token).await.unwrap();
    assert_eq!(account.unwrap().login, "old.staff");
    let signed_in = credentials::account_for_password(&store, "old.staff", PASSWORD)
        .await
        .unwrap();
    assert!(signed_in.is_some());
    assert!(store.migrate().await.unwrap().is_empty());
    assert_eq!(store.users().await.unwrap().len(), 2);
}

fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .and_then(|rest| rest.split(';').next())
        .map(str::to_string)
}

/// Posts the login form (with its CSRF cookie) and returns the answer.
async fn sign_in(base: &str, login: &str, password: &str, next: &str) -> reqwest::Response {
    let page = http().get(format!("{base}/login")).send().await.unwrap();
    let csrf = set_cookie(&page, "chiso_login_csrf").unwrap();
    http()
        .post(format!("{base}/login"))
        .header("cookie", format!("chiso_login_csrf={csrf}"))
        .form(&[
            ("login", login),
            ("password", password),
            ("csrf", csrf.as_str()),
            ("next", next),
        ])
        .send()
        .await
        .unwrap()
}

/// A session cookie of `login`.
async fn session(base: &str, login: &str, password: &str) -> String {
    let response = sign_in(base, login, password, "/").await;
    assert_eq!(response.status().as_u16(), 303);
    set_cookie(&response, "chiso_session").unwrap()
}

/// `GET /api/v1/me` with a session cookie: status and body.
async fn me_by_cookie(base: &str, cookie: &str) -> (u16, Value) {
    let response = http()
        .get(format!("{base}/api/v1/me"))
        .header("cookie", format!("chiso_session={cookie}"))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn me_by_token(base: &str, token: &str) -> u16 {
    http()
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn failed_logins_are_throttled_with_retry_after() {
    let store = test_store("accounts_throttle").await;
    account_token(&store, "bo.tran", RoleCode::Analyst, None).await;
    let (server, _app) = serve(store);
    let base = server.url();
    for _ in 0..5 {
        let r = sign_in(&base, "bo.tran", "wrong password", "/").await;
        assert_eq!(r.status().as_u16(), 401);
    }
    // Locked: even the right password gets 429, without being checked.
    let r = sign_in(&base, "bo.tran", PASSWORD, "/").await;
    assert_eq!(r.status().as_u16(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "Retry-After: {wait}");
    assert!(set_cookie(&r, "chiso_session").is_none());
    assert!(r.text().await.unwrap().contains("thử lại sau"));
    server.stop().await;
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The time of one wrong-password `POST /login` alone (the form fetched
/// before), sent from `from` (any address of 127/8 reaches the server), so
/// that the throttle's per-address budget does not end the measurement.
async fn wrong_login_time(base: &str, login: &str, from: u8) -> Duration {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(std::net::IpAddr::from([127, 0, 0, from]))
        .build()
        .unwrap();
    let page = http.get(format!("{base}/login")).send().await.unwrap();
    let csrf = set_cookie(&page, "chiso_login_csrf").unwrap();
    let post = http
        .post(format!("{base}/login"))
        .header("cookie", format!("chiso_login_csrf={csrf}"))
        .form(&[
            ("login", login),
            ("password", "wrong password"),
            ("csrf", &csrf),
        ]);
    let started = Instant::now();
    let status = post.send().await.unwrap().status().as_u16();
    let took = started.elapsed();
    assert_eq!(status, 401, "{login}");
    took
}

#[tokio::test]
async fn known_and_unknown_logins_take_the_same_time() {
    let store = test_store("accounts_timing").await;
    let known_logins: Vec<String> = (0..8).map(|i| format!("known.{i}")).collect();
    for login in &known_logins {
        account_token(&store, login, RoleCode::Unit, Some("01")).await;
    }
    let (server, _app) = serve(store);
    let base = server.url();
    // Warm both paths once; then alternate which goes first. Each known login
    // stays under its free failures (2 each + the warm-up), and each pair comes
    // from an address of its own.
    wrong_login_time(&base, "known.0", 2).await;
    wrong_login_time(&base, "nobody.zero", 2).await;
    // Pairs measured back to back see the same load from other tests; the
    // median of their ratios is what the load cannot tilt.
    let mut ratios = Vec::new();
    let mut known = Vec::new();
    for i in 0..16u8 {
        let login = &known_logins[usize::from(i) % known_logins.len()];
        let (from, nobody) = (10 + i, format!("nobody.{i}"));
        let (k, u) = if i % 2 == 0 {
            let k = wrong_login_time(&base, login, from).await;
            (k, wrong_login_time(&base, &nobody, from).await)
        } else {
            let u = wrong_login_time(&base, &nobody, from).await;
            (wrong_login_time(&base, login, from).await, u)
        };
        known.push(k);
        ratios.push(k.as_secs_f64() / u.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    let ratio = ratios[ratios.len() / 2];
    assert!(
        (0.8..=1.25).contains(&ratio),
        "known / unknown: median {ratio:.2} of {ratios:.2?}"
    );
    // Both paths did the argon2 work (tens of ms), not a quick refusal.
    assert!(median(known) > Duration::from_millis(10));
    server.stop().await;
}

#[tokio::test]
async fn logout_and_a_new_password_end_every_session() {
    let store = test_store("accounts_sessions").await;
    account_token(&store, "chi.le", RoleCode::Ministry, None).await;
    let (server, app) = serve(store);
    let base = server.url();
    let first = session(&base, "chi.le", PASSWORD).await;
    let second = session(&base, "chi.le", PASSWORD).await;
    let (status, me) = me_by_cookie(&base, &first).await;
    assert_eq!(status, 200, "{me}");
    let logout = http()
        .post(format!("{base}/logout"))
        .header("cookie", format!("chiso_session={first}"))
        .form(&[("csrf", me["csrf"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status().as_u16(), 303);
    // The logged-out cookie, and the account's other session, are over.
    assert_eq!(me_by_cookie(&base, &first).await.0, 401);
    assert_eq!(me_by_cookie(&base, &second).await.0, 401);

    let third = session(&base, "chi.le", PASSWORD).await;
    assert_eq!(me_by_cookie(&base, &third).await.0, 200);
    manage::set_password(&app.store, "chi.le", "another long password")
        .await
        .unwrap();
    assert_eq!(me_by_cookie(&base, &third).await.0, 401);
    let r = sign_in(&base, "chi.le", PASSWORD, "/").await;
    assert_eq!(r.status().as_u16(), 401);
    let fourth = session(&base, "chi.le", "another long password").await;
    assert_eq!(me_by_cookie(&base, &fourth).await.0, 200);
    server.stop().await;
}

#[tokio::test]
async fn a_disabled_account_a_revoked_and_an_expired_token_get_401() {
    let store = test_store("accounts_revoke").await;
    let token = account_token(&store, "dung.pham", RoleCode::Analyst, None).await;
    let spare = credentials::add_token(&store, "dung.pham").await.unwrap();
    let expired = manage::add_token_for(&store, "dung.pham", 0).await.unwrap();
    let (server, app) = serve(store);
    let base = server.url();
    assert_eq!(me_by_token(&base, &token).await, 200);
    assert_eq!(me_by_token(&base, &spare).await, 200);
    assert_eq!(me_by_token(&base, &expired).await, 401);

    let tokens = app.store.tokens_of("dung.pham").await.unwrap();
    assert_eq!(tokens.len(), 3);
    let used = tokens
        .iter()
        .find(|t| t.token_hash == credentials::token_hash(&token))
        .unwrap();
    assert!(used.last_used.timestamp() > 0, "a use is recorded");
    let id = &used.token_hash[..chiso::store::TOKEN_ID_LEN];
    manage::revoke_token(&app.store, id).await.unwrap();
    assert_eq!(me_by_token(&base, &token).await, 401);
    assert_eq!(me_by_token(&base, &spare).await, 200);
    assert!(manage::revoke_token(&app.store, "not-an-id").await.is_err());

    let cookie = session(&base, "dung.pham", PASSWORD).await;
    manage::disable(&app.store, "dung.pham").await.unwrap();
    assert_eq!(me_by_token(&base, &spare).await, 401);
    assert_eq!(me_by_cookie(&base, &cookie).await.0, 401);
    assert_eq!(
        sign_in(&base, "dung.pham", PASSWORD, "/")
            .await
            .status()
            .as_u16(),
        401
    );
    manage::enable(&app.store, "dung.pham").await.unwrap();
    assert_eq!(me_by_token(&base, &spare).await, 200);
    server.stop().await;
}

#[tokio::test]
async fn the_login_form_redirects_only_to_paths_of_this_site() {
    let store = test_store("accounts_next").await;
    account_token(&store, "em.vo", RoleCode::Ministry, None).await;
    let (server, _app) = serve(store);
    let base = server.url();
    for (next, to) in [
        ("/don-vi/01", "/don-vi/01"),
        ("//evil.example", "/"),
        ("/%09/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example", "/"),
    ] {
        let r = sign_in(&base, "em.vo", PASSWORD, next).await;
        assert_eq!(r.status().as_u16(), 303, "{next}");
        assert_eq!(r.headers()["location"], to, "{next}");
    }
    server.stop().await;
}
