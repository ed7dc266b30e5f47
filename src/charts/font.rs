//! Registers the font plotters measures (and, for PNG, draws) text with.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::style::FontStyle;

/// The family name charts ask for.
pub const FONT_FAMILY: &str = "sans-serif";

/// Where Debian's fonts-dejavu-core puts it; `CHISO_FONT` names another file.
const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

#[derive(Debug, Clone, thiserror::Error)]
#[error("chart font {path}: {reason} (install fonts-dejavu-core, or set CHISO_FONT to a TTF with Vietnamese glyphs)")]
pub struct FontError {
    pub(super) path: String,
    pub(super) reason: String,
}

static REGISTERED: OnceLock<Result<(), FontError>> = OnceLock::new();

/// Loads and registers the font once per process: `CHISO_FONT`, else Debian's.
pub fn ensure_font() -> Result<(), FontError> {
    let path: PathBuf = std::env::var_os("CHISO_FONT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_FONT));
    ensure_font_at(&path)
}

/// Registers the font at `path` once per process; the first call's path wins,
/// as plotters has one font table for pages and mails alike.
pub fn ensure_font_at(path: &Path) -> Result<(), FontError> {
    REGISTERED.get_or_init(|| register(path)).clone()
}

fn register(path: &Path) -> Result<(), FontError> {
    let fail = |reason: String| FontError {
        path: path.display().to_string(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    // plotters keeps fonts for the life of the process; one leak, once.
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    for style in [FontStyle::Normal, FontStyle::Bold] {
        plotters::style::register_font(FONT_FAMILY, style, bytes)
            .map_err(|_| fail("not a font plotters can read".into()))?;
    }
    Ok(())
}
