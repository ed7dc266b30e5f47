//! A test that keeps the pages translated: a string literal with Vietnamese
//! letters in a page's code is text a reader sees that the catalogue
//! (`locales/`, `t!`) does not hold, so the English page would show it in
//! Vietnamese. Tests and comments may keep Vietnamese.

use std::path::{Path, PathBuf};

/// The code of the pages: every file under these, outside tests.
const CHECKED: &[&str] = &[
    "src/web/pages",
    "src/web/error.rs",
    "src/report/html.rs",
    "src/web/auth/login.rs",
];

fn is_vietnamese(c: char) -> bool {
    matches!(c as u32,
        0x00C0..=0x00D6 | 0x00D8..=0x00F6 | 0x00F8..=0x01B0 | 0x0300..=0x036F | 0x1EA0..=0x1EF9)
}

/// The string literals of one line of code, comments left out. A literal
/// that spans lines is read line by line, which is all this check needs.
fn literals(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (&mut current, c) {
            (Some(text), '\\') => {
                text.push(c);
                if let Some(next) = chars.next() {
                    text.push(next);
                }
            }
            (Some(_), '"') => found.extend(current.take()),
            (Some(text), c) => text.push(c),
            (None, '"') => current = Some(String::new()),
            (None, '/') if chars.peek() == Some(&'/') => break,
            (None, '\'') => {
                // A char literal such as '"': skip it whole.
                let rest: String = chars.clone().take(3).collect();
                if rest.chars().nth(1) == Some('\'') {
                    chars.next();
                    chars.next();
                }
            }
            (None, _) => {}
        }
    }
    found.extend(current);
    found
}

/// `file:line: literal` for each Vietnamese literal of `file` before its tests.
fn untranslated(file: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return vec![format!("{}: unreadable", file.display())];
    };
    text.lines()
        .enumerate()
        .take_while(|(_, line)| line.trim() != "#[cfg(test)]")
        .flat_map(|(n, line)| {
            literals(line)
                .into_iter()
                .filter(|l| l.chars().any(is_vietnamese))
                .map(move |l| format!("{}:{}: \"{l}\"", file.display(), n + 1))
        })
        .collect()
}

#[test]
fn no_page_has_a_vietnamese_string_outside_the_catalogue() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = Vec::new();
    for checked in CHECKED {
        let path = root.join(checked);
        if path.is_dir() {
            crate::layering::rust_files(&path, &mut files);
        } else {
            files.push(path);
        }
    }
    // Tests, and this file's own, may write Vietnamese.
    files.retain(|f| {
        f.file_name()
            .is_some_and(|n| n != "tests.rs" && n != "untranslated.rs")
    });
    assert!(files.len() > 15, "{} files", files.len());
    let found: Vec<String> = files.iter().flat_map(|f| untranslated(f)).collect();
    assert!(
        found.is_empty(),
        "move these to locales/*/chiso.ftl:\n{}",
        found.join("\n")
    );
}

#[test]
fn literals_are_found_and_comments_skipped() {
    assert_eq!(
        literals(r#"a { "Tháng" } b="x\"y" // "Đơn vị""#),
        ["Tháng", "x\\\"y"]
    );
    assert_eq!(literals(r#"c == '"' || "ở""#), ["ở"]);
    assert!(literals("Kỳ").is_empty());
    assert!(is_vietnamese('ư') && is_vietnamese('ạ') && !is_vietnamese('÷'));
}
