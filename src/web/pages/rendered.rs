//! Pages of published results, kept as rendered. A stored computation never
//! changes, so a page drawn from one is the same for every reader until the
//! period publishes another: the ranking page under 64 connections spent its
//! time drawing the same table (`make bench`). The key names everything the
//! page shows; a new computation or freeze is a new key.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use actix_web::web::Bytes;

/// Pages kept; past this the memory starts afresh (a period has 3 groups and
/// a handful of sort orders).
const PAGES_KEPT: usize = 512;

fn kept() -> &'static Mutex<HashMap<String, Bytes>> {
    static KEPT: OnceLock<Mutex<HashMap<String, Bytes>>> = OnceLock::new();
    KEPT.get_or_init(Mutex::default)
}

/// The page kept under `key`, or `draw`n now and kept.
pub fn rendered(key: String, draw: impl FnOnce() -> String) -> Bytes {
    if let Some(page) = kept().lock().ok().and_then(|k| k.get(&key).cloned()) {
        return page;
    }
    let page = Bytes::from(draw());
    if let Ok(mut k) = kept().lock() {
        if k.len() >= PAGES_KEPT {
            k.clear();
        }
        k.insert(key, page.clone());
    }
    page
}
