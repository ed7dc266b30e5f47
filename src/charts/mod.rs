//! Charts drawn with plotters: PNG for mails (pages may add SVG later).
//! Text uses a font registered at runtime from a file with Vietnamese glyphs
//! (Debian's fonts-dejavu-core, installed by scripts/deps.sh).

mod series;

pub use series::{series_png, SeriesChart, CHART_HEIGHT, CHART_WIDTH};

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("chart font {path}: {message}")]
    Font { path: String, message: String },
    #[error("drawing the chart '{title}': {message}")]
    Draw { title: String, message: String },
}
