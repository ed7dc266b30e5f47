//! `GET/POST /login` (a server-rendered form, in Vietnamese) and `POST /logout`.
//! The login form carries a double-submit CSRF token (a random cookie and the
//! same value in a hidden field); logout carries the session's CSRF token.

use crate::web::error::ErrorBody;
use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::redirect::safe_next;
use super::session::{same, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use super::throttle::Keys;
use super::{cookie_line, request_cookie, Auth, Viewer};
use crate::accounts::credentials::{self, random_text};
use crate::accounts::manage;
use crate::store::{AuditEvent, AuditKind};
use crate::t;
use crate::web::{ApiError, State};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(login_page)
        .service(login)
        .service(logout)
        .service(me);
}

/// The signed-in account.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct MeBody<'a> {
    login: &'a str,
    /// ministry, unit or analyst.
    role: &'static str,
    /// A unit account's unit; null for the others.
    unit_code: Option<&'a str>,
    /// The token a page's scripts send as `X-CSRF-Token`; null for API tokens.
    csrf: Option<&'a str>,
}

/// The signed-in account, and the CSRF token of its session.
///
/// Access: any account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = MeBody), (status = 401, body = ErrorBody)))]
#[get("/api/v1/me")]
pub(crate) async fn me(viewer: Viewer) -> Result<HttpResponse, ApiError> {
    let account = viewer.require_account()?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(MeBody {
            login: &account.login,
            role: account.role.code().as_str(),
            unit_code: match &account.role {
                super::Role::Unit(code) => Some(code.as_str()),
                _ => None,
            },
            csrf: viewer.csrf_token(),
        }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct NextQuery {
    /// A local path to go to after signing in.
    next: Option<String>,
}

/// The login form's fields.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct LoginForm {
    login: String,
    password: String,
    /// The form's CSRF field.
    csrf: String,
    next: Option<String>,
}

#[derive(Deserialize)]
struct LogoutForm {
    csrf: Option<String>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(csrf: &str, next: &str, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    let lang = crate::domain::lang::Lang::current().code();
    let title = escape(&t!("login-title"));
    let (login_label, password_label) = (escape(&t!("login-name")), escape(&t!("login-password")));
    format!(
        r#"<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — chiso</title>
<style>body{{font-family:sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}}label{{display:block;margin:.8rem 0 .2rem}}input{{width:100%;padding:.4rem}}button{{margin-top:1rem;padding:.5rem 1.2rem}}.error{{color:#a00}}</style>
</head>
<body>
<h1>{title}</h1>
{error}<form method="post" action="/login">
<input type="hidden" name="csrf" value="{csrf}">
<input type="hidden" name="next" value="{next}">
<label for="login">{login_label}</label>
<input id="login" name="login" autocomplete="username" required autofocus>
<label for="password">{password_label}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">{title}</button>
</form>
</body>
</html>
"#,
        csrf = escape(csrf),
        next = escape(next),
    )
}

/// The form, with a fresh double-submit token in a cookie and in the form.
fn form_response(
    req: &HttpRequest,
    auth: &Auth,
    next: &str,
    error: Option<&str>,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, ApiError> {
    let csrf = random_text(24).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::build(status)
        .insert_header((
            header::SET_COOKIE,
            cookie_line(LOGIN_CSRF_COOKIE, &csrf, 3600, "Strict", auth.secure(req)),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(page(&csrf, next, error)))
}

/// The login form (HTML, Vietnamese).
///
/// Access: public.
#[utoipa::path(get, path = "/login", tag = "accounts", security(()), params(NextQuery),
    responses((status = 200, description = "HTML form with a CSRF field.", content_type = "text/html")))]
#[get("/login")]
pub(crate) async fn login_page(
    req: HttpRequest,
    auth: web::Data<Auth>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, ApiError> {
    let next = safe_next(query.next.as_deref());
    form_response(&req, &auth, &next, None, actix_web::http::StatusCode::OK)
}

/// Signs in: sets the HttpOnly session cookie and redirects to `next`.
///
/// Access: public.
#[utoipa::path(post, path = "/login", tag = "accounts", security(()),
    request_body(content = LoginForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Signed in."),
              (status = 401, description = "Wrong login or password (the form again).", content_type = "text/html"),
              (status = 403, description = "CSRF check failed (the form again).", content_type = "text/html"),
              (status = 429, description = "Too many failed logins: wait `Retry-After` seconds.")))]
#[post("/login")]
pub(crate) async fn login(
    req: HttpRequest,
    state: State,
    auth: web::Data<Auth>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, ApiError> {
    let next = safe_next(form.next.as_deref());
    let cookie = request_cookie(&req, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if cookie.is_empty() || !same(&cookie, &form.csrf) {
        return form_response(
            &req,
            &auth,
            &next,
            Some(&t!("login-form-expired")),
            actix_web::http::StatusCode::FORBIDDEN,
        );
    }
    // No account has a longer login: a longer one is cut, so that it cannot
    // swell the throttle's keys or the audit log.
    let login: String = form.login.trim().chars().take(64).collect();
    let login = login.as_str();
    let address = req.peer_addr().map(|a| a.ip().to_string());
    let keys = Keys::new(login, address.clone());
    // The login as typed is the subject; the actor only once signed in.
    let event = |kind| AuditEvent::new(kind, "", login).with_address(address.clone());
    if let Err(wait) = auth.throttle.check(&keys) {
        tracing::warn!(login = %login, "login throttled");
        state
            .store
            .audit_or_warn(&event(AuditKind::LoginThrottled))
            .await;
        let secs = wait.as_secs().max(1);
        let mut response = form_response(
            &req,
            &auth,
            &next,
            Some(&t!("login-throttled", secs = secs)),
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        )?;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
        return Ok(response);
    }
    let Some((account, epoch)) =
        credentials::account_for_password(&state.store, login, &form.password).await?
    else {
        auth.throttle.failed(&keys);
        tracing::info!(login = %login, "login refused");
        state
            .store
            .audit_or_warn(&event(AuditKind::LoginFailed))
            .await;
        return form_response(
            &req,
            &auth,
            &next,
            Some(&t!("login-wrong")),
            actix_web::http::StatusCode::UNAUTHORIZED,
        );
    };
    auth.throttle.succeeded(&keys);
    let mut signed_in = event(AuditKind::LoginSucceeded);
    signed_in.actor = account.login.clone();
    state.store.audit_or_warn(&signed_in).await;
    let max_age = i64::try_from(auth.session_hours.saturating_mul(3600)).unwrap_or(i64::MAX);
    let expires = chrono::Utc::now().timestamp().saturating_add(max_age);
    let value = auth.key.sign(&account.login, epoch, expires);
    tracing::info!(login = %account.login, "signed in");
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next))
        .append_header((
            header::SET_COOKIE,
            auth.cookie(&req, SESSION_COOKIE, &value, max_age),
        ))
        .append_header((
            header::SET_COOKIE,
            cookie_line(LOGIN_CSRF_COOKIE, "", 0, "Strict", auth.secure(&req)),
        ))
        .finish())
}

/// Ends the session (form field `csrf`).
///
/// Access: any account.
#[utoipa::path(post, path = "/logout", tag = "accounts",
    responses((status = 303, description = "Signed out; to /login."),
              (status = 403, body = ErrorBody)))]
#[post("/logout")]
pub(crate) async fn logout(
    req: HttpRequest,
    state: State,
    auth: web::Data<Auth>,
    viewer: Viewer,
    form: web::Form<LogoutForm>,
) -> Result<HttpResponse, ApiError> {
    viewer.check_csrf(form.csrf.as_deref())?;
    // Every session of the account ends, not only this cookie.
    if let (Some(account), Some(_)) = (viewer.account(), viewer.csrf_token()) {
        manage::end_sessions(&state.store, &account.login)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        tracing::info!(login = %account.login, "signed out");
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/login"))
        .insert_header((header::SET_COOKIE, auth.cookie(&req, SESSION_COOKIE, "", 0)))
        .finish())
}
