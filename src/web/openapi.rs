//! `GET /api/openapi.json`: generated from the handlers' `#[utoipa::path]`
//! attributes and their request and response types (OpenAPI 3.1). A test
//! compares its paths with the route attributes of `src/web/` so none goes
//! undescribed; `tests/python` lints it with openapi-spec-validator.

use serde_json::Value;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "chiso",
        description = "Vietnam's e-government indicators: rankings, unit and national series, analyst SQL, operations. Authenticate with `Authorization: Bearer <token>` (`chiso users token`) or the session cookie of `/login`."
    ),
    paths(
        super::api::get_rankings,
        super::api::get_unit_indicators,
        super::api::get_indicators,
        super::api::get_national,
        super::api_plans::get_unit_plan,
        super::api_plans::get_plans,
        super::sql::post_sql,
        super::sql::get_schema,
        super::auth::login::me,
        super::auth::login::login_page,
        super::auth::login::login,
        super::auth::login::logout,
        super::ops::healthz,
        super::ready::readyz,
        super::metrics::metrics,
        super::ops::openapi_json,
    ),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "rankings", description = "National rankings per group and period."),
        (name = "units", description = "A unit's indicators."),
        (name = "indicators", description = "The catalogue and national series."),
        (name = "plans", description = "Service plans (letter 1145/BTTTT-THH) against what units reported."),
        (name = "analysts", description = "Read-only SQL over chiso's data."),
        (name = "accounts", description = "Signing in and out."),
        (name = "operations", description = "Health, readiness, metrics, this document."),
    )
)]
struct ApiDoc;

/// The two ways in: a bearer token (`chiso users token`) or the session cookie.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("chiso_session"))),
        );
    }
}

/// The document, with the crate's version.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

/// The document as JSON.
pub fn document() -> Value {
    serde_json::to_value(openapi()).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The route attributes (get, post… with a path) of every file under `dir`, pages excepted
    /// (HTML pages are not part of the API document).
    fn route_attributes(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "pages") {
                    route_attributes(&path, out);
                }
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for method in ["get", "post", "put", "patch", "delete"] {
                for piece in text.split(&format!("#[{method}(\"")).skip(1) {
                    let route = piece.split('"').next().unwrap().to_string();
                    out.push((method.to_string(), route));
                }
            }
        }
    }

    #[test]
    fn every_route_in_src_web_is_described_and_nothing_else() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
        let mut routes = Vec::new();
        route_attributes(&dir, &mut routes);
        assert!(routes.len() >= 12, "{routes:?}");
        let doc = super::document();
        for (method, route) in &routes {
            assert!(
                doc["paths"][route][method].is_object(),
                "{method} {route} is mounted but not in openapi.json"
            );
        }
        for (route, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                assert!(
                    routes.iter().any(|(m, r)| m == method && r == route),
                    "{method} {route} is described but no handler has it"
                );
            }
        }
    }
}
