//! Pages of published results, kept as rendered. A stored computation never
//! changes, so a page drawn from one is the same for every reader until the
//! period publishes another: the ranking page under 64 connections spent its
//! time drawing the same table (`make bench`). The key names everything the
//! page shows; a new computation or freeze is a new key.

use std::sync::OnceLock;

use actix_web::web::Bytes;

use crate::domain::kept::Kept;

/// Pages kept (a period has 3 groups and a handful of sort orders).
const PAGES_KEPT: usize = 512;

/// The page kept under `key`, or `draw`n now and kept.
pub fn rendered(key: String, draw: impl FnOnce() -> String) -> Bytes {
    static KEPT: OnceLock<Kept<Bytes>> = OnceLock::new();
    let kept = KEPT.get_or_init(|| Kept::new(PAGES_KEPT));
    kept.get_or_make(key, || Bytes::from(draw()))
}
