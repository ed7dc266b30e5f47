//! `units.toml`: every province and ministry that reports, with its validity,
//! successors (the 2025 reorganisation), contacts and source.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;

use super::{read_toml, ConfigError, Problems};
use crate::domain::{
    expand_place_prefix, fold_vietnamese, Month, RankingGroup, UnitCode, UnitKind,
};

/// Where a unit's statistics come from. A new source kind is one variant here.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SourceConfig {
    /// The source API of `docs/source-api.md`.
    Http {
        base_url: String,
        /// Name of the environment variable holding the bearer token.
        token_env: String,
        /// The endpoint may resolve to a loopback, link-local or private
        /// address (a unit inside the government network); refused otherwise.
        #[serde(default)]
        allow_private_address: bool,
    },
    /// The unit sends CSV files, loaded with `chiso import`.
    File,
}

/// The unit's public service portal, which the probe job watches (issue 15 §4).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalConfig {
    /// `https://…` only: the certificate is half of what is watched.
    pub url: String,
    /// The portal may resolve to a loopback, link-local or private address
    /// (the simulated portals of the demo and tests); refused otherwise.
    #[serde(default)]
    pub allow_private_address: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormerName {
    pub name: String,
    pub until: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    pub code: UnitCode,
    pub name: String,
    pub kind: UnitKind,
    pub group: RankingGroup,
    /// First valid day.
    pub from: NaiveDate,
    /// Last valid day, for units that ended.
    #[serde(default)]
    pub until: Option<NaiveDate>,
    /// For ended units; the first is where the time series continues.
    #[serde(default)]
    pub successors: Vec<UnitCode>,
    pub contacts: Vec<String>,
    #[serde(default)]
    pub former_names: Vec<FormerName>,
    pub source: SourceConfig,
    /// The public service portal citizens use; not probed when absent.
    #[serde(default)]
    pub portal: Option<PortalConfig>,
}

impl Unit {
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.from <= day && self.until.is_none_or(|u| day <= u)
    }

    /// The name the unit bore on `day`: a former name until its `until`, then
    /// the current one (a 2021 ranking says "Tỉnh Thừa Thiên Huế", not "Thành phố Huế").
    pub fn name_on(&self, day: NaiveDate) -> &str {
        self.former_names
            .iter()
            .filter(|f| day <= f.until)
            .min_by_key(|f| f.until)
            .map_or(self.name.as_str(), |f| f.name.as_str())
    }

    /// Valid on at least one day of the month: such a unit is expected to report it.
    pub fn valid_in(&self, month: Month) -> bool {
        self.from <= month.last_day() && self.until.is_none_or(|u| month.first_day() <= u)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegistry {
    unit: Vec<Unit>,
}

/// The validated registry. Lookups never fail silently: unknown codes are `None`.
#[derive(Debug, Clone)]
pub struct Registry {
    units: Vec<Unit>,
    index: HashMap<UnitCode, usize>,
}

impl Registry {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let raw: RawRegistry = read_toml(path)?;
        Self::build(path, raw.unit)
    }

    /// Validates `units`; `path` only names the file in messages.
    pub fn build(path: &Path, units: Vec<Unit>) -> Result<Self, ConfigError> {
        let mut p = Problems::new(path);
        let mut index = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            if index.insert(u.code.clone(), i).is_some() {
                p.add(
                    format!("unit[{i}].code"),
                    format!("duplicate code '{}'", u.code),
                );
            }
        }
        for (i, u) in units.iter().enumerate() {
            check_unit(i, u, &units, &index, &mut p);
        }
        check_name_overlaps(&units, &mut p);
        p.into_result(Self { units, index })
    }

    pub fn all(&self) -> &[Unit] {
        &self.units
    }

    pub fn get(&self, code: &UnitCode) -> Option<&Unit> {
        self.index.get(code).map(|&i| &self.units[i])
    }

    pub fn valid_on(&self, day: NaiveDate) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(move |u| u.valid_on(day))
    }

    pub fn valid_in(&self, month: Month) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(move |u| u.valid_in(month))
    }

    /// Finds a unit by code, or by current or former Vietnamese name matched
    /// without regard to case, diacritics or hyphens ("ha noi" finds "Thành phố
    /// Hà Nội", "Thừa Thiên - Huế" finds unit 46), its prefix written in full,
    /// abbreviated ("TP. Hồ Chí Minh", "T. Bắc Ninh") or left out.
    /// A name shared by several units matches only when one is valid in `month`.
    pub fn find(&self, code_or_name: &str, month: Month) -> Option<&Unit> {
        if let Some(u) = self.get(&UnitCode::new(code_or_name.trim())) {
            return Some(u);
        }
        let key = expand_place_prefix(&fold_vietnamese(code_or_name));
        let names_match = |u: &&Unit| {
            let mut names = std::iter::once(u.name.as_str())
                .chain(u.former_names.iter().map(|f| f.name.as_str()));
            names.any(|n| {
                let folded = fold_vietnamese(n);
                folded == key || strip_prefix(&folded) == key
            })
        };
        let mut hits: Vec<&Unit> = self.units.iter().filter(names_match).collect();
        if hits.len() > 1 {
            hits.retain(|u| u.valid_in(month));
        }
        (hits.len() == 1).then(|| hits[0])
    }
}

