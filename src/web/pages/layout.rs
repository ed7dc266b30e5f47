//! The frame of every page: head, navigation, footer, and the stylesheet.

use actix_web::HttpResponse;
use maud::{html, Markup, DOCTYPE};

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

pub fn html_response(html: impl actix_web::body::MessageBody + 'static) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html)
}

/// The whole document around `body`.
pub fn page_html(title: &str, body: Markup) -> String {
    let markup = html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · chiso" }
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                header {
                    a.brand href="/" { "chiso · Chỉ số chính phủ số" }
                    a href="/xep-hang" { "Xếp hạng" }
                    a href="/chat-luong" { "Chất lượng dữ liệu" }
                    a href="/bang" { "Bảng theo dõi" }
                    a href="/luoc-do" { "Lược đồ dữ liệu" }
                    a href="/nop-so-lieu" { "Nộp số liệu" }
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
        "Lỗi",
        html! { h1 { "Không hiển thị được trang" } p.note { (message) } },
    );
    *response.status_mut() = status;
    response
}

/// What stops a page, shown as a page in Vietnamese; the cause of a 500 goes
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
            message: "Không đọc được số liệu; xem nhật ký máy chủ.".into(),
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
                message: "Cần đăng nhập.".into(),
                login_then: Some(req.uri().to_string()),
            },
            ApiError::Forbidden(_) => Self {
                status: actix_web::http::StatusCode::FORBIDDEN,
                message: "Tài khoản của bạn không được xem trang này.".into(),
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
