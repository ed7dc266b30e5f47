//! A bounded in-memory map for things that never change once made: stored
//! computations' results, pages and charts drawn from them. Past its limit it
//! starts afresh; what it held is made again on demand.

use std::collections::HashMap;
use std::sync::Mutex;

pub struct Kept<V> {
    limit: usize,
    entries: Mutex<HashMap<String, V>>,
}

impl<V: Clone> Kept<V> {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            entries: Mutex::default(),
        }
    }

    pub fn get(&self, key: &str) -> Option<V> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    pub fn keep(&self, key: String, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.limit {
                entries.clear();
            }
            entries.insert(key, value);
        }
    }

    pub fn forget(&self, key: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }

    /// Drops every entry whose value `stale` says is out of date.
    pub fn forget_if(&self, stale: impl Fn(&V) -> bool) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, v| !stale(v));
        }
    }

    /// The value kept under `key`, or `make`'s, kept.
    pub fn get_or_make(&self, key: String, make: impl FnOnce() -> V) -> V {
        if let Some(v) = self.get(&key) {
            return v;
        }
        let v = make();
        self.keep(key, v.clone());
        v
    }

    /// The value kept under `key`, or `make`'s, kept when it is made.
    pub fn get_or_try<E>(&self, key: String, make: impl FnOnce() -> Result<V, E>) -> Result<V, E> {
        if let Some(v) = self.get(&key) {
            return Ok(v);
        }
        let v = make()?;
        self.keep(key, v.clone());
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_until_the_limit_then_starts_afresh() {
        let kept: Kept<u32> = Kept::new(2);
        let made = kept.get_or_try("a".into(), || Ok::<_, ()>(1)).unwrap();
        assert_eq!(made, 1);
        // Kept: `make` is not called again.
        assert_eq!(kept.get_or_try("a".into(), || Err(())), Ok(1));
        kept.keep("b".into(), 2);
        kept.keep("c".into(), 3);
        assert_eq!(kept.get("a"), None, "the third entry started afresh");
        assert_eq!(kept.get("c"), Some(3));
        // A failure keeps nothing.
        assert_eq!(
            kept.get_or_try("d".into(), || Err::<u32, _>("no")),
            Err("no")
        );
        assert_eq!(kept.get("d"), None);
    }
}
