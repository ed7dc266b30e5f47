//! National rankings within one ranking group: standard competition ranking
//! (1, 2, 2, 4), tied units in Vietnamese alphabetical order, units without data
//! listed last and never ranked, and the change against the previous period.

use std::cmp::Ordering;

use serde::Serialize;

use crate::domain::place_sort_key;

/// One unit's composite score for the period; `None` when it has no data.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub code: String,
    pub name: String,
    pub score: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    pub code: String,
    pub name: String,
    pub score: Option<f64>,
    /// `None` for a unit without data: it is listed, marked, not ranked.
    pub rank: Option<u32>,
}

/// Scores equal to this many decimals tie; float noise must not split a tie.
const TIE_DECIMALS: f64 = 1e6;

fn tie_key(score: f64) -> i64 {
    (score * TIE_DECIMALS).round() as i64
}

/// Ranks one group's units, higher score first.
pub fn rank(mut units: Vec<Scored>) -> Vec<Ranked> {
    units.sort_by(|a, b| {
        let by_score = match (a.score, b.score) {
            (Some(x), Some(y)) => tie_key(y).cmp(&tie_key(x)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        by_score.then_with(|| place_sort_key(&a.name).cmp(&place_sort_key(&b.name)))
    });
    let mut out: Vec<Ranked> = Vec::with_capacity(units.len());
    for (i, u) in units.into_iter().enumerate() {
        let rank = u.score.map(|s| match out.last() {
            Some(Ranked {
                score: Some(prev),
                rank: Some(r),
                ..
            }) if tie_key(*prev) == tie_key(s) => *r,
            _ => i as u32 + 1,
        });
        out.push(Ranked {
            code: u.code,
            name: u.name,
            score: u.score,
            rank,
        });
    }
    out
}

/// Places gained since the previous period (positive = moved up); `None` when
/// either period has no rank for the unit.
pub fn rank_change(previous: Option<u32>, now: Option<u32>) -> Option<i64> {
    Some(i64::from(previous?) - i64::from(now?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(code: &str, name: &str, score: Option<f64>) -> Scored {
        Scored {
            code: code.into(),
            name: name.into(),
            score,
        }
    }

    fn ranks(r: &[Ranked]) -> Vec<(String, Option<u32>)> {
        r.iter().map(|x| (x.code.clone(), x.rank)).collect()
    }

    #[test]
    fn ties_share_a_rank_and_the_next_is_skipped() {
        let r = rank(vec![
            s("d", "Đà Nẵng", Some(70.0)),
            s("a", "An Giang", Some(90.0)),
            s("c", "Cà Mau", Some(80.0)),
            s("b", "Bắc Ninh", Some(80.0)),
        ]);
        let expected =
            [("a", 1), ("b", 2), ("c", 2), ("d", 4)].map(|(c, r)| (c.to_string(), Some(r)));
        assert_eq!(ranks(&r), expected);
    }

    #[test]
    fn float_noise_does_not_split_a_tie() {
        let r = rank(vec![s("a", "A", Some(0.1 + 0.2)), s("b", "B", Some(0.3))]);
        assert_eq!(r[0].rank, r[1].rank);
    }

    #[test]
    fn units_without_data_are_listed_last_and_not_ranked() {
        let r = rank(vec![
            s("x", "Xa", None),
            s("z", "Zê", Some(0.0)),
            s("a", "An", None),
        ]);
        assert_eq!(
            ranks(&r),
            [
                ("z".into(), Some(1)),
                ("a".into(), None),
                ("x".into(), None)
            ]
        );
    }

    #[test]
    fn rank_change_is_places_gained() {
        assert_eq!(rank_change(Some(5), Some(2)), Some(3));
        assert_eq!(rank_change(Some(1), Some(4)), Some(-3));
        assert_eq!(rank_change(None, Some(4)), None);
    }
}
