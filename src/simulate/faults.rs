//! Fault modes a simulated unit can be given, to exercise every failure path of
//! the collectors: slow, HTTP 500 for N tries, malformed JSON, bad counts,
//! wrong month, wrong unit, empty; and the hostile ones: a redirect to a
//! loopback URL, an oversized body, an endless cursor.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Deserialize;

use crate::domain::Month;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultMode {
    Slow,
    #[serde(rename = "http_500")]
    Http500,
    MalformedJson,
    NegativeCount,
    InconsistentCounts,
    WrongMonth,
    WrongUnit,
    Empty,
    /// `302` to the simulator's own `/_secret` on 127.0.0.1, which answers
    /// with a body no one may ever see (as chiso's ClickHouse would).
    RedirectLoopback,
    /// A valid page followed by whitespace past any sane body cap, streamed
    /// without a Content-Length.
    Oversized,
    /// Every page names a next cursor that advances, forever.
    EndlessCursor,
    /// A measure of 1e307: well-formed, far beyond its declared bounds.
    ImplausibleValue,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    pub unit: String,
    pub mode: FaultMode,
    /// For `http_500`: how many requests fail before the unit answers (0 = always).
    #[serde(default)]
    pub tries: u32,
    /// Only these months; every month when empty.
    #[serde(default)]
    pub months: Vec<Month>,
}

/// The faults in force, changeable while the simulator runs (the tests do).
#[derive(Debug, Clone, Default)]
pub struct Faults {
    inner: Arc<Mutex<FaultState>>,
}

#[derive(Debug, Default)]
struct FaultState {
    faults: Vec<Fault>,
    /// Requests already failed per (unit, month), for `http_500` with `tries`.
    failed: HashMap<(String, Month), u32>,
}

impl Faults {
    pub fn new(faults: Vec<Fault>) -> Self {
        let f = Self::default();
        f.set(faults);
        f
    }

    pub fn set(&self, faults: Vec<Fault>) {
        if let Ok(mut s) = self.inner.lock() {
            s.faults = faults;
            s.failed.clear();
        }
    }

    /// The fault to apply to this request, if any; counts `http_500` tries.
    pub fn take(&self, unit: &str, month: Month) -> Option<FaultMode> {
        let mut s = self.inner.lock().ok()?;
        let fault = s
            .faults
            .iter()
            .find(|f| f.unit == unit && (f.months.is_empty() || f.months.contains(&month)))
            .cloned()?;
        if fault.mode == FaultMode::Http500 && fault.tries > 0 {
            let failed = s.failed.entry((unit.to_string(), month)).or_default();
            if *failed >= fault.tries {
                return None;
            }
            *failed += 1;
        }
        Some(fault.mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_500_with_tries_recovers_after_that_many_requests() {
        let m: Month = "2021-06".parse().unwrap();
        let f = Faults::new(vec![Fault {
            unit: "01".into(),
            mode: FaultMode::Http500,
            tries: 2,
            months: vec![],
        }]);
        assert_eq!(f.take("01", m), Some(FaultMode::Http500));
        assert_eq!(f.take("01", m), Some(FaultMode::Http500));
        assert_eq!(f.take("01", m), None);
        assert_eq!(f.take("02", m), None);
    }

    #[test]
    fn month_limited_faults_apply_only_in_those_months() {
        let june: Month = "2021-06".parse().unwrap();
        let f = Faults::new(vec![Fault {
            unit: "01".into(),
            mode: FaultMode::Empty,
            tries: 0,
            months: vec![june],
        }]);
        assert_eq!(f.take("01", june), Some(FaultMode::Empty));
        assert_eq!(f.take("01", june.next()), None);
    }
}
