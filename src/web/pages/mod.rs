//! Server-rendered pages in Vietnamese or English (`lang.rs`; maud: every
//! value is escaped). They work without JavaScript and on a phone; charts
//! are inline SVG.

mod audit;
mod csv_file;
mod dashboard;
mod format;
mod indicator;
mod lang;
mod layout;
mod periods;
mod plan_status;
mod plan_upload;
mod portal_card;
mod publish;
mod quality;
mod ranking;
mod rendered;
pub(super) mod report;
mod review;
mod schema;
mod services;
mod unit;
mod unit_plan;
#[cfg(test)]
mod untranslated;
mod unused_services;
mod upload;

use actix_web::web;

pub use lang::choose as choose_language;
pub use upload::{MAX_PREVIEWS_PER_DAY, MAX_UPLOAD_BYTES};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(ranking::page_handler)
        .service(publish::publish_handler)
        .service(upload::form_handler)
        .service(upload::preview_handler)
        .service(upload::confirm_handler)
        .service(plan_upload::form_handler)
        .service(plan_upload::file_handler)
        .service(ranking::csv)
        .service(ranking::home)
        // Before the page: `/don-vi/{code}` would take "01.csv" for a code.
        .service(unit::csv)
        .service(services::csv)
        .service(services::page_handler)
        .service(unit::page_handler)
        .service(quality::page_handler)
        .service(review::review_handler)
        .service(dashboard::index)
        .service(dashboard::show)
        .service(indicator::page_handler)
        .service(schema::page_handler)
        .service(audit::page_handler)
        .service(audit::csv);
}
