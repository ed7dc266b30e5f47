//! Accounts and roles on the web side. The national ranking of a frozen period
//! and the indicator catalogue are public; everything else needs an account:
//!
//! - ministry staff: everything;
//! - unit staff: the national ranking and their own unit's detail and raw data;
//! - analysts: the SQL endpoint, the schema, exports, and every read-only view.
//!
//! An account is identified by `Authorization: Bearer <token>` (scripts) or by
//! the signed session cookie the login form sets (browsers). Handlers take a
//! [`Viewer`] and ask it: `require_account()`, `require_role(&[..])`,
//! `require_unit(&code)`; the answers are JSON 401 and 403 errors.

pub(crate) mod login;
pub mod redirect;
pub mod session;
mod throttle;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use super::{ApiError, State};
use crate::accounts::credentials;
pub use crate::accounts::{Account, Role};
use crate::config::{SecureCookies, Settings};
use crate::domain::UnitCode;
pub use crate::store::RoleCode;
pub use login::routes;
use session::{SessionKey, SESSION_COOKIE};

/// Session and cookie settings, shared by every request (`web::Data<Auth>`).
#[derive(Clone)]
pub struct Auth {
    pub key: SessionKey,
    pub secure_cookies: SecureCookies,
    pub session_hours: u64,
    /// Failed logins per login and per client address, in memory.
    pub throttle: std::sync::Arc<throttle::Throttle>,
}

impl Auth {
    /// The key from `CHISO_SESSION_SECRET`, else from (or into) `schedule.state_dir`.
    pub fn from_settings(settings: &Settings) -> std::io::Result<Self> {
        credentials::warm_up();
        let key = SessionKey::load(
            std::env::var(session::SECRET_ENV).ok(),
            &settings.resolve(&settings.schedule.state_dir),
        )?;
        Ok(Self {
            key,
            secure_cookies: settings.web.secure_cookies,
            session_hours: settings.web.session_hours,
            throttle: std::sync::Arc::default(),
        })
    }

    /// Whether cookies set in answer to `req` carry `Secure`.
    pub fn secure(&self, req: &HttpRequest) -> bool {
        match self.secure_cookies {
            SecureCookies::Always => true,
            SecureCookies::Never => false,
            // connection_info reads Forwarded / X-Forwarded-Proto from a TLS proxy.
            SecureCookies::Auto => req.connection_info().scheme() == "https",
        }
    }

    /// A `Set-Cookie` value: HttpOnly, `SameSite`, `Secure` when behind TLS.
    pub fn cookie(&self, req: &HttpRequest, name: &str, value: &str, max_age_secs: i64) -> String {
        cookie_line(name, value, max_age_secs, "Lax", self.secure(req))
    }
}

