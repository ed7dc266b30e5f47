//! Charts drawn with plotters: SVG for the pages, PNG for the mails. Text is
//! measured and drawn with a font registered at run time from a file with
//! Vietnamese glyphs (Debian's fonts-dejavu-core, installed by scripts/deps.sh).

mod font;
mod range;
mod series;
pub mod svg;
#[cfg(test)]
mod tests;

pub use font::{ensure_font, FontError, FONT_FAMILY};
pub use range::{out_of_range_note, PLOTTABLE_LIMIT};
pub use series::{series_png, SeriesChart, CHART_HEIGHT, CHART_WIDTH};

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("chart font {path}: {message}")]
    Font { path: String, message: String },
    #[error("drawing the chart '{title}': {message}")]
    Draw { title: String, message: String },
}
