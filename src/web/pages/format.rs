//! Page values through `domain::number` (thousands `.`, decimals `,`; in
//! English `,` and `.`), and a dash for missing data, never 0.

use crate::compute::evaluate::Status;
use crate::config::ValueUnit;
use crate::domain::lang::Lang;
use crate::domain::number;

/// A number written by `domain::number`, as the reader's language writes it.
pub fn digits(vietnamese: String) -> String {
    Lang::current().digits(&vietnamese)
}

/// `1.234,5` — one decimal; `—` when missing.
pub fn number(v: Option<f64>) -> String {
    digits(v.map_or_else(|| number::MISSING.into(), |v| number::decimal(v, 1)))
}

/// `56,7%`, or `—`.
pub fn percent(v: Option<f64>) -> String {
    digits(number::optional(v, ValueUnit::Percent))
}

/// A value in its unit: `56,7%` for rates, `754.917` for counts, `72,4` for scores.
pub fn value(v: Option<f64>, unit: ValueUnit) -> String {
    digits(number::optional(v, unit))
}

/// `+2`, `−3`, `0`; empty when unknown.
pub fn signed(v: Option<i64>) -> String {
    match v {
        Some(v) if v > 0 => format!("+{v}"),
        Some(v) if v < 0 => format!("−{}", v.unsigned_abs()),
        Some(_) => "0".into(),
        None => String::new(),
    }
}

/// ▲ gained places, ▼ lost, = same.
pub fn arrow(v: Option<i64>) -> &'static str {
    match v {
        Some(v) if v > 0 => "▲",
        Some(v) if v < 0 => "▼",
        Some(_) => "=",
        None => "",
    }
}

/// The CSS class of a status colour.
pub fn status_class(s: Status) -> &'static str {
    match s {
        Status::Achieved => "st-achieved",
        Status::OnTrack => "st-on-track",
        Status::Lagging => "st-lagging",
        Status::NoData => "st-no-data",
        Status::NoTarget => "st-no-target",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_data_is_a_dash_never_zero_and_decimals_take_a_comma() {
        assert_eq!(percent(None), "—");
        assert_eq!(percent(Some(56.66)), "56,7%");
        assert_eq!(number(Some(0.0)), "0,0");
        assert_eq!(value(Some(754_917.0), ValueUnit::Count), "754.917");
        assert_eq!(number(Some(10_821.0)), "10.821,0");
        assert_eq!(signed(Some(-3)), "−3");
        assert_eq!(signed(None), "");
        let english = Lang::En.sync_scope(|| (number(Some(10_821.0)), percent(Some(56.66))));
        assert_eq!(english, ("10,821.0".to_string(), "56.7%".to_string()));
    }
}
