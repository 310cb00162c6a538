//! Real result images for the simulator: a PNG of the requested size whose colours and
//! shapes follow from a seed, so each result looks different and is reproducible.

use omni_api::{AspectRatio, Resolution};

/// Pixel size for an aspect ratio and resolution: the long side is the resolution's
/// (1k = 1024 px), the short side follows the ratio; `auto` renders square.
pub fn dimensions(ratio: AspectRatio, resolution: Resolution) -> (u32, u32) {
    let long = resolution.long_side();
    let (w, h) = ratio.dimensions().unwrap_or((1, 1));
    if w >= h {
        (long, (long * h + w / 2) / w)
    } else {
        ((long * w + h / 2) / h, long)
    }
}

/// Encodes a `width` x `height` PNG drawn from `seed`.
pub fn png(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        enc.set_filter(png::FilterType::Sub);
        // Writing into a Vec cannot fail once the header is valid, and sizes are > 0.
        let mut writer = enc.write_header().expect("valid PNG header");
        writer
            .write_image_data(&pixels(width, height, seed))
            .expect("in-memory PNG write");
    }
    out
}

fn pixels(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let hue = (seed % 360) as f32;
    let a = hsv(hue, 0.55, 0.95);
    let b = hsv((hue + 140.0) % 360.0, 0.65, 0.45);
    let c = hsv((hue + 220.0) % 360.0, 0.7, 0.9);
    let (w, h) = (width as f32, height as f32);
    // A sun and a horizon: enough structure to tell results apart at a glance.
    let (cx, cy, r) = (
        w * (0.3 + (seed >> 8) as f32 % 40.0 / 100.0),
        h * 0.4,
        w.min(h) * 0.18,
    );
    let horizon = h * 0.68;
    let mut px = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        let fy = y as f32;
        let t = fy / h;
        let sky = mix(a, b, t);
        for x in 0..width {
            let fx = x as f32;
            let d = ((fx - cx).powi(2) + (fy - cy).powi(2)).sqrt();
            let colour = if fy > horizon {
                let wave = ((fx / w * 12.0 + fy / h * 30.0).sin() * 0.5 + 0.5) * 0.25;
                mix(b, [0.05, 0.05, 0.1], 0.5 + wave)
            } else if d < r {
                c
            } else {
                let glow = (1.0 - ((d - r) / (r * 1.5)).min(1.0)) * 0.35;
                mix(sky, c, glow)
            };
            px.extend(colour.iter().map(|v| (v.clamp(0.0, 1.0) * 255.0) as u8));
        }
    }
    px
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn hsv(h: f32, s: f32, v: f32) -> [f32; 3] {
    let c = v * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = v - c;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    [r + m, g + m, b + m]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_ratio_and_resolution() {
        assert_eq!(dimensions(AspectRatio::R16x9, Resolution::K1), (1024, 576));
        assert_eq!(dimensions(AspectRatio::R9x16, Resolution::K2), (1152, 2048));
        assert_eq!(dimensions(AspectRatio::R1x1, Resolution::K1), (1024, 1024));
        assert_eq!(dimensions(AspectRatio::R21x9, Resolution::K1), (1024, 439));
        assert_eq!(dimensions(AspectRatio::Auto, Resolution::K1), (1024, 1024));
    }

    #[test]
    fn renders_a_decodable_png_of_that_size() {
        let bytes = png(400, 300, 7);
        let info = omni_api::media::inspect(&bytes).expect("a PNG");
        assert_eq!((info.width, info.height), (400, 300));
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = decoder.read_info().expect("decodes");
        assert_eq!((reader.info().width, reader.info().height), (400, 300));
    }
}
