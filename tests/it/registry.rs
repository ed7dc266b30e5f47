//! The shipped registry represents the 2025 reorganisation.

use chiso::domain::{UnitCode, UnitKind};

use super::common::registry;

fn count(kind: UnitKind, day: &str) -> usize {
    let day = day.parse().unwrap();
    registry().valid_on(day).filter(|u| u.kind == kind).count()
}

#[test]
fn sixty_three_provinces_until_the_merger_and_thirty_four_after() {
    assert_eq!(count(UnitKind::Province, "2025-06-30"), 63);
    assert_eq!(count(UnitKind::Province, "2025-07-01"), 34);
}

#[test]
fn twenty_two_ministries_until_march_2025_and_seventeen_after() {
    assert_eq!(count(UnitKind::Ministry, "2025-02-28"), 22);
    assert_eq!(count(UnitKind::Ministry, "2025-03-01"), 17);
}

#[test]
fn every_ended_unit_has_a_successor_valid_the_next_day() {
    let reg = registry();
    let ended: Vec<_> = reg.all().iter().filter(|u| u.until.is_some()).collect();
    assert_eq!(ended.len(), 29 + 7);
    for u in ended {
        let next_day = u.until.unwrap().succ_opt().unwrap();
        let first = reg.get(&u.successors[0]).expect("successor exists");
        assert!(first.valid_on(next_day), "{} → {}", u.code, first.code);
    }
}

#[test]
fn names_match_without_case_or_diacritics_and_former_names_still_match() {
    let reg = registry();
    let m = "2021-06".parse().unwrap();
    assert_eq!(
        reg.find("ha noi", m).map(|u| u.code.clone()),
        Some(UnitCode::new("01"))
    );
    assert_eq!(
        reg.find("TỈNH THỪA THIÊN HUẾ", m).map(|u| u.code.clone()),
        Some(UnitCode::new("46"))
    );
    assert_eq!(
        reg.find("Bộ Lao động - Thương binh và Xã hội", m)
            .map(|u| u.code.clone()),
        Some(UnitCode::new("BLDTBXH"))
    );
    assert!(reg.find("Atlantis", m).is_none());
}

#[test]
fn a_broken_registry_file_is_rejected_naming_file_and_unit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("units.toml");
    let text = std::fs::read_to_string(super::common::config_dir().join("units.toml")).unwrap();
    // Point Hà Giang at a successor that does not exist.
    let broken = text.replacen("successors = [\"08\"]", "successors = [\"99\"]", 1);
    assert_ne!(text, broken);
    std::fs::write(&path, broken).unwrap();
    let err = chiso::config::Registry::load(&path)
        .unwrap_err()
        .to_string();
    assert!(err.contains("units.toml"), "{err}");
    assert!(
        err.contains("(02).successors") && err.contains("'99' is not in the registry"),
        "{err}"
    );
}

#[test]
fn the_registry_agrees_with_the_shared_reference_data_when_present() {
    let data =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/provinces.csv");
    let Ok(text) = std::fs::read_to_string(&data) else {
        return; // the reference data sits beside the checkout on developer and CI machines only
    };
    let reg = registry();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let unit = reg
            .get(&UnitCode::new(cols[0]))
            .unwrap_or_else(|| panic!("province {} missing", cols[0]));
        assert_eq!(unit.name, cols[1]);
        assert_eq!(
            unit.until.map(|d| d.to_string()).unwrap_or_default(),
            cols[2]
        );
        if !cols[3].is_empty() {
            let successor = reg.get(&unit.successors[0]).unwrap();
            assert_eq!(successor.name, cols[3], "successor of {}", cols[0]);
        }
    }
}

#[test]
fn a_remind_deadline_too_short_for_one_mail_stops_start_up_naming_both_settings() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chiso"))
        .arg("--config")
        .arg(super::common::config_dir().join("chiso.toml"))
        .args(["--clickhouse-url", "http://127.0.0.1:9", "migrate"])
        .env("CHISO_REMIND_DEADLINE_SECS", "60")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("schedule.remind_deadline_secs"), "{err}");
    assert!(err.contains("smtp.timeout_secs (30 s)"), "{err}");
}
