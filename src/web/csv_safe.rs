//! Every CSV chiso serves passes its cells through here, so a spreadsheet
//! opening it never runs a cell as a formula (OWASP "CSV Injection"): a cell
//! starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a `'`
//! in front. A plain number (`-5`, `+1.5`, `-2e3`, or written the Vietnamese
//! way, `-1.234,5`) is left as it is: it cannot be a formula, and a minus sign
//! is data.

use std::borrow::Cow;

/// `cell` as it may be written to a CSV.
pub fn cell(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// `[+-]digits[.digits][e[+-]digits]`, or `[+-]d[.ddd]…[,digits]` as
/// `domain::number` writes it, and nothing else.
fn is_plain_number(text: &str) -> bool {
    is_machine_number(text) || is_vietnamese_number(text)
}

fn is_vietnamese_number(text: &str) -> bool {
    let rest = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (whole, fraction) = rest.split_once(',').unwrap_or((rest, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mut groups = whole.split('.');
    let first = groups.next().is_some_and(|g| digits(g) && g.len() <= 3);
    first && groups.all(|g| digits(g) && g.len() == 3) && digits(fraction)
}

fn is_machine_number(text: &str) -> bool {
    let rest = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match rest.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (rest, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(digits)
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formula_starts_get_a_quote() {
        for (input, output) in [
            ("=1+1", "'=1+1"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-", "'-"),
            ("-1e", "'-1e"),
            ("-inf", "'-inf"),
            ("-1.", "'-1."),
            ("-1,", "'-1,"),
            ("-1.23,4", "'-1.23,4"),
        ] {
            assert_eq!(cell(input), output, "{input:?}");
        }
    }

    #[test]
    fn numbers_and_ordinary_text_pass_unchanged() {
        for input in [
            "-5",
            "+1.5",
            "-2e3",
            "-2.5E-3",
            "-1.234,56",
            "-0,5",
            "Hà Nội",
            "",
            "1=1",
            "a@b",
        ] {
            assert_eq!(cell(input), input, "{input:?}");
        }
    }
}
