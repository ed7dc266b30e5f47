//! Numbers as Vietnamese readers write them, in pages, CSV downloads, mails and
//! charts alike: `.` between thousands, `,` before decimals, counts whole
//! (`754.917`, not `754917,0`), and a dash for what is missing, never 0.

use super::ValueUnit;

/// Written where a value is missing or not a number.
pub const MISSING: &str = "—";

/// `v` with `places` decimals: `1.234,5`; `—` when not finite.
pub fn decimal(v: f64, places: usize) -> String {
    if !v.is_finite() {
        return MISSING.into();
    }
    let fixed = format!("{:.places$}", v.abs());
    let (whole, fraction) = fixed.split_once('.').unwrap_or((fixed.as_str(), ""));
    let mut out = String::with_capacity(fixed.len() + whole.len() / 3 + 1);
    // "-0,0" reads as a negative nothing: a value that rounds to zero has no sign.
    if v < 0.0 && fixed.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        out.push('-');
    }
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(digit);
    }
    if !fraction.is_empty() {
        out.push(',');
        out.push_str(fraction);
    }
    out
}

/// A count, whole: `754.917`.
pub fn count(v: f64) -> String {
    decimal(v, 0)
}

/// `56,7%`.
pub fn percent(v: f64) -> String {
    if v.is_finite() {
        format!("{}%", decimal(v, 1))
    } else {
        MISSING.into()
    }
}

/// A value in its unit: `56,7%` for rates, `72,4` for scores, `754.917` for counts.
pub fn value(v: f64, unit: ValueUnit) -> String {
    match unit {
        ValueUnit::Percent => percent(v),
        ValueUnit::Score => decimal(v, 1),
        ValueUnit::Count => count(v),
    }
}

/// A value or `—`.
pub fn optional(v: Option<f64>, unit: ValueUnit) -> String {
    v.map_or_else(|| MISSING.into(), |v| value(v, unit))
}

/// A number with all its decimals as stored, grouped: `88,9`, `754.917`, `0,125`
/// (a table cell of a dashboard, where the query chose the precision).
pub fn plain(v: f64) -> String {
    if !v.is_finite() {
        return MISSING.into();
    }
    let shortest = v.abs().to_string();
    let places = shortest.split_once('.').map_or(0, |(_, f)| f.len());
    decimal(v, places)
}

/// A chart axis tick: whole numbers without decimals (`1.000`, `20`), others with one (`2,5`).
pub fn tick(v: f64) -> String {
    if v.is_finite() && (v - v.round()).abs() < 1e-9 {
        count(v)
    } else {
        decimal(v, 1)
    }
}

impl ValueUnit {
    /// The title of a chart axis in the current language (pages).
    pub fn axis_title(self) -> String {
        match self {
            ValueUnit::Percent => crate::t!("axis-percent"),
            ValueUnit::Score => crate::t!("axis-score"),
            ValueUnit::Count => crate::t!("axis-count"),
        }
    }

    /// The title of a chart axis showing values of this unit.
    pub fn axis_title_vi(self) -> &'static str {
        match self {
            ValueUnit::Percent => "Tỷ lệ (%)",
            ValueUnit::Score => "Điểm",
            ValueUnit::Count => "Số lượng",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_take_points_and_decimals_a_comma() {
        assert_eq!(count(754_917.0), "754.917");
        assert_eq!(count(10_821.0), "10.821");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(1_000.0), "1.000");
        assert_eq!(count(1_234_567.4), "1.234.567");
        assert_eq!(count(0.0), "0");
        assert_eq!(decimal(1_234.56, 1), "1.234,6");
        assert_eq!(decimal(-1_234.56, 2), "-1.234,56");
        assert_eq!(decimal(-0.04, 1), "0,0");
        assert_eq!(percent(56.66), "56,7%");
        assert_eq!(percent(100.0), "100,0%");
    }

    #[test]
    fn each_unit_reads_its_own_way_and_missing_is_a_dash() {
        assert_eq!(value(754_917.0, ValueUnit::Count), "754.917");
        assert_eq!(value(45.26, ValueUnit::Percent), "45,3%");
        assert_eq!(value(1_072.26, ValueUnit::Score), "1.072,3");
        assert_eq!(optional(None, ValueUnit::Count), "—");
        assert_eq!(value(f64::NAN, ValueUnit::Percent), "—");
        assert_eq!(decimal(f64::INFINITY, 1), "—");
    }

    #[test]
    fn plain_numbers_keep_their_decimals() {
        assert_eq!(plain(88.9), "88,9");
        assert_eq!(plain(754_917.0), "754.917");
        assert_eq!(plain(-0.125), "-0,125");
    }

    #[test]
    fn ticks_are_whole_when_they_can_be() {
        assert_eq!(tick(20.0), "20");
        assert_eq!(tick(12_000.0), "12.000");
        assert_eq!(tick(2.5), "2,5");
    }

    #[test]
    fn axis_titles_are_vietnamese() {
        for unit in [ValueUnit::Percent, ValueUnit::Score, ValueUnit::Count] {
            assert!(!unit.axis_title_vi().contains(unit.as_str()));
        }
        assert_eq!(ValueUnit::Percent.axis_title_vi(), "Tỷ lệ (%)");
    }
}
