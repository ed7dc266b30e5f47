//! A unit's monthly series of one indicator against its target and the
//! national pooled rate, as a PNG for the mail.

use std::path::Path;

use plotters::prelude::*;

use super::range::{axis_top, out_of_range_note, plottable};
use super::ChartError;
use crate::domain::number;

/// The stated size of the mail chart, in pixels.
pub const CHART_WIDTH: u32 = 640;
pub const CHART_HEIGHT: u32 = 320;

/// One chart: a label per month and up to three lines (a `None` is a gap).
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesChart {
    pub title: String,
    /// `06/2021`…, one per point.
    pub months: Vec<String>,
    pub unit_label: String,
    pub unit: Vec<Option<f64>>,
    pub target_label: String,
    pub target: Vec<Option<f64>>,
    pub national_label: String,
    pub national: Vec<Option<f64>>,
}

/// The font plotters draws text with (`charts::font`, shared with the pages).
fn font(path: &Path) -> Result<(), ChartError> {
    super::font::ensure_font_at(path).map_err(|e| ChartError::Font {
        path: e.path,
        message: e.reason,
    })
}

/// Draws `chart` as a `CHART_WIDTH` × `CHART_HEIGHT` PNG.
pub fn series_png(chart: &SeriesChart, font_path: &Path) -> Result<Vec<u8>, ChartError> {
    font(font_path)?;
    let (w, h) = (CHART_WIDTH, CHART_HEIGHT);
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    draw(chart, &mut rgb).map_err(|message| ChartError::Draw {
        title: chart.title.clone(),
        message,
    })?;
    encode_png(&rgb, w, h).map_err(|e| ChartError::Draw {
        title: chart.title.clone(),
        message: e.to_string(),
    })
}

fn draw(chart: &SeriesChart, rgb: &mut [u8]) -> Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let root = BitMapBackend::with_buffer(rgb, (CHART_WIDTH, CHART_HEIGHT)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let n = chart.months.len().max(1);
    let (unit, d1) = plottable(&chart.unit);
    let (target, d2) = plottable(&chart.target);
    let (national, d3) = plottable(&chart.national);
    let top = unit
        .iter()
        .chain(&target)
        .chain(&national)
        .flatten()
        .fold(0.0f64, |m, v| m.max(*v));
    let y_max = if top <= 100.0 {
        100.0
    } else {
        axis_top(top * 1.1, 100.0)
    };
    let mut ctx = ChartBuilder::on(&root)
        .caption(&chart.title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(28)
        .y_label_area_size(40)
        .build_cartesian_2d(0..n as i32 - 1 + i32::from(n == 1), 0.0..y_max)
        .map_err(|x| e(&x))?;
    let months = chart.months.clone();
    ctx.configure_mesh()
        .x_labels(n.min(12))
        .x_label_formatter(&|i| months.get(*i as usize).cloned().unwrap_or_default())
        .y_label_formatter(&|v| number::tick(*v))
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(|x| e(&x))?;
    let lines: [(&str, &Vec<Option<f64>>, RGBColor); 3] = [
        (&chart.unit_label, &unit, RGBColor(0x1f, 0x5f, 0xbf)),
        (&chart.target_label, &target, RGBColor(0xd0, 0x30, 0x30)),
        (&chart.national_label, &national, RGBColor(0x60, 0x60, 0x60)),
    ];
    for (label, values, colour) in lines {
        let points: Vec<(i32, f64)> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| Some((i as i32, (*v)?)))
            .collect();
        if points.is_empty() {
            continue;
        }
        ctx.draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
            .map_err(|x| e(&x))?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2))
            });
        ctx.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 3, colour.filled())),
        )
        .map_err(|x| e(&x))?;
    }
    ctx.configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(|x| e(&x))?;
    if d1 || d2 || d3 {
        let style = TextStyle::from(("sans-serif", 12).into_font()).color(&RED);
        let y = i32::try_from(CHART_HEIGHT).unwrap_or(i32::MAX) - 16;
        root.draw_text(&out_of_range_note(), &style, (8, y))
            .map_err(|x| e(&x))?;
    }
    root.present().map_err(|x| e(&x))?;
    Ok(())
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_is_a_png_of_the_stated_size_with_vietnamese_labels() {
        let font = Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
        let chart = SeriesChart {
            title: "Tỷ lệ hồ sơ tiếp nhận trực tuyến — Tỉnh Hà Giang".into(),
            months: vec!["05/2021".into(), "06/2021".into(), "07/2021".into()],
            unit_label: "Đơn vị".into(),
            unit: vec![Some(40.0), None, Some(60.0)],
            target_label: "Chỉ tiêu".into(),
            target: vec![Some(50.0); 3],
            national_label: "Cả nước (gộp)".into(),
            national: vec![Some(45.0), Some(47.5), Some(52.0)],
        };
        let png = series_png(&chart, font).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((width, height), (CHART_WIDTH, CHART_HEIGHT));
    }
}
