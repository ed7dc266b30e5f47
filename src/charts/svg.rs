//! SVG charts for the pages: monthly series against a target line, and the
//! distribution of a value across units. Missing months break the line; they
//! are never drawn as 0.

use plotters::coord::Shift;
use plotters::prelude::*;

use std::sync::OnceLock;

use super::range::{axis_top, drawable, note};
use super::{ensure_font, FONT_FAMILY};
use crate::domain::kept::Kept;
use crate::domain::number;

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error(transparent)]
    Font(#[from] super::FontError),
    #[error("drawing chart '{title}': {message}")]
    Draw { title: String, message: String },
}

fn drawing(title: &str, e: &dyn std::fmt::Display) -> ChartError {
    ChartError::Draw {
        title: title.to_string(),
        message: e.to_string(),
    }
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stroke {
    Solid,
    /// Targets and plans.
    Dashed,
}

#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    /// One value per label of the chart; `None` = no data that month.
    pub values: Vec<Option<f64>>,
    pub stroke: Stroke,
}

pub(super) const PALETTE: [RGBColor; 5] = [
    RGBColor(0x1f, 0x5f, 0xa8),
    RGBColor(0xc0, 0x39, 0x2b),
    RGBColor(0x2e, 0x8b, 0x57),
    RGBColor(0x8e, 0x44, 0xad),
    RGBColor(0xd3, 0x8b, 0x00),
];

/// A line chart over `labels` (e.g. months), y from 0 to at least 100 for rates.
pub fn line_chart(
    title: &str,
    y_label: &str,
    labels: &[String],
    series: &[Series],
    size: (u32, u32),
) -> Result<String, ChartError> {
    // The same data draws the same chart: a unit page draws 14 of them from
    // published results, and drawing was most of its CPU (`make bench`). The
    // key is everything drawn; Debug prints each f64 exactly.
    static KEPT: OnceLock<Kept<String>> = OnceLock::new();
    let key = format!("{title}\u{1f}{y_label}\u{1f}{labels:?}\u{1f}{series:?}\u{1f}{size:?}");
    KEPT.get_or_init(|| Kept::new(CHARTS_KEPT))
        .get_or_try(key, || {
            draw_line_chart(title, y_label, labels, series, size)
        })
}

/// Charts kept: a unit page's 14 for a few hundred units and ranges.
const CHARTS_KEPT: usize = 4096;

fn draw_line_chart(
    title: &str,
    y_label: &str,
    labels: &[String],
    series: &[Series],
    size: (u32, u32),
) -> Result<String, ChartError> {
    ensure_font()?;
    let fail = |e: &dyn std::fmt::Display| drawing(title, e);
    let (series, dropped) = drawable(series);
    let top = axis_top(
        series
            .iter()
            .flat_map(|s| s.values.iter().flatten().copied())
            .fold(100.0_f64, f64::max),
        100.0,
    );
    let n = labels.len().max(1) as i32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT_FAMILY, 16))
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(44)
            .build_cartesian_2d(-0.5_f64..(f64::from(n) - 0.5), 0.0..top * 1.05)
            .map_err(|e| fail(&e))?;
        let label_of = |x: &f64| index_label(labels, *x);
        chart
            .configure_mesh()
            .x_labels(labels.len().min(12))
            .x_label_formatter(&label_of)
            .y_label_formatter(&|v| crate::domain::lang::Lang::current().digits(&number::tick(*v)))
            .y_desc(y_label)
            .label_style((FONT_FAMILY, 11))
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            // The grid at the labels only: the minor lines between labels were
            // half of each chart's bytes, and the unit page (14+ charts, 537 KB)
            // was bound by its size under load (docs/bench-notes.md).
            .max_light_lines(1)
            .draw()
            .map_err(|e| fail(&e))?;
        for (k, s) in series.iter().enumerate() {
            let colour = PALETTE[k % PALETTE.len()];
            let style = ShapeStyle::from(&colour).stroke_width(2);
            let mut labelled = false;
            for run in runs(&s.values) {
                let drawn = match s.stroke {
                    Stroke::Solid => chart.draw_series(LineSeries::new(run.clone(), style)),
                    Stroke::Dashed => {
                        chart.draw_series(DashedLineSeries::new(run.clone(), 6, 4, style))
                    }
                }
                .map_err(|e| fail(&e))?;
                if !labelled {
                    drawn
                        .label(s.name.as_str())
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
                    labelled = true;
                }
                // A lone month shows as a dot, so it is not lost between gaps.
                chart
                    .draw_series(run.iter().map(|p| Circle::new(*p, 3, colour.filled())))
                    .map_err(|e| fail(&e))?;
            }
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight).map_err(|e| fail(&e))?;
        if dropped {
            note(&root, size).map_err(|e| fail(&e))?;
        }
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}

/// The legend box every chart draws, at `position`.
fn legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(0xcc, 0xcc, 0xcc))
        .label_font((FONT_FAMILY, 11))
        .draw()
}

/// The label at a whole x (charts place label i at x = i); none between.
fn index_label(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    labels.get(i as usize).cloned().unwrap_or_default()
}

