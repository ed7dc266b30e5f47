//! How far a public service is offered online.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// Service level. Resolution 17/NQ-CP and letter 1145/BTTTT-THH speak of
/// levels 3 and 4; Decree 42/2022/NĐ-CP renamed them partly and fully online.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceLevel {
    /// Toàn trình (formerly level 4).
    FullOnline,
    /// Một phần (formerly level 3).
    PartialOnline,
    /// Levels 1–2: information or forms only.
    NotOnline,
}

impl ServiceLevel {
    pub const ACCEPTED: &'static str = "full_online, partial_online or not_online";

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceLevel::FullOnline => "full_online",
            ServiceLevel::PartialOnline => "partial_online",
            ServiceLevel::NotOnline => "not_online",
        }
    }
}

impl fmt::Display for ServiceLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ServiceLevel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "full_online" => Ok(ServiceLevel::FullOnline),
            "partial_online" => Ok(ServiceLevel::PartialOnline),
            "not_online" => Ok(ServiceLevel::NotOnline),
            other => Err(format!(
                "'{other}' is not a service level: expected {}",
                Self::ACCEPTED
            )),
        }
    }
}
