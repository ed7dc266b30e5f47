use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::*;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn catalogue_keys(lang: Lang) -> BTreeSet<String> {
    let (_, _, text) = FILES
        .iter()
        .find(|(l, _, _)| *l == lang)
        .copied()
        .unwrap_or(FILES[0]);
    keys(text).into_iter().collect()
}

/// The keys of every `t!("key"…)` in `text`.
fn keys_asked(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("t!(") {
        // Not `format!(`, `assert!(`…: the macro name is `t` alone.
        let before = rest[..at].chars().last();
        rest = &rest[at + 3..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let trimmed = rest.trim_start();
        if let Some(quoted) = trimmed.strip_prefix('"') {
            let key: String = quoted
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if quoted[key.len()..].starts_with('"') {
                found.push(key);
            }
        }
    }
    found
}

#[test]
fn both_catalogues_load_and_have_the_same_keys() {
    check().unwrap();
    let vi = catalogue_keys(Lang::Vi);
    let en = catalogue_keys(Lang::En);
    assert!(vi.len() > 50, "{} keys", vi.len());
    let only_vi: Vec<_> = vi.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&vi).collect();
    assert!(
        only_vi.is_empty() && only_en.is_empty(),
        "only in vi: {only_vi:?}; only in en: {only_en:?}"
    );
    for (_, file, text) in FILES {
        let all = keys(text);
        let unique: BTreeSet<_> = all.iter().collect();
        assert_eq!(all.len(), unique.len(), "{file} repeats a key");
    }
}

#[test]
fn every_key_the_code_asks_for_is_in_both_catalogues() {
    let mut files = Vec::new();
    crate::layering::rust_files(&src(), &mut files);
    let vi = catalogue_keys(Lang::Vi);
    let mut missing = Vec::new();
    let mut asked = 0;
    // This module's own docs and tests write example keys.
    files.retain(|f| !f.starts_with(src().join("domain/lang")));
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for key in keys_asked(&text) {
            asked += 1;
            if !vi.contains(&key) {
                missing.push(format!("{}: {key}", file.display()));
            }
        }
    }
    assert!(asked > 50, "found only {asked} keys asked for");
    assert!(missing.is_empty(), "keys missing: {missing:#?}");
}

#[test]
fn the_key_scan_finds_keys_across_lines_and_skips_other_macros() {
    let text = "t!(\"a-b\") format!(\"x\") t!(\n    \"c\",\n    n = 1) assert!(\"d\")";
    assert_eq!(keys_asked(text), ["a-b", "c"]);
}

#[test]
fn a_message_takes_its_arguments_in_the_language_asked() {
    let day =
        |lang: Lang| lang.sync_scope(|| crate::t!("publish-revised", day = "3 November 2026"));
    assert_eq!(day(Lang::En), "Results revised on 3 November 2026");
    assert_eq!(
        Lang::Vi.sync_scope(|| crate::t!("period-month", month = 11, padded = "11", year = 2026)),
        "Tháng 11/2026"
    );
    assert_eq!(
        Lang::En.sync_scope(|| crate::t!("period-month", month = 11, padded = "11", year = 2026)),
        "November 2026"
    );
    // Outside a request: Vietnamese.
    assert_eq!(crate::t!("nav-ranking"), "Xếp hạng");
    assert_eq!(message_in(Lang::En, "nav-ranking", &[]), "Rankings");
    // A key the catalogue lacks is shown as itself, never a panic.
    assert_eq!(message("no-such-key", &[]), "no-such-key");
}

#[test]
fn english_swaps_the_separators_of_vietnamese_numbers() {
    assert_eq!(Lang::En.digits("1.234,5"), "1,234.5");
    assert_eq!(Lang::Vi.digits("1.234,5"), "1.234,5");
    assert_eq!(Lang::En.digits("56,7%"), "56.7%");
}
