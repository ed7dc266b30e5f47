//! Pages of published results, kept as rendered. A stored computation never
//! changes, so a page drawn from one is the same for every reader until the
//! period publishes another: the ranking page under 64 connections spent its
//! time drawing the same table (`make bench`). The key names everything the
//! page shows; a new computation or freeze is a new key. The language is
//! part of every key, here, so no caller can forget it: an English page is
//! never served to a Vietnamese reader.

use std::sync::OnceLock;

use actix_web::web::Bytes;

use crate::compute::publish::Computer;
use crate::domain::kept::Kept;
use crate::domain::lang::Lang;
use crate::domain::Period;
use crate::store::StoreError;

/// Pages kept (a period has 3 groups and a handful of sort orders).
const PAGES_KEPT: usize = 512;

/// The page kept under `key` in the current language, or `draw`n now and kept.
pub fn rendered(key: String, draw: impl FnOnce() -> String) -> Bytes {
    static KEPT: OnceLock<Kept<Bytes>> = OnceLock::new();
    let kept = KEPT.get_or_init(|| Kept::new(PAGES_KEPT));
    kept.get_or_make(language_key(&key), || Bytes::from(draw()))
}

/// `key` in the current language: what every kept page is kept under.
pub fn language_key(key: &str) -> String {
    format!("{}/{key}", Lang::current().code())
}

/// Which computation each of `periods` shows (`-`: none, computed from the
/// current data): with what was collected, what a page drawn from them
/// depends on, for its key.
pub async fn computations_shown(
    computer: &Computer<'_>,
    periods: impl Iterator<Item = Period>,
) -> Result<String, StoreError> {
    let mut ids = Vec::new();
    for p in periods {
        ids.push(match computer.publication(p).await? {
            Some(p) => p.computation_id,
            None => "-".to_string(),
        });
    }
    Ok(ids.join(","))
}