/// "tinh bac kan" also answers to "bac kan".
fn strip_prefix(folded: &str) -> &str {
    ["thanh pho ", "tinh ", "bo "]
        .iter()
        .find_map(|p| folded.strip_prefix(p))
        .unwrap_or(folded)
}

fn check_unit(
    i: usize,
    u: &Unit,
    all: &[Unit],
    index: &HashMap<UnitCode, usize>,
    p: &mut Problems,
) {
    let at = |field: &str| format!("unit[{i}] ({}).{field}", u.code);
    if u.code.as_str().is_empty() || !u.code.as_str().chars().all(|c| c.is_ascii_alphanumeric()) {
        p.add(
            at("code"),
            format!("'{}' must be ASCII letters and digits", u.code),
        );
    }
    if u.name.trim().is_empty() {
        p.add(at("name"), "is empty");
    }
    if let Some(until) = u.until {
        if until < u.from {
            p.add(at("until"), format!("{until} is before from {}", u.from));
        }
        if u.successors.is_empty() {
            p.add(at("successors"), "an ended unit must name its successor(s)");
        }
    } else if !u.successors.is_empty() {
        p.add(
            at("successors"),
            "only an ended unit (with until) has successors",
        );
    }
    let group_fits_kind = matches!(
        (u.kind, u.group),
        (UnitKind::Province, RankingGroup::Province)
            | (
                UnitKind::Ministry,
                RankingGroup::MinistryServices | RankingGroup::MinistryNoServices
            )
    );
    if !group_fits_kind {
        p.add(
            at("group"),
            format!("{:?} does not fit kind {:?}", u.group, u.kind),
        );
    }
    for s in &u.successors {
        match index.get(s).map(|&j| &all[j]) {
            None => p.add(
                at("successors"),
                format!("successor '{s}' is not in the registry"),
            ),
            Some(next) => {
                let day_after = u.until.and_then(|d| d.succ_opt());
                if let Some(day) = day_after.filter(|d| !next.valid_on(*d)) {
                    p.add(
                        at("successors"),
                        format!("successor '{s}' is not valid on {day}, the day after until"),
                    );
                }
            }
        }
    }
    if let Some(portal) = &u.portal {
        if let Err(message) = check_portal_url(&portal.url) {
            p.add(at("portal.url"), message);
        }
    }
    for (k, c) in u.contacts.iter().enumerate() {
        if !looks_like_address(c) {
            p.add(
                at(&format!("contacts[{k}]")),
                format!("'{c}' is not an e-mail address"),
            );
        }
    }
}

