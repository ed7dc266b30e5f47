//! `GET /api/openapi.json`: every endpoint, hand-written. A test compares its
//! paths with the route attributes of `src/web/` so none goes undescribed.

use serde_json::{json, Value};

fn error_response(text: &str) -> Value {
    json!({ "description": text, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn param(name: &str, place: &str, required: bool, text: &str) -> Value {
    json!({ "name": name, "in": place, "required": required, "description": text, "schema": { "type": "string" } })
}

fn json_ok(text: &str) -> Value {
    json!({ "description": text, "content": { "application/json": { "schema": { "type": "object" } } } })
}

/// Access rules, in words, as the `x-access` extension of each operation.
const PUBLIC: &str = "public";
const ACCOUNT: &str = "any account";

/// The OpenAPI 3.0 document.
pub fn document() -> Value {
    let e400 = error_response("A bad parameter, named in `parameter`.");
    let e401 = error_response("No account: sign in or send a bearer token.");
    let e403 = error_response("The account's role does not allow this.");
    let e404 = error_response("Unknown unit or indicator.");
    let range = [
        param(
            "from",
            "query",
            false,
            "First month, YYYY-MM (default: twelve months before `to`).",
        ),
        param(
            "to",
            "query",
            false,
            "Last month, YYYY-MM (default: the previous month).",
        ),
    ];
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "chiso",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Vietnam's e-government indicators: rankings, unit and national series, analyst SQL, operations. Authenticate with `Authorization: Bearer <token>` (`chiso users token`) or the session cookie of `/login`."
        },
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "session": { "type": "apiKey", "in": "cookie", "name": "chiso_session" }
            },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": {
                    "error": { "type": "string" }, "parameter": { "type": "string" } } }
            }
        },
        "security": [ { "bearer": [] }, { "session": [] } ],
        "paths": {
            "/api/v1/rankings": { "get": {
                "summary": "Rankings of a period per group, with national figures. Numerators, denominators and plans are null outside `raw_figures` (all: ministry, analysts; own_unit: unit staff; none: anonymous).",
                "x-access": "public for a frozen (published) period; any account for a provisional one",
                "parameters": [
                    param("period", "query", true, "YYYY-MM, YYYY-Qn, YYYY or YYYY-MM-YTD."),
                    param("group", "query", false, "province, ministry_services or ministry_no_services.")
                ],
                "responses": { "200": json_ok("The ranking; `status` is frozen or provisional."), "400": e400, "401": e401 }
            }},
            "/api/v1/units/{code}/indicators": { "get": {
                "summary": "A unit's indicators month by month.",
                "x-access": "ministry, analyst, or staff of that unit",
                "parameters": [ param("code", "path", true, "Unit code (config/units.toml)."), range[0], range[1] ],
                "responses": { "200": json_ok("The unit and its months."), "400": e400, "401": e401, "403": e403, "404": e404 }
            }},
            "/api/v1/indicators": { "get": {
                "summary": "The indicator catalogue: targets, points, weights.",
                "x-access": PUBLIC,
                "responses": { "200": json_ok("Composite method and indicators.") }
            }},
            "/api/v1/national": { "get": {
                "summary": "An indicator's national series, pooled and as the mean of unit rates.",
                "x-access": ACCOUNT,
                "parameters": [ param("indicator", "query", true, "Indicator code."), range[0], range[1] ],
                "responses": { "200": json_ok("The months."), "400": e400, "401": e401, "404": e404 }
            }},
            "/api/v1/sql": { "post": {
                "summary": "One read-only statement (SELECT, WITH … SELECT, DESCRIBE, EXISTS, SHOW TABLES) over chiso's database.",
                "description": "Runs as the ClickHouse user [clickhouse] analyst_user (readonly=1, chiso's database only, limits in its profile); the answer streams, and one cut short by a limit ends with a line `ERROR: …` (JSON then does not parse). The query is killed when the client leaves. At most 2 queries per account at once (429). CSV cells starting =, +, -, @, tab or CR get a leading '. Refuses writes, DDL, SYSTEM, SET, SETTINGS/FORMAT/INTO clauses, table functions, a second statement, and tables outside chiso's database. A browser session sends its CSRF token as `X-CSRF-Token` or the form field `csrf`.",
                "x-access": "analyst or ministry",
                "parameters": [ param("format", "query", false, "json (default) or csv; `Accept: text/csv` also gives CSV.") ],
                "requestBody": { "required": true, "content": {
                    "application/json": { "schema": { "type": "object", "required": ["query"], "properties": {
                        "query": { "type": "string" }, "format": { "type": "string" }, "csrf": { "type": "string" } } } },
                    "application/x-www-form-urlencoded": { "schema": { "type": "object", "properties": {
                        "query": { "type": "string" }, "format": { "type": "string" }, "csrf": { "type": "string" } } } },
                    "text/plain": { "schema": { "type": "string", "description": "The SQL text." } }
                }},
                "responses": {
                    "200": { "description": "`{\"columns\": [{name, type}], \"rows\": [[…]], \"row_count\": n}` or CSV with a header line.",
                             "content": { "application/json": { "schema": { "type": "object" } }, "text/csv": { "schema": { "type": "string" } } } },
                    "400": e400, "401": e401, "403": e403,
                    "429": { "description": "This account already has 2 queries running." },
                    "503": { "description": "No analyst_user is configured." }
                }
            }},
            "/api/v1/schema": { "get": {
                "summary": "Every table and view analysts may read, with its columns in plain words.",
                "x-access": "analyst or ministry",
                "responses": { "200": json_ok("`{database, tables: [{name, about, columns: [{name, type, about}]}]}`"), "401": e401, "403": e403 }
            }},
            "/api/v1/me": { "get": {
                "summary": "The signed-in account, and the CSRF token of its session.",
                "x-access": ACCOUNT,
                "responses": { "200": json_ok("`{login, role, unit_code, csrf}`"), "401": e401 }
            }},
            "/login": {
                "get": { "summary": "The login form (HTML, Vietnamese).", "x-access": PUBLIC, "security": [],
                         "parameters": [ param("next", "query", false, "A local path to go to after signing in.") ],
                         "responses": { "200": { "description": "HTML form with a CSRF field." } } },
                "post": { "summary": "Signs in: sets the HttpOnly session cookie and redirects to `next`.", "x-access": PUBLIC, "security": [],
                          "requestBody": { "content": { "application/x-www-form-urlencoded": { "schema": { "type": "object",
                              "required": ["login", "password", "csrf"], "properties": {
                              "login": { "type": "string" }, "password": { "type": "string" }, "csrf": { "type": "string" }, "next": { "type": "string" } } } } } },
                          "responses": { "303": { "description": "Signed in." }, "401": { "description": "Wrong login or password (the form again)." }, "403": { "description": "CSRF check failed (the form again)." } } }
            },
            "/logout": { "post": {
                "summary": "Ends the session (form field `csrf`).",
                "x-access": ACCOUNT,
                "responses": { "303": { "description": "Signed out; to /login." }, "403": e403 }
            }},
            "/healthz": { "get": {
                "summary": "Whether ClickHouse answers; for a ministry account also its version and each job's latest run.",
                "x-access": PUBLIC, "security": [],
                "responses": { "200": json_ok("`{status: ok}`; ministry: `{status, clickhouse: {reachable, version}, lease: {role, epoch, instance, reason}, jobs: [...]}`"), "503": json_ok("ClickHouse unreachable.") }
            }},
            "/readyz": { "get": {
                "summary": "Readiness: ClickHouse answers within 2 s. Plain text, no versions. Headers `X-Chiso-Role` (single, leader, follower, unavailable) and `X-Chiso-Epoch`: whether this instance runs the jobs (docs/leader.md).",
                "x-access": PUBLIC, "security": [],
                "responses": { "200": { "description": "`ready`", "content": { "text/plain": { "schema": { "type": "string" } } } }, "503": { "description": "`not ready: …` (ClickHouse unreachable or silent).", "content": { "text/plain": { "schema": { "type": "string" } } } } }
            }},
            "/metrics": { "get": {
                "summary": "Prometheus text: collection attempts, failures and rejected payloads per unit, mails sent and failed, HTTP latency, chiso_leader and chiso_lease_epoch.",
                "x-access": "ministry (a scraper sends a ministry account's token)",
                "responses": { "200": { "description": "text/plain; version=0.0.4", "content": { "text/plain": { "schema": { "type": "string" } } } }, "401": e401, "403": e403 }
            }},
            "/api/openapi.json": { "get": {
                "summary": "This document.",
                "x-access": PUBLIC, "security": [],
                "responses": { "200": json_ok("OpenAPI 3.0.") }
            }}
        }
    })
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
