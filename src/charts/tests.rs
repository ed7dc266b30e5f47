//! Charts given what no chart can draw — inf, NaN, 1e308, all-equal values,
//! nothing at all, arbitrary f64 — still come back, drawn, with a note when
//! values were left out (issue 12: a value of 1e307 spun a web worker forever).

use std::path::Path;

use super::svg::{bar_chart, distribution_chart, line_chart, Series, Stroke};
use super::{out_of_range_note, series_png, SeriesChart};

const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

fn hostile_inputs() -> Vec<Vec<Option<f64>>> {
    let mut inputs = vec![
        vec![Some(f64::INFINITY), Some(1.0)],
        vec![Some(f64::NEG_INFINITY)],
        vec![Some(f64::NAN), Some(f64::NAN)],
        vec![Some(1e308), Some(-1e308)],
        vec![Some(1e307); 3],
        vec![Some(42.0); 4],
        vec![Some(0.0); 4],
        vec![Some(f64::MIN_POSITIVE), Some(-0.0)],
        vec![None, None],
        vec![],
    ];
    let mut rng = fastrand::Rng::with_seed(12);
    for _ in 0..40 {
        let len = rng.usize(0..6);
        inputs.push(
            (0..len)
                .map(|_| rng.bool().then(|| f64::from_bits(rng.u64(..))))
                .collect(),
        );
    }
    inputs
}

fn labels(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{:02}/2021", i + 1)).collect()
}

#[test]
fn svg_charts_of_any_values_are_drawn() {
    for (i, values) in hostile_inputs().into_iter().enumerate() {
        let series = [Series {
            name: "Đơn vị".into(),
            values: values.clone(),
            stroke: Stroke::Solid,
        }];
        let title = format!("Thử {i}");
        let labels = labels(values.len());
        let line = line_chart(&title, "%", &labels, &series, (320, 160)).unwrap();
        let bars = bar_chart(&title, &labels, &series, (320, 160)).unwrap();
        let flat: Vec<f64> = values.iter().flatten().copied().collect();
        let spread = distribution_chart(&title, "%", &flat, (320, 160)).unwrap();
        for svg in [&line, &bars, &spread] {
            assert!(svg.starts_with("<svg"), "input {i}: {values:?}");
        }
        let wild = values
            .iter()
            .flatten()
            .any(|v| !v.is_finite() || v.abs() > super::PLOTTABLE_LIMIT);
        assert_eq!(
            line.contains(&out_of_range_note()),
            wild,
            "input {i}: {values:?}"
        );
    }
}

#[test]
fn png_charts_of_any_values_are_drawn() {
    for (i, values) in hostile_inputs().into_iter().enumerate() {
        let chart = SeriesChart {
            title: format!("Thử {i}"),
            months: labels(values.len()),
            unit_label: "Đơn vị".into(),
            unit: values.clone(),
            target_label: "Chỉ tiêu".into(),
            target: values.iter().rev().copied().collect(),
            national_label: "Cả nước".into(),
            national: vec![None; values.len()],
        };
        let png = series_png(&chart, Path::new(FONT)).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "input {i}: {values:?}");
    }
}
