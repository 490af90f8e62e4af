//! The embedded DejaVu Sans font, registered with plotters once per process.
//!
//! plotters' `ab_glyph` text path looks fonts up in its own table only, so figures render the
//! same on a machine with no system fonts at all.

use crate::FigureError;
use plotters::style::{register_font, FontStyle};
use std::sync::OnceLock;

/// The family name every text style of the figures uses.
pub(crate) const FAMILY: &str = "sans-serif";

/// Registers DejaVu Sans (regular and bold) as [`FAMILY`]; later calls do nothing.
pub(crate) fn ensure_registered() -> Result<(), FigureError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        register_font(FAMILY, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && register_font(FAMILY, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(FigureError::Font { name: FAMILY })
    }
}