/// A portal is probed over HTTPS at an absolute URL without credentials.
fn check_portal_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("'{url}' is not a URL: {e}"))?;
    if parsed.scheme() != "https" {
        return Err(format!(
            "'{url}': only https portals are probed (the certificate is watched too)"
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!("'{url}' has no host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("the URL carries credentials; a portal is public".into());
    }
    Ok(())
}

/// Two units answering to the same name at the same time would make name
/// matching (CSV import) ambiguous: that is overlapping validity.
fn check_name_overlaps(units: &[Unit], p: &mut Problems) {
    let mut by_name: BTreeMap<String, Vec<&Unit>> = BTreeMap::new();
    for u in units {
        by_name.entry(fold_vietnamese(&u.name)).or_default().push(u);
    }
    for (name, same) in by_name {
        for (a, b) in same.iter().zip(same.iter().skip(1)) {
            let overlap = a.from <= b.until.unwrap_or(NaiveDate::MAX)
                && b.from <= a.until.unwrap_or(NaiveDate::MAX);
            if overlap {
                p.add(
                    format!("unit ({}) and unit ({})", a.code, b.code),
                    format!("both are named '{name}' with overlapping validity"),
                );
            }
        }
    }
}

/// Deliberately simple: one `@`, a dot in the domain, no spaces. Delivery is the SMTP server's word.
pub(crate) fn looks_like_address(a: &str) -> bool {
    match a.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !a.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn unit(code: &str, name: &str, until: Option<&str>, successors: &[&str]) -> Unit {
        Unit {
            code: UnitCode::new(code),
            name: name.into(),
            kind: UnitKind::Province,
            group: RankingGroup::Province,
            from: day("2019-01-01"),
            until: until.map(day),
            successors: successors.iter().map(|s| UnitCode::new(*s)).collect(),
            contacts: vec![format!("a{code}@example.vn")],
            former_names: vec![],
            source: SourceConfig::File,
            portal: None,
        }
    }

    fn errors(units: Vec<Unit>) -> String {
        Registry::build(Path::new("units.toml"), units)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_portal_must_be_an_https_url_without_credentials() {
        let with_portal = |code: &str, url: &str| Unit {
            portal: Some(PortalConfig {
                url: url.into(),
                allow_private_address: false,
            }),
            ..unit(code, &format!("Tỉnh {code}"), None, &[])
        };
        let good = with_portal("01", "https://dichvucong.hanoi.gov.vn/");
        assert!(Registry::build(Path::new("units.toml"), vec![good]).is_ok());
        let err = errors(vec![
            with_portal("02", "http://dichvucong.example.vn/"),
            with_portal("04", "dichvucong.example.vn"),
            with_portal("06", "https://cds:secret@dichvucong.example.vn/"),
        ]);
        assert!(
            err.contains("unit[0] (02).portal.url: 'http://dichvucong.example.vn/': only https"),
            "{err}"
        );
        assert!(
            err.contains("unit[1] (04).portal.url: 'dichvucong.example.vn' is not a URL"),
            "{err}"
        );
        assert!(
            err.contains("unit[2] (06).portal.url: the URL carries credentials"),
            "{err}"
        );
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn a_unit_bears_its_former_name_until_the_day_it_changed() {
        let mut hue = unit("46", "Thành phố Huế", None, &[]);
        hue.former_names = vec![FormerName {
            name: "Tỉnh Thừa Thiên Huế".into(),
            until: day("2024-12-31"),
        }];
        assert_eq!(hue.name_on(day("2021-06-30")), "Tỉnh Thừa Thiên Huế");
        assert_eq!(hue.name_on(day("2024-12-31")), "Tỉnh Thừa Thiên Huế");
        assert_eq!(hue.name_on(day("2025-01-01")), "Thành phố Huế");
    }

    #[test]
    fn every_printed_name_variant_finds_its_unit() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/units.toml");
        let registry = Registry::load(&path).unwrap();
        let june_2021: Month = "2021-06".parse().unwrap();
        let august_2025: Month = "2025-08".parse().unwrap();
        let cases = [
            ("TP. Hồ Chí Minh", "79"),
            ("TP Hồ Chí Minh", "79"),
            ("Tp. Hồ Chí Minh", "79"),
            ("Tp.Hồ Chí Minh", "79"),
            ("TP Hà Nội", "01"),
            ("TP. Hà Nội", "01"),
            ("Tp. Cần Thơ", "92"),
            ("TP Cần Thơ", "92"),
            ("TP. Đà Nẵng", "48"),
            ("Tp Hải Phòng", "31"),
            ("T. Bắc Ninh", "27"),
            ("T Bắc Ninh", "27"),
            ("Thừa Thiên - Huế", "46"),
            ("Thừa Thiên-Huế", "46"),
            ("T. Thừa Thiên – Huế", "46"),
            ("TP. Huế", "46"),
            ("Bà Rịa-Vũng Tàu", "77"),
            ("T. Bà Rịa – Vũng Tàu", "77"),
        ];
        for (printed, code) in cases {
            let found = registry.find(printed, june_2021).map(|u| u.code.as_str());
            assert_eq!(found, Some(code), "{printed} in 2021-06");
        }
        for (printed, code) in [
            ("TP. Hồ Chí Minh", "79"),
            ("Tp. Cần Thơ", "92"),
            ("TP Huế", "46"),
        ] {
            let found = registry.find(printed, august_2025).map(|u| u.code.as_str());
            assert_eq!(found, Some(code), "{printed} in 2025-08");
        }
        // An abbreviation names the kind: a city is not found as a province.
        assert!(registry.find("T. Hà Nội", june_2021).is_none());
        assert!(registry.find("TP. Bắc Ninh", june_2021).is_none());
    }

    #[test]
    fn duplicate_code_is_rejected() {
        let e = errors(vec![unit("01", "A", None, &[]), unit("01", "B", None, &[])]);
        assert!(e.contains("duplicate code '01'"), "{e}");
    }

    #[test]
    fn missing_successor_is_rejected() {
        let e = errors(vec![unit("02", "A", Some("2025-06-30"), &["99"])]);
        assert!(e.contains("successor '99' is not in the registry"), "{e}");
    }

    #[test]
    fn ended_unit_without_successor_is_rejected() {
        let e = errors(vec![unit("02", "A", Some("2025-06-30"), &[])]);
        assert!(e.contains("must name its successor"), "{e}");
    }

    #[test]
    fn successor_ending_before_the_merger_is_rejected() {
        let e = errors(vec![
            unit("02", "A", Some("2025-06-30"), &["08"]),
            unit("08", "B", Some("2025-01-01"), &["02"]),
        ]);
        assert!(
            e.contains("successor '08' is not valid on 2025-07-01"),
            "{e}"
        );
    }

    #[test]
    fn same_name_with_overlapping_validity_is_rejected() {
        let e = errors(vec![
            unit("01", "Tỉnh A", None, &[]),
            unit("02", "tinh a", None, &[]),
        ]);
        assert!(e.contains("overlapping validity"), "{e}");
    }

    #[test]
    fn until_before_from_is_rejected() {
        let mut u = unit("01", "A", Some("2018-01-01"), &["02"]);
        u.from = day("2019-01-01");
        let e = errors(vec![u, unit("02", "B", None, &[])]);
        assert!(e.contains("is before from"), "{e}");
    }

    #[test]
    fn invalid_contact_names_the_unit() {
        let mut u = unit("01", "A", None, &[]);
        u.contacts = vec!["not an address".into()];
        let e = errors(vec![u]);
        assert!(e.contains("(01).contacts[0]"), "{e}");
    }

    #[test]
    fn a_private_address_is_allowed_only_when_the_source_says_so() {
        let source = |extra: &str| -> SourceConfig {
            toml::from_str(&format!(
                "type = \"http\"\nbase_url = \"http://10.0.0.5\"\ntoken_env = \"T\"\n{extra}"
            ))
            .unwrap()
        };
        let allowed = |s: SourceConfig| match s {
            SourceConfig::Http {
                allow_private_address,
                ..
            } => allow_private_address,
            SourceConfig::File => panic!("not http"),
        };
        assert!(!allowed(source("")));
        assert!(allowed(source("allow_private_address = true")));
        assert!(toml::from_str::<SourceConfig>(
            "type = \"http\"\nbase_url = \"x\"\ntoken_env = \"T\"\nallow_private = true"
        )
        .is_err());
    }
}
