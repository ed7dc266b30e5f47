//! Failed logins, counted per login and per client address in a bounded map.
//! Past a few free failures a key is locked for a time that doubles with each
//! further failure; a locked key answers 429 with `Retry-After` without the
//! password being checked at all.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before a login is locked.
const FREE_PER_LOGIN: u32 = 5;
/// Before an address is locked: higher, as a proxy or an office NAT is shared.
const FREE_PER_ADDRESS: u32 = 20;
/// The first lock; each further failure doubles it, up to `LONGEST_LOCK`.
const FIRST_LOCK: Duration = Duration::from_secs(30);
const LONGEST_LOCK: Duration = Duration::from_secs(3600);
/// A key without a failure for this long starts again from zero.
const FORGET_AFTER: Duration = Duration::from_secs(3600);
/// Most keys held; past it the stalest are dropped.
const MOST_KEYS: usize = 20_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

/// What a login attempt is counted under.
#[derive(Debug, Clone)]
pub struct Keys {
    login: String,
    address: Option<String>,
}

impl Keys {
    pub fn new(login: &str, address: Option<String>) -> Self {
        Self {
            login: format!("login:{login}"),
            address: address.map(|a| format!("addr:{a}")),
        }
    }

    fn all(&self) -> impl Iterator<Item = (&str, u32)> {
        std::iter::once((self.login.as_str(), FREE_PER_LOGIN))
            .chain(self.address.as_deref().map(|a| (a, FREE_PER_ADDRESS)))
    }
}

#[derive(Default)]
pub struct Throttle {
    entries: Mutex<HashMap<String, Failures>>,
}

impl Throttle {
    /// `Err(wait)` while any of `keys` is locked.
    pub fn check(&self, keys: &Keys) -> Result<(), Duration> {
        let Ok(entries) = self.entries.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        let wait = keys
            .all()
            .filter_map(|(k, _)| entries.get(k)?.locked_until)
            .filter_map(|until| until.checked_duration_since(now))
            .max();
        match wait {
            Some(w) if !w.is_zero() => Err(w),
            _ => Ok(()),
        }
    }

    /// Counts a failure under each key; locks those past their free failures.
    pub fn failed(&self, keys: &Keys) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let now = Instant::now();
        if entries.len() + 2 > MOST_KEYS {
            make_room(&mut entries, now);
        }
        for (key, free) in keys.all() {
            let f = entries.entry(key.to_string()).or_insert(Failures {
                count: 0,
                last: now,
                locked_until: None,
            });
            if now.duration_since(f.last) > FORGET_AFTER {
                f.count = 0;
            }
            f.count = f.count.saturating_add(1);
            f.last = now;
            if f.count >= free {
                f.locked_until = Some(now + lock_for(f.count - free));
            }
        }
    }

    /// A successful login clears its login's failures (not its address's).
    pub fn succeeded(&self, keys: &Keys) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&keys.login);
        }
    }
}

/// The lock after `beyond` failures past the free ones: 30 s, 60 s, … 1 h.
fn lock_for(beyond: u32) -> Duration {
    FIRST_LOCK
        .saturating_mul(2u32.saturating_pow(beyond.min(16)))
        .min(LONGEST_LOCK)
}

/// Drops forgotten keys, then, if still full, the half least recently failed.
fn make_room(entries: &mut HashMap<String, Failures>, now: Instant) {
    entries.retain(|_, f| now.duration_since(f.last) <= FORGET_AFTER);
    if entries.len() + 2 > MOST_KEYS {
        let mut lasts: Vec<Instant> = entries.values().map(|f| f.last).collect();
        lasts.sort_unstable();
        let cut = lasts[lasts.len() / 2];
        entries.retain(|_, f| f.last > cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_is_locked_after_its_free_failures_and_the_lock_doubles() {
        let t = Throttle::default();
        let keys = Keys::new("an", Some("10.0.0.1".into()));
        for _ in 0..FREE_PER_LOGIN - 1 {
            t.failed(&keys);
            assert!(t.check(&keys).is_ok());
        }
        t.failed(&keys);
        let first = t.check(&keys).unwrap_err();
        assert!(first > Duration::from_secs(25) && first <= FIRST_LOCK);
        t.failed(&keys);
        assert!(t.check(&keys).unwrap_err() > FIRST_LOCK);
        // Another login from another address is not affected.
        assert!(t.check(&Keys::new("bo", Some("10.0.0.2".into()))).is_ok());
        assert_eq!(lock_for(40), LONGEST_LOCK);
    }

    #[test]
    fn an_address_is_locked_across_logins() {
        let t = Throttle::default();
        for i in 0..FREE_PER_ADDRESS {
            t.failed(&Keys::new(&format!("user{i}"), Some("10.0.0.9".into())));
        }
        assert!(t
            .check(&Keys::new("someone", Some("10.0.0.9".into())))
            .is_err());
        assert!(t.check(&Keys::new("someone", None)).is_ok());
    }

    #[test]
    fn the_map_stays_bounded() {
        let t = Throttle::default();
        for i in 0..MOST_KEYS + 100 {
            t.failed(&Keys::new(&format!("u{i}"), None));
        }
        assert!(t.entries.lock().unwrap().len() <= MOST_KEYS);
    }
}
