//! Who reports: unit codes, kinds and the ranking groups that are never ranked together.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A unit's stable code: the GSO code for provinces ("01"), an abbreviation for ministries ("BTC").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitCode(String);

impl UnitCode {
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // pad, not write_str: tables align codes with `{:<8}`.
        f.pad(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn unit_codes_honour_width_in_tables() {
        assert_eq!(format!("[{:<5}]", super::UnitCode::new("01")), "[01   ]");
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Province,
    /// Ministries and ministerial-level agencies alike.
    Ministry,
}

/// The three groups ranked apart (DTI practice): provinces, ministries that
/// provide public services, ministries that do not.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RankingGroup {
    Province,
    MinistryServices,
    MinistryNoServices,
}

impl RankingGroup {
    pub const ALL: [RankingGroup; 3] = [
        RankingGroup::Province,
        RankingGroup::MinistryServices,
        RankingGroup::MinistryNoServices,
    ];

    /// The name in config files, URLs and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            RankingGroup::Province => "province",
            RankingGroup::MinistryServices => "ministry_services",
            RankingGroup::MinistryNoServices => "ministry_no_services",
        }
    }

    pub fn parse(text: &str) -> Option<RankingGroup> {
        RankingGroup::ALL.into_iter().find(|g| g.as_str() == text)
    }

    /// Units of this group are expected to report per-service dossier counts.
    pub fn provides_services(self) -> bool {
        !matches!(self, RankingGroup::MinistryNoServices)
    }

    /// The group's name in the current language (pages; `domain::lang`).
    pub fn name(self) -> String {
        match self {
            RankingGroup::Province => crate::t!("group-province"),
            RankingGroup::MinistryServices => crate::t!("group-ministry-services"),
            RankingGroup::MinistryNoServices => crate::t!("group-ministry-no-services"),
        }
    }

    pub fn name_vi(self) -> &'static str {
        match self {
            RankingGroup::Province => "Tỉnh, thành phố",
            RankingGroup::MinistryServices => "Bộ, ngành có cung cấp dịch vụ công",
            RankingGroup::MinistryNoServices => "Bộ, ngành không cung cấp dịch vụ công",
        }
    }
}
