//! Figures you can trust: each part runs several times (`--runs N`); the
//! report shows the median and the min–max spread, and judges on the median.

use std::time::Duration;

/// A spread (max − min) above this share of the median is marked: the
/// machine moved the figure more than chiso's changes usually do.
pub const WIDE: f64 = 0.25;

/// The median of some runs of one figure, with the lowest and highest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub runs: usize,
}

impl Spread {
    /// `None` when there is no run (a part skipped or failed).
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Self> {
        let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        // An even count takes the mean of the two middle runs.
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(Self {
            median,
            min: v[0],
            max: v[n - 1],
            runs: n,
        })
    }

    /// Durations in seconds.
    pub fn of_secs(values: impl IntoIterator<Item = Duration>) -> Option<Self> {
        Self::of(values.into_iter().map(|d| d.as_secs_f64()))
    }

    /// The spread as a share of the median: (max − min) / median.
    pub fn relative(&self) -> f64 {
        (self.max - self.min) / self.median.abs().max(1e-12)
    }

    /// `12.3 (11.9–13.0)` with `show` formatting each number; one run: the
    /// number alone; a spread wider than `WIDE` of the median is marked `‡`.
    pub fn show(&self, show: impl Fn(f64) -> String) -> String {
        if self.runs <= 1 || self.min == self.max {
            return show(self.median);
        }
        let mark = if self.relative() > WIDE { " ‡" } else { "" };
        let (min, max) = (show(self.min), show(self.max));
        // "4.0–12.0 s", not "4.0 s–12.0 s": the unit once, after the range.
        let unit_at = min.trim_end_matches(|c: char| !c.is_ascii_digit()).len();
        let low = match max.ends_with(&min[unit_at..]) {
            true => &min[..unit_at],
            false => min.as_str(),
        };
        format!("{} ({low}–{max}){mark}", show(self.median))
    }
}

/// "PASS" or "MISS (…)" for a median that must reach at least `target`.
pub fn at_least(value: f64, target: f64) -> String {
    if value >= target {
        "PASS".into()
    } else {
        format!(
            "MISS by {:.0}% ({value:.2} < {target})",
            (1.0 - value / target) * 100.0
        )
    }
}

/// "PASS" or "MISS (…)" for a median that must stay under `limit`.
pub fn under(value: f64, limit: f64) -> String {
    if value < limit {
        "PASS".into()
    } else {
        format!(
            "MISS: {:.1}× the limit ({value:.2} ≥ {limit})",
            value / limit
        )
    }
}

/// The verdict on a spread's median; "not measured" without one.
pub fn judge(spread: Option<Spread>, verdict: impl Fn(f64) -> String) -> String {
    spread.map_or_else(|| "not measured".into(), |s| verdict(s.median))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_odd_count_is_the_middle_run_whatever_the_order() {
        let s = Spread::of([3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.runs), (2.0, 1.0, 3.0, 3));
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_two_middle_runs() {
        let s = Spread::of([10.0, 1.0, 4.0, 2.0]).unwrap();
        assert_eq!(s.median, 3.0);
        assert_eq!((s.min, s.max), (1.0, 10.0));
    }

    #[test]
    fn no_run_gives_no_spread_and_a_verdict_that_says_so() {
        assert_eq!(Spread::of([]), None);
        assert_eq!(Spread::of([f64::NAN]), None);
        assert_eq!(judge(None, |v| under(v, 5.0)), "not measured");
    }

    #[test]
    fn one_outlier_run_moves_the_spread_not_the_verdict() {
        // Two runs under the limit and one far over it: judged on the median.
        let s = Spread::of_secs([
            Duration::from_millis(4_000),
            Duration::from_millis(4_500),
            Duration::from_millis(12_000),
        ])
        .unwrap();
        assert_eq!(judge(Some(s), |v| under(v, 5.0)), "PASS");
        assert_eq!(s.show(|v| format!("{v:.1} s")), "4.5 s (4.0–12.0 s) ‡");
        let narrow = Spread::of([1.0, 1.1, 1.2]).unwrap();
        assert_eq!(narrow.show(|v| format!("{v:.1}")), "1.1 (1.0–1.2)");
        assert!((s.relative() - 8.0 / 4.5).abs() < 1e-9);
    }

    #[test]
    fn a_single_run_shows_its_figure_alone() {
        let s = Spread::of([0.91]).unwrap();
        assert_eq!(s.show(|v| format!("{v:.2}")), "0.91");
        assert_eq!(judge(Some(s), |v| at_least(v, 0.9)), "PASS");
    }

    #[test]
    fn verdicts_say_by_how_much_a_target_is_missed() {
        assert_eq!(at_least(0.9, 0.8), "PASS");
        assert_eq!(at_least(0.6, 0.8), "MISS by 25% (0.60 < 0.8)");
        assert_eq!(under(4.0, 5.0), "PASS");
        assert_eq!(under(10.0, 5.0), "MISS: 2.0× the limit (10.00 ≥ 5)");
    }
}
