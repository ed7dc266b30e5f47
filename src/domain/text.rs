//! Matching Vietnamese names typed without diacritics or in another case.

use unicode_normalization::UnicodeNormalization;

/// Folds a name for matching: lower case, no diacritics, `đ` as `d`, runs of
/// spaces and punctuation as one space. "Thành phố Hồ Chí Minh" and
/// "thanh pho ho chi minh" fold to the same key.
pub fn fold_vietnamese(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_space = false;
    // `đ` has no decomposition, so NFD alone would keep it.
    for c in name
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
    {
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_diacritics_case_and_d_bar() {
        assert_eq!(fold_vietnamese("Thành phố Đà Nẵng"), "thanh pho da nang");
        assert_eq!(
            fold_vietnamese("  TỈNH  Bà Rịa - Vũng Tàu "),
            "tinh ba ria vung tau"
        );
        assert_eq!(
            fold_vietnamese("tinh ba ria vung tau"),
            "tinh ba ria vung tau"
        );
    }
}
