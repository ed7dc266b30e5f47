//! The schema page: every table and view analysts may read, with its columns
//! in plain words (from docs/schema.toml, checked against the database).

use actix_web::{get, HttpRequest, HttpResponse};
use maud::html;

use super::layout::{page, PageError};
use crate::store::RoleCode;
use crate::t;
use crate::web::auth::Viewer;
use crate::web::State;

#[get("/luoc-do")]
pub async fn page_handler(
    state: State,
    viewer: Viewer,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    viewer
        .require_role(&[RoleCode::Analyst])
        .map_err(|e| PageError::access(e, &req))?;
    let tables = crate::web::schema::tables(&state.store).await?;
    let body = html! {
        h1 { (t!("nav-schema")) }
        p.muted { (t!("schema-intro-before")) " " code { (state.store.database()) } " " (t!("schema-intro-after")) }
        nav { @for t in &tables { a href=(format!("#{}", t.name)) { (t.name) } " " } }
        @for t in &tables {
            section.table id=(t.name) {
                h2 { code { (t.name) } }
                p { (t.about) }
                div.scroll { table {
                    thead { tr { th.name { (t!("schema-column")) } th.name { (t!("schema-type")) } th.name { (t!("schema-meaning")) } } }
                    tbody { @for c in &t.columns {
                        tr { td.name { code { (c.name) } } td.name { (c.column_type) } td.name { (c.about) } }
                    } }
                } }
            }
        }
    };
    Ok(page(&t!("nav-schema"), body))
}
