//! The frame of every page: head, navigation, footer, and the stylesheet.

use actix_web::web::Bytes;
use actix_web::HttpResponse;
use maud::{html, Markup, DOCTYPE};

use super::lang::{current_switch_href, other, SWITCH_MARKER};
use crate::domain::lang::Lang;
use crate::t;

const STYLE: &str = r#"
*{box-sizing:border-box}body{margin:0;font-family:"DejaVu Sans",system-ui,sans-serif;color:#1b1b1b;background:#f6f7f9}
header{background:#a50e0e;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}header .brand{font-size:1.15rem;margin-right:auto}
main{padding:1rem;max-width:1200px;margin:auto}h1{font-size:1.35rem;margin:.2rem 0 .8rem}
.tabs{display:flex;flex-wrap:wrap;gap:.3rem;margin:.6rem 0}.tabs a{padding:.4rem .7rem;border:1px solid #ccc;border-radius:4px;background:#fff;color:#333;text-decoration:none}
.tabs a.on{background:#a50e0e;color:#fff;border-color:#a50e0e}
.scroll{overflow-x:auto;background:#fff;border:1px solid #ddd;border-radius:4px}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{padding:.35rem .5rem;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th{background:#f0f1f3;position:sticky;top:0}th a{color:#333}td.name,th.name{text-align:left}
.st-achieved{background:#dff3e4}.st-on-track{background:#e0ecfa}.st-lagging{background:#fbe1e1}.st-no-data{color:#888;background:#f4f4f4}.st-no-target{}
.up{color:#1e7e34}.down{color:#b02a37}.nodata{color:#888;font-style:italic}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:.7rem}.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.7rem}
.card .v{font-size:1.6rem;font-weight:700}.muted{color:#666;font-size:.85rem}
.note{background:#fff8e1;border:1px solid #f0d58c;padding:.5rem .7rem;border-radius:4px;margin:.6rem 0}
figure{margin:.8rem 0;background:#fff;border:1px solid #ddd;border-radius:4px;padding:.4rem}figure svg{max-width:100%;height:auto}
form.inline{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin:.4rem 0}
"#;

/// A whole page with `title` and `body`.
pub fn page(title: &str, body: Markup) -> HttpResponse {
    html_response(page_html(title, body))
}

/// `html` as a response, its language switch pointing back at this request.
pub fn html_response(html: impl Into<Bytes>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(with_switch(html.into()))
}

/// Puts the current request's switch link where the layout marked it.
fn with_switch(html: Bytes) -> Bytes {
    let marker = SWITCH_MARKER.as_bytes();
    let Some(at) = html.windows(marker.len()).position(|w| w == marker) else {
        return html;
    };
    let href = current_switch_href();
    let mut out = Vec::with_capacity(html.len() + href.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(href.as_bytes());
    out.extend_from_slice(&html[at + marker.len()..]);
    Bytes::from(out)
}

/// The whole document around `body`, in the current language.
pub fn page_html(title: &str, body: Markup) -> String {
    let switch_to: Lang = other();
    let markup = html! {
        (DOCTYPE)
        html lang=(Lang::current().code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · chiso" }
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                header {
                    a.brand href="/" { "chiso · " (t!("nav-brand")) }
                    a href="/xep-hang" { (t!("nav-ranking")) }
                    a href="/chat-luong" { (t!("nav-quality")) }
                    a href="/bang" { (t!("nav-dashboards")) }
                    a href="/luoc-do" { (t!("nav-schema")) }
                    a href="/nop-so-lieu" { (t!("nav-upload")) }
                    a #lang-switch href=(SWITCH_MARKER) lang=(switch_to.code()) hreflang=(switch_to.code()) { (switch_to.own_name()) }
                }
                main { (body) }
            }
        }
    };
    markup.into_string()
}

/// A page saying what went wrong, with the status code.
pub fn problem(status: actix_web::http::StatusCode, message: &str) -> HttpResponse {
    let mut response = page(
        &t!("error-title"),
        html! { h1 { (t!("error-heading")) } p.note { (message) } },
    );
    *response.status_mut() = status;
    response
}

/// What stops a page, shown as a page in the reader's language; the cause of a 500 goes
/// to the log only.
#[derive(Debug)]
pub struct PageError {
    status: actix_web::http::StatusCode,
    message: String,
    /// Where to come back after logging in, for a page that needs an account.
    login_then: Option<String>,
}

impl PageError {
    pub fn bad(message: impl Into<String>) -> Self {
        Self {
            status: actix_web::http::StatusCode::BAD_REQUEST,
            message: message.into(),
            login_then: None,
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: actix_web::http::StatusCode::NOT_FOUND,
            message: message.into(),
            login_then: None,
        }
    }

    /// Logs `cause` and says only that the data could not be read.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "page failed");
        Self {
            status: actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
            message: t!("error-data-unreadable"),
            login_then: None,
        }
    }

    /// What an access check means for a page: no account → the login page
    /// (then back to `req`'s page); the wrong account → 403.
    pub fn access(e: crate::web::ApiError, req: &actix_web::HttpRequest) -> Self {
        use crate::web::ApiError;
        match e {
            ApiError::Unauthorized(_) => Self {
                status: actix_web::http::StatusCode::SEE_OTHER,
                message: t!("error-login-needed"),
                login_then: Some(req.uri().to_string()),
            },
            ApiError::Forbidden(_) => Self {
                status: actix_web::http::StatusCode::FORBIDDEN,
                message: t!("error-forbidden"),
                login_then: None,
            },
            other => Self::internal(&other),
        }
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(e: crate::store::StoreError) -> Self {
        PageError::internal(&e)
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl actix_web::ResponseError for PageError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        match &self.login_then {
            Some(next) => HttpResponse::SeeOther()
                .insert_header(("Location", format!("/login?next={}", url_escape(next))))
                .finish(),
            None => problem(self.status, &self.message),
        }
    }
}

/// Percent-encodes a path for a query value.
fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
