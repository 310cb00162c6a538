//! Closed sets shared by several endpoints, and small shared wire objects.

use crate::choice::choice;
use serde::{Deserialize, Serialize};

choice!(
    /// Output shape `width:height`; each endpoint allows a subset.
    AspectRatio {
        R16x9 = "16:9",
        R9x16 = "9:16",
        R1x1 = "1:1",
        R4x3 = "4:3",
        R3x4 = "3:4",
        R3x2 = "3:2",
        R2x3 = "2:3",
        R21x9 = "21:9",
        /// Chosen by the model from the inputs.
        Auto = "auto",
    }
);

impl AspectRatio {
    /// Width and height in ratio units, or `None` for `auto`.
    pub fn dimensions(self) -> Option<(u32, u32)> {
        use AspectRatio::*;
        Some(match self {
            R16x9 => (16, 9),
            R9x16 => (9, 16),
            R1x1 => (1, 1),
            R4x3 => (4, 3),
            R3x4 => (3, 4),
            R3x2 => (3, 2),
            R2x3 => (2, 3),
            R21x9 => (21, 9),
            Auto => return None,
        })
    }

    /// Every fixed ratio (all but `auto`).
    pub const FIXED: &'static [AspectRatio] = &[
        AspectRatio::R16x9,
        AspectRatio::R9x16,
        AspectRatio::R1x1,
        AspectRatio::R4x3,
        AspectRatio::R3x4,
        AspectRatio::R3x2,
        AspectRatio::R2x3,
        AspectRatio::R21x9,
    ];
}

choice!(
    /// Output resolution; `4k` only for `kling-v3-omni`.
    Resolution { K1 = "1k", K2 = "2k", K4 = "4k" }
);

impl Resolution {
    /// Pixels on the long side of an output image.
    pub fn long_side(self) -> u32 {
        match self {
            Resolution::K1 => 1024,
            Resolution::K2 => 2048,
            Resolution::K4 => 4096,
        }
    }

    /// The resolutions every image endpoint takes.
    pub const STANDARD: &'static [Resolution] = &[Resolution::K1, Resolution::K2];
}

/// Whether the upstream should also produce watermarked copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WatermarkInfo {
    pub enabled: bool,
}
