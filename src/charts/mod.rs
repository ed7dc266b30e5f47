//! Charts drawn with plotters: SVG for the pages. Text is measured with the
//! DejaVu Sans font Debian ships (`fonts-dejavu-core`, installed by
//! scripts/deps.sh), which has every Vietnamese glyph.

mod font;
pub mod svg;

pub use font::{ensure_font, FontError, FONT_FAMILY};
