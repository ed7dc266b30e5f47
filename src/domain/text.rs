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

/// Abbreviations of the administrative prefix as published tables and letters
/// print them, folded: "TP.", "TP", "Tp." (thành phố) and "T." (tỉnh).
const PREFIX_ABBREVIATIONS: [(&str, &str); 2] = [("tp ", "thanh pho "), ("t ", "tinh ")];

/// A folded name with its abbreviated prefix written out: "TP. Hồ Chí Minh"
/// folds to "tp ho chi minh" and answers as "thanh pho ho chi minh".
pub fn expand_place_prefix(folded: &str) -> String {
    PREFIX_ABBREVIATIONS
        .iter()
        .find_map(|(short, long)| {
            folded
                .strip_prefix(short)
                .map(|rest| format!("{long}{rest}"))
        })
        .unwrap_or_else(|| folded.to_string())
}

/// The Vietnamese alphabet: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y.
/// Letters outside it (f, j, w, z in foreign names) sort after their neighbours.
const ALPHABET: &[&str] = &[
    "a", "a\u{306}", "a\u{302}", "b", "c", "d", "đ", "e", "e\u{302}", "f", "g", "h", "i", "j", "k",
    "l", "m", "n", "o", "o\u{302}", "o\u{31b}", "p", "q", "r", "s", "t", "u", "u\u{31b}", "v", "w",
    "x", "y", "z",
];

/// Tone marks: compared only when the letters are equal (ngang < huyền < hỏi < ngã < sắc < nặng).
const TONES: &[char] = &['\u{300}', '\u{309}', '\u{303}', '\u{301}', '\u{323}'];

/// Administrative prefixes that lists skip when sorting: readers look for
/// "Hà Nội" under H, not under "Thành phố".
const PLACE_PREFIXES: [&str; 2] = ["Thành phố ", "Tỉnh "];

/// `vietnamese_sort_key` of the name without its administrative prefix.
pub fn place_sort_key(name: &str) -> (Vec<u16>, Vec<u8>) {
    let bare = PLACE_PREFIXES
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name);
    vietnamese_sort_key(bare)
}

/// A key that sorts Vietnamese names in dictionary order: "Đà Nẵng" after "Dak Nong",
/// "Ăn" after "An", tones only breaking ties.
pub fn vietnamese_sort_key(name: &str) -> (Vec<u16>, Vec<u8>) {
    let mut letters = Vec::new();
    let mut tones = Vec::new();
    let lower: String = name.to_lowercase().nfd().collect();
    let mut chars = lower.chars().peekable();
    while let Some(c) = chars.next() {
        // A base letter takes all the marks that follow it: vowel modifiers make
        // another letter (ă, â, ơ…); tone marks only break ties. NFD may put the
        // dot below before the circumflex (ậ), so gather them all.
        let mut letter = c.to_string();
        let mut tone = 0u8;
        while let Some(&m) = chars.peek() {
            if matches!(m, '\u{306}' | '\u{302}' | '\u{31b}') {
                letter.push(m);
            } else if let Some(t) = TONES.iter().position(|t| *t == m) {
                tone = t as u8 + 1;
            } else if !unicode_normalization::char::is_combining_mark(m) {
                break;
            }
            chars.next();
        }
        let rank = ALPHABET.iter().position(|a| *a == letter);
        letters.push(match rank {
            Some(r) => 1000 + r as u16,
            None if c.is_alphanumeric() => 2000 + (u32::from(c) % 60_000) as u16,
            None => 0, // spaces and punctuation sort first, like a word break
        });
        tones.push(tone);
    }
    (letters, tones)
}

#[cfg(test)]
mod tests {
    #[test]
    fn places_sort_by_name_not_by_their_administrative_prefix() {
        let mut names = [
            "Thành phố Hà Nội",
            "Tỉnh An Giang",
            "Thành phố Cần Thơ",
            "Tỉnh Bắc Giang",
        ];
        names.sort_by_key(|n| super::place_sort_key(n));
        assert_eq!(
            names,
            [
                "Tỉnh An Giang",
                "Tỉnh Bắc Giang",
                "Thành phố Cần Thơ",
                "Thành phố Hà Nội"
            ]
        );
    }

    use super::*;

    #[test]
    fn vietnamese_names_sort_in_dictionary_order() {
        assert!(
            vietnamese_sort_key("Bậc") > vietnamese_sort_key("Bắc"),
            "â comes after ă whatever the tone"
        );
        assert!(
            vietnamese_sort_key("Ba") < vietnamese_sort_key("Bà"),
            "tones break ties only"
        );
        let mut names = vec![
            "Tỉnh Đồng Tháp",
            "Tỉnh Điện Biên",
            "Tỉnh Đắk Lắk",
            "Tỉnh Bắc Ninh",
            "Tỉnh Bạc Liêu",
            "Tỉnh An Giang",
            "Tỉnh Cà Mau",
            "Tỉnh Dak Nong",
        ];
        names.sort_by_key(|n| vietnamese_sort_key(n));
        assert_eq!(
            names,
            [
                "Tỉnh An Giang",
                "Tỉnh Bạc Liêu",
                "Tỉnh Bắc Ninh",
                "Tỉnh Cà Mau",
                "Tỉnh Dak Nong",
                "Tỉnh Đắk Lắk",
                "Tỉnh Điện Biên",
                "Tỉnh Đồng Tháp"
            ]
        );
    }

    #[test]
    fn abbreviated_prefixes_are_written_out() {
        let expand = |n: &str| expand_place_prefix(&fold_vietnamese(n));
        assert_eq!(expand("TP. Hồ Chí Minh"), "thanh pho ho chi minh");
        assert_eq!(expand("TP Hà Nội"), "thanh pho ha noi");
        assert_eq!(expand("Tp.Cần Thơ"), "thanh pho can tho");
        assert_eq!(expand("T. Bắc Ninh"), "tinh bac ninh");
        assert_eq!(expand("Tây Ninh"), "tay ninh", "a name is never cut");
        assert_eq!(expand("Thừa Thiên - Huế"), "thua thien hue");
    }

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
