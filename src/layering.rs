//! Keeps the pipeline's shape without a reviewer: reads every `crate::…` path
//! under `src/` and fails when a module names one of its own stage or above
//! (issue 16; STYLE.md habit 17). The stages, lowest first:
//! domain → config, charts → store → collect, compute, dashboards, simulate
//! → app, report → notify, web → schedule → `main.rs` and the tools of `tools/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Each top-level module of the library with its stage.
const STAGES: &[(&str, u8)] = &[
    ("domain", 0),
    // The binaries' log set-up; no module of chiso's.
    ("logging", 0),
    ("config", 1),
    // Draws plain numbers; knows nothing of the store.
    ("charts", 1),
    // Signals and the bound on stopping; no module of chiso's.
    ("shutdown", 1),
    ("store", 2),
    // The only Rust that speaks ZooKeeper: the lease and its claims.
    ("lease", 2),
    ("collect", 3),
    ("compute", 3),
    // Users, passwords, tokens: what the web signs people in with.
    ("accounts", 3),
    ("dashboards", 3),
    ("simulate", 3),
    // The loaded configuration and store bundled for the jobs and the server.
    ("app", 4),
    // The monthly report from stored results; the CLI and the web share it.
    ("report", 4),
    ("notify", 5),
    ("web", 5),
    ("schedule", 6),
];

fn stage(module: &str) -> Option<u8> {
    STAGES.iter().find(|(m, _)| *m == module).map(|(_, s)| *s)
}

/// The top-level module a file under `src/` belongs to (`store` for `src/store/rows.rs`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let first = file.strip_prefix(src).ok()?.components().next()?;
    let name = first.as_os_str().to_str()?;
    Some(name.trim_end_matches(".rs").to_string())
}

/// Every top-level module a line names through `crate::`: `crate::store::X`,
/// `crate::{config::A, store}` and nested groups alike.
fn named_modules(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            // Top-level names of the group: words right after `{` or `,` at depth 0.
            let mut depth = 0;
            let mut expect_name = true;
            let mut word = String::new();
            for c in group.chars() {
                if c.is_alphanumeric() || c == '_' {
                    if expect_name && depth == 0 {
                        word.push(c);
                    }
                    continue;
                }
                if !word.is_empty() {
                    found.push(std::mem::take(&mut word));
                    expect_name = false;
                }
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => expect_name = true,
                    _ => {}
                }
            }
            if !word.is_empty() {
                found.push(word);
            }
        } else {
            let word: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !word.is_empty() {
                found.push(word);
            }
        }
        rest = after;
    }
    found
}

pub(crate) fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Each `file:line: text` where a module names a module of its own stage or above.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut bad = Vec::new();
    for file in files {
        let Some(module) = module_of(src, &file) else {
            continue;
        };
        let Some(own) = stage(&module) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(&file) else {
            bad.push(format!("{}: cannot be read", file.display()));
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for named in named_modules(line) {
                if named == module {
                    continue;
                }
                match stage(&named) {
                    Some(s) if s < own => {}
                    Some(s) => bad.push(format!(
                        "{}:{}: `{module}` (stage {own}) uses `{named}` (stage {s}): {}",
                        file.display(),
                        n + 1,
                        line.trim()
                    )),
                    // `crate::SomeItem` re-exported at the root, or a module without a stage (below).
                    None => {}
                }
            }
        }
    }
    bad
}

/// Top-level modules of `lib.rs` that have no stage yet.
fn modules_without_stage(lib: &str) -> BTreeSet<String> {
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').trim().to_string())
        .filter(|m| stage(m).is_none())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
    }

    #[test]
    fn no_module_uses_one_of_its_stage_or_above() {
        let bad = violations(&src());
        assert!(
            bad.is_empty(),
            "imports that climb the pipeline:\n{}",
            bad.join("\n")
        );
    }

    #[test]
    fn every_module_of_the_library_has_a_stage() {
        let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
        let missing = modules_without_stage(&lib);
        assert!(
            missing.is_empty(),
            "add these to layering::STAGES: {missing:?}"
        );
    }

    #[test]
    fn paths_and_groups_name_their_top_level_modules() {
        assert_eq!(named_modules("use crate::store::Store;"), ["store"]);
        assert_eq!(
            named_modules("use crate::{config::{A, B}, store, web::x};"),
            ["config", "store", "web"]
        );
        assert_eq!(
            named_modules("let x = crate::compute::f(crate::domain::Month::MIN);"),
            ["compute", "domain"]
        );
        assert!(named_modules("use super::Store;").is_empty());
    }

    #[test]
    fn a_climbing_import_is_found_with_its_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("store")).unwrap();
        std::fs::write(
            dir.path().join("store/rows.rs"),
            "//! rows\nuse crate::domain::Month;\nuse crate::web::Page;\n",
        )
        .unwrap();
        let bad = violations(dir.path());
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(bad[0].contains("store/rows.rs:3:"), "{}", bad[0]);
        assert!(bad[0].contains("uses `web`"), "{}", bad[0]);
    }
}
