//! Which language a reader sees. `?lang=en` or `?lang=vi` on any page
//! chooses, and a `lang` cookie (SameSite=Lax, path /) keeps the choice;
//! without either the page is Vietnamese. `Accept-Language` alone never
//! switches: everyone in the ministry reads Vietnamese, whatever their
//! browser says (docs/languages.md).
//!
//! The middleware makes the choice the current language of the request
//! (`Lang::current`, what `t!` reads) and remembers where the reader is, so
//! the layout's switch link keeps path and query. Handlers that need the
//! language (cache keys) take `Lang` as they take `Viewer`.

use std::future::{ready, Ready};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest};

use crate::domain::lang::Lang;
use crate::web::auth::request_cookie;

/// The cookie that keeps the choice.
pub const COOKIE: &str = "lang";

/// The query parameter that chooses.
const PARAM: &str = "lang";

/// Written by the layout where the switch link goes; `html_response` puts
/// the link for the request there, so a page kept as rendered (the same for
/// every reader of its language) still links back to where each reader is.
pub const SWITCH_MARKER: &str = "chiso-lang-switch-href";

tokio::task_local! {
    /// The path and query of the request, without `lang`.
    static HERE: String;
}

/// `?lang=` when it names a language.
fn asked(query: &str) -> Option<Lang> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(name, _)| *name == PARAM)
        .find_map(|(_, value)| Lang::parse(value))
}

/// The language of `req`: `?lang=`, else the cookie, else Vietnamese.
pub fn chosen(req: &HttpRequest) -> Lang {
    asked(req.query_string())
        .or_else(|| request_cookie(req, COOKIE).and_then(|c| Lang::parse(&c)))
        .unwrap_or_default()
}

/// `path?query` without the `lang` parameter.
fn here(path: &str, query: &str) -> String {
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some(PARAM))
        .collect();
    if kept.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// Where the switch to `to` goes from `here`.
fn switch_href(here: &str, to: Lang) -> String {
    let joint = if here.contains('?') { '&' } else { '?' };
    format!("{here}{joint}{PARAM}={}", to.code())
}

/// The language other than the current one: what the switch offers.
pub fn other() -> Lang {
    match Lang::current() {
        Lang::Vi => Lang::En,
        Lang::En => Lang::Vi,
    }
}

/// The switch link of the current request, escaped for an attribute.
pub fn current_switch_href() -> String {
    let here = HERE.try_with(Clone::clone).unwrap_or_else(|_| "/".into());
    html_attribute(&switch_href(&here, other()))
}

fn html_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Every request runs in its reader's language; a `?lang=` choice is kept
/// in the cookie.
pub async fn choose(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let lang = chosen(req.request());
    let asked_now = asked(req.query_string()).is_some();
    let where_ = here(req.path(), req.query_string());
    let mut response = lang.scope(HERE.scope(where_, next.call(req))).await?;
    if asked_now {
        let cookie = format!(
            "{COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
            lang.code()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

impl FromRequest for Lang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(chosen(req)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_keeps_path_and_query_and_drops_an_earlier_choice() {
        assert_eq!(here("/xep-hang", ""), "/xep-hang");
        assert_eq!(
            here("/xep-hang", "period=2026-10&lang=vi&group=city"),
            "/xep-hang?period=2026-10&group=city"
        );
        assert_eq!(
            switch_href("/xep-hang?period=2026-10", Lang::En),
            "/xep-hang?period=2026-10&lang=en"
        );
        assert_eq!(switch_href("/bang", Lang::Vi), "/bang?lang=vi");
        assert_eq!(
            html_attribute("/a?b=1&c=\"2\""),
            "/a?b=1&amp;c=&quot;2&quot;"
        );
    }

    #[test]
    fn the_query_chooses_then_the_cookie_and_never_accept_language() {
        use actix_web::test::TestRequest;
        let english_browser = ("Accept-Language", "en-GB,en;q=0.9");
        let req = TestRequest::default()
            .insert_header(english_browser)
            .to_http_request();
        assert_eq!(chosen(&req), Lang::Vi);
        let req = TestRequest::default()
            .insert_header(("Cookie", "session=x; lang=en"))
            .to_http_request();
        assert_eq!(chosen(&req), Lang::En);
        let req = TestRequest::default()
            .uri("/xep-hang?lang=vi")
            .insert_header(("Cookie", "lang=en"))
            .to_http_request();
        assert_eq!(chosen(&req), Lang::Vi);
        let req = TestRequest::default()
            .insert_header(("Cookie", "lang=fr"))
            .to_http_request();
        assert_eq!(chosen(&req), Lang::Vi);
    }

    #[test]
    fn only_a_known_language_is_a_choice() {
        assert_eq!(asked("lang=en"), Some(Lang::En));
        assert_eq!(asked("a=1&lang=vi"), Some(Lang::Vi));
        assert_eq!(asked("lang=fr"), None);
        assert_eq!(asked("slang=en"), None);
    }
}