fn cookie_line(name: &str, value: &str, max_age: i64, same_site: &str, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite={same_site}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The value of cookie `name` in the request, if sent.
pub fn request_cookie(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
}

#[derive(Debug, Clone)]
enum Via {
    Anonymous,
    Token,
    /// A browser session, with the CSRF token its forms must carry.
    Session {
        csrf: String,
    },
}

/// Who is asking: an account (by token or session) or nobody. An extractor:
/// add `viewer: Viewer` to a handler's arguments. A bad bearer token is a 401
/// at once; a bad or expired session cookie reads as anonymous.
#[derive(Debug, Clone)]
pub struct Viewer {
    account: Option<Account>,
    via: Via,
}

impl Viewer {
    pub fn anonymous() -> Self {
        Self {
            account: None,
            via: Via::Anonymous,
        }
    }

    pub fn account(&self) -> Option<&Account> {
        self.account.as_ref()
    }

    pub fn role(&self) -> Option<&Role> {
        self.account.as_ref().map(|a| &a.role)
    }

    /// Any account, or 401.
    pub fn require_account(&self) -> Result<&Account, ApiError> {
        self.account.as_ref().ok_or_else(|| {
            ApiError::Unauthorized(
                "sign in (POST /login) or send 'Authorization: Bearer <token>'".into(),
            )
        })
    }

    /// An account of one of `allowed` (ministry staff always qualify), else 401 or 403.
    pub fn require_role(&self, allowed: &[RoleCode]) -> Result<&Account, ApiError> {
        let account = self.require_account()?;
        let code = account.role.code();
        if code == RoleCode::Ministry || allowed.contains(&code) {
            Ok(account)
        } else {
            let names: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
            Err(ApiError::Forbidden(format!(
                "account '{}' ({}) may not do this; it needs the role {}",
                account.login,
                code.as_str(),
                if names.is_empty() {
                    "ministry".to_string()
                } else {
                    format!("ministry or {}", names.join(" or "))
                }
            )))
        }
    }

    /// Whether this viewer may see unit `code`'s detail and raw data.
    pub fn may_view_unit(&self, code: &UnitCode) -> bool {
        match self.role() {
            Some(Role::Ministry | Role::Analyst) => true,
            Some(Role::Unit(own)) => own == code,
            None => false,
        }
    }

    /// `may_view_unit`, or 401 (nobody) or 403 (another unit's staff).
    pub fn require_unit(&self, code: &UnitCode) -> Result<&Account, ApiError> {
        let account = self.require_account()?;
        if self.may_view_unit(code) {
            Ok(account)
        } else {
            Err(ApiError::Forbidden(format!(
                "account '{}' may see its own unit's data only, not unit '{code}'",
                account.login
            )))
        }
    }

    /// The token forms of this session must carry (hidden field `csrf`); `None` without a session.
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf } => Some(csrf),
            _ => None,
        }
    }

    /// For state-changing requests: a session must send its CSRF token (form
    /// field `csrf` or header `X-CSRF-Token`); tokens and anonymous need none.
    /// A form's two checks, in order: the role, then the session's CSRF token.
    pub fn require_form(
        &self,
        allowed: &[RoleCode],
        csrf: Option<&str>,
    ) -> Result<&Account, ApiError> {
        let account = self.require_role(allowed)?;
        self.check_csrf(csrf)?;
        Ok(account)
    }

    pub fn check_csrf(&self, supplied: Option<&str>) -> Result<(), ApiError> {
        match (&self.via, supplied) {
            (Via::Session { csrf }, Some(s)) if session::same(csrf, s) => Ok(()),
            (Via::Session { .. }, _) => Err(ApiError::Forbidden(
                "the CSRF token is missing or wrong; reload the page and try again".into(),
            )),
            _ => Ok(()),
        }
    }
}

impl FromRequest for Viewer {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<State>().cloned();
        let auth = req.app_data::<web::Data<Auth>>().cloned();
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or("").to_string());
        let session = request_cookie(req, SESSION_COOKIE);
        Box::pin(async move {
            let (Some(state), Some(auth)) = (state, auth) else {
                return Err(ApiError::Internal(
                    "the app or its Auth data is not registered".into(),
                ));
            };
            identify(&state, &auth, bearer, session).await
        })
    }
}

async fn identify(
    state: &State,
    auth: &Auth,
    bearer: Option<String>,
    session: Option<String>,
) -> Result<Viewer, ApiError> {
    if let Some(header) = bearer {
        let token = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::Unauthorized("the Authorization header must be 'Bearer <token>'".into())
            })?;
        let account = credentials::account_for_token(&state.store, token)
            .await?
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "the API token is unknown, revoked, expired or its account disabled".into(),
                )
            })?;
        return Ok(Viewer {
            account: Some(account),
            via: Via::Token,
        });
    }
    let now = chrono::Utc::now().timestamp();
    if let Some(value) = session {
        if let Some((login, epoch)) = auth.key.verify(&value, now) {
            if let Some(account) =
                credentials::account_for_session(&state.store, &login, epoch).await?
            {
                return Ok(Viewer {
                    account: Some(account),
                    via: Via::Session {
                        csrf: auth.key.csrf(&value),
                    },
                });
            }
        }
    }
    Ok(Viewer::anonymous())
}
