//! Where the login form may send a browser afterwards: a path of this site
//! only. Browsers forgive a lot (they drop tabs and newlines inside URLs, read
//! `\` as `/`), so a `next` is refused unless it starts with exactly one `/`
//! and has no `\` and no control character, as sent and after percent-decoding.

/// `next` if it is a same-origin path, else `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_local_path(n) => n.to_string(),
        _ => "/".to_string(),
    }
}

fn is_local_path(next: &str) -> bool {
    let mut text = next.to_string();
    // Decoded until stable (bounded): `%252F` hides `%2F`, which hides `/`.
    for _ in 0..4 {
        if !is_plain_local_path(&text) {
            return false;
        }
        let decoded = percent_decoded(&text);
        if decoded == text {
            return true;
        }
        text = decoded;
    }
    false
}

fn is_plain_local_path(text: &str) -> bool {
    text.starts_with('/')
        && !text.starts_with("//")
        && !text.contains('\\')
        && !text.chars().any(char::is_control)
}

/// `%XX` sequences decoded; a `%` not followed by two hex digits stays.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn local_paths_are_followed() {
        assert_eq!(safe_next(Some("/units/01")), "/units/01");
        assert_eq!(
            safe_next(Some("/xep-hang?ky=2021-06&q=a%20b")),
            "/xep-hang?ky=2021-06&q=a%20b"
        );
        assert_eq!(safe_next(Some("/")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn off_site_and_disguised_targets_are_refused() {
        for bad in [
            "//evil.example",
            "https://evil.example",
            "evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/%09/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "/%252F/evil.example",
            "/%0d%0aSet-Cookie:x=1",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
    }
}