/// Consecutive months with data, as chart points.
fn runs(values: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => current.push((i as f64, *v)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Grouped bars: one group per label, one bar per series.
pub fn bar_chart(
    title: &str,
    labels: &[String],
    series: &[Series],
    size: (u32, u32),
) -> Result<String, ChartError> {
    ensure_font()?;
    let fail = |e: &dyn std::fmt::Display| drawing(title, e);
    let (series, dropped) = drawable(series);
    let top = axis_top(
        series
            .iter()
            .flat_map(|s| s.values.iter().flatten().copied())
            .fold(0.0_f64, f64::max),
        1.0,
    );
    let n = labels.len().max(1);
    let width = 0.8 / series.len().max(1) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT_FAMILY, 16))
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(54)
            .build_cartesian_2d(-0.5_f64..(n as f64 - 0.5), 0.0..top * 1.1)
            .map_err(|e| fail(&e))?;
        let label_of = |x: &f64| index_label(labels, *x);
        chart
            .configure_mesh()
            .x_labels(n.min(12))
            .x_label_formatter(&label_of)
            .y_label_formatter(&|v| crate::domain::lang::Lang::current().digits(&number::tick(*v)))
            .label_style((FONT_FAMILY, 11))
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .draw()
            .map_err(|e| fail(&e))?;
        for (k, s) in series.iter().enumerate() {
            let colour = PALETTE[k % PALETTE.len()];
            let left = -0.4 + width * k as f64;
            chart
                .draw_series(s.values.iter().enumerate().filter_map(|(i, v)| {
                    let x = i as f64 + left;
                    v.map(|v| Rectangle::new([(x, 0.0), (x + width * 0.9, v)], colour.filled()))
                }))
                .map_err(|e| fail(&e))?
                .label(s.name.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
        }
        if series.len() > 1 || series.iter().any(|s| !s.name.is_empty()) {
            legend(&mut chart, SeriesLabelPosition::UpperRight).map_err(|e| fail(&e))?;
        }
        if dropped {
            note(&root, size).map_err(|e| fail(&e))?;
        }
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}

/// How many units fall in each tenth of 0–100 %, as a bar chart.
pub fn distribution_chart(
    title: &str,
    x_label: &str,
    values: &[f64],
    size: (u32, u32),
) -> Result<String, ChartError> {
    ensure_font()?;
    let fail = |e: &dyn std::fmt::Display| drawing(title, e);
    let mut counts = [0u32; 10];
    let dropped = values.iter().any(|v| !v.is_finite());
    for v in values.iter().filter(|v| v.is_finite()) {
        let bucket = ((v / 10.0).floor().clamp(0.0, 9.0)) as usize;
        counts[bucket] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(0).max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        draw_bars(&root, title, x_label, &counts, top).map_err(|e| fail(&e))?;
        if dropped {
            note(&root, size).map_err(|e| fail(&e))?;
        }
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}

fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    counts: &[u32; 10],
    top: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT_FAMILY, 16))
        .margin(12)
        .x_label_area_size(34)
        .y_label_area_size(40)
        .build_cartesian_2d(0u32..100u32, 0u32..top + 1)?;
    chart
        .configure_mesh()
        .x_labels(11)
        .x_desc(x_label)
        .y_desc(crate::t!("chart-unit-count"))
        .label_style((FONT_FAMILY, 11))
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .draw()?;
    chart.draw_series(counts.iter().enumerate().map(|(i, c)| {
        let x = i as u32 * 10;
        Rectangle::new([(x + 1, 0), (x + 9, *c)], PALETTE[0].filled())
    }))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_months_break_the_line_instead_of_dropping_to_zero() {
        let r = runs(&[Some(1.0), None, Some(3.0), Some(4.0), None]);
        assert_eq!(r, vec![vec![(0.0, 1.0)], vec![(2.0, 3.0), (3.0, 4.0)]]);
    }

    #[test]
    fn a_line_chart_is_svg_with_its_vietnamese_title_and_legend() {
        let labels: Vec<String> = ["2021-04", "2021-05", "2021-06"].map(String::from).to_vec();
        let svg = line_chart(
            "Tỷ lệ hồ sơ trực tuyến",
            "%",
            &labels,
            &[
                Series {
                    name: "Hà Nội".into(),
                    values: vec![Some(40.0), None, Some(60.0)],
                    stroke: Stroke::Solid,
                },
                Series {
                    name: "Chỉ tiêu".into(),
                    values: vec![Some(50.0); 3],
                    stroke: Stroke::Dashed,
                },
            ],
            (640, 320),
        )
        .unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
        for text in ["Tỷ lệ hồ sơ trực tuyến", "Hà Nội", "Chỉ tiêu", "2021-05"] {
            assert!(svg.contains(text), "{text} missing");
        }
        // A grid line per label, no minor lines between them (page size).
        assert!(svg.matches("<line").count() < 40, "{svg}");
    }

    #[test]
    fn a_chart_kept_is_the_chart_of_the_same_data_only() {
        let labels: Vec<String> = ["2021-05", "2021-06"].map(String::from).to_vec();
        let draw = |june: f64| {
            let series = [Series {
                name: "Cao Bằng".into(),
                values: vec![Some(40.0), Some(june)],
                stroke: Stroke::Solid,
            }];
            line_chart("Giữ lại", "%", &labels, &series, (320, 160)).unwrap()
        };
        let first = draw(60.0);
        assert_eq!(draw(60.0), first);
        assert_eq!(
            draw_line_chart(
                "Giữ lại",
                "%",
                &labels,
                &[Series {
                    name: "Cao Bằng".into(),
                    values: vec![Some(40.0), Some(60.0)],
                    stroke: Stroke::Solid,
                }],
                (320, 160)
            )
            .unwrap(),
            first,
            "the kept chart is the one drawn"
        );
        assert_ne!(draw(95.0), first, "other data, another chart");
    }

    #[test]
    fn a_distribution_counts_units_per_tenth() {
        let svg = distribution_chart(
            "Phân bố",
            "Tỷ lệ (%)",
            &[5.0, 15.0, 15.5, 100.0],
            (480, 260),
        )
        .unwrap();
        assert!(svg.contains("Phân bố") && svg.contains("<rect"));
    }
}
