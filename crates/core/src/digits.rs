//! A drawing turned into an MNIST digit: MNIST's digits were fitted into a 20x20 box
//! (keeping their aspect ratio, anti-aliased) and then placed in a 28x28 image so that
//! their centre of mass is at the centre. A digit drawn on the page's pad gets the same
//! treatment before the model sees it, or a model trained on MNIST would see a digit
//! unlike any it learned from.

/// The side of an MNIST image.
pub const SIDE: usize = 28;
/// The side of the box a digit is fitted into.
pub const BOX: usize = 20;
/// Ink below this (0 to 1) does not count when finding the digit's bounds.
const INK: f32 = 0.05;

/// `ink` holds `width * height` values from 0 (paper) to 1 (ink), row by row. Returns the
/// 28x28 MNIST-style image (row by row, 0 to 1), or `None` when nothing is drawn.
pub fn to_mnist(ink: &[f32], width: usize, height: usize) -> Option<Vec<f32>> {
    if width == 0 || height == 0 || ink.len() != width * height {
        return None;
    }
    // The bounding box of the ink.
    let (mut left, mut top, mut right, mut bottom) = (width, height, 0, 0);
    for y in 0..height {
        for x in 0..width {
            if ink[y * width + x] > INK {
                left = left.min(x);
                right = right.max(x);
                top = top.min(y);
                bottom = bottom.max(y);
            }
        }
    }
    if left > right {
        return None;
    }
    let (box_width, box_height) = ((right - left + 1) as f32, (bottom - top + 1) as f32);
    let scale = BOX as f32 / box_width.max(box_height);
    let out_width = ((box_width * scale).round() as usize).clamp(1, BOX);
    let out_height = ((box_height * scale).round() as usize).clamp(1, BOX);

    // Resample the box to out_width x out_height: each output pixel averages 4x4 bilinear
    // samples over the source area it covers (anti-aliased when shrinking, smooth when
    // growing).
    const SUB: usize = 4;
    let sample = |x: f32, y: f32| -> f32 {
        let x = x.clamp(0.0, (width - 1) as f32);
        let y = y.clamp(0.0, (height - 1) as f32);
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(height - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let at = |x: usize, y: usize| ink[y * width + x];
        (at(x0, y0) * (1.0 - fx) + at(x1, y0) * fx) * (1.0 - fy)
            + (at(x0, y1) * (1.0 - fx) + at(x1, y1) * fx) * fy
    };
    let step_x = box_width / out_width as f32;
    let step_y = box_height / out_height as f32;
    let mut patch = vec![0.0f32; out_width * out_height];
    for oy in 0..out_height {
        for ox in 0..out_width {
            let mut total = 0.0;
            for sy in 0..SUB {
                for sx in 0..SUB {
                    let x =
                        left as f32 - 0.5 + (ox as f32 + (sx as f32 + 0.5) / SUB as f32) * step_x;
                    let y =
                        top as f32 - 0.5 + (oy as f32 + (sy as f32 + 0.5) / SUB as f32) * step_y;
                    total += sample(x, y);
                }
            }
            patch[oy * out_width + ox] = (total / (SUB * SUB) as f32).clamp(0.0, 1.0);
        }
    }

    // Place the patch so that its centre of mass falls on the image's centre.
    let mass: f32 = patch.iter().sum();
    let (mut cx, mut cy) = (out_width as f32 / 2.0, out_height as f32 / 2.0);
    if mass > 0.0 {
        cx = 0.0;
        cy = 0.0;
        for y in 0..out_height {
            for x in 0..out_width {
                let value = patch[y * out_width + x];
                cx += (x as f32 + 0.5) * value;
                cy += (y as f32 + 0.5) * value;
            }
        }
        cx /= mass;
        cy /= mass;
    }
    let centre = SIDE as f32 / 2.0;
    let place = |centre_of_mass: f32, size: usize| -> usize {
        ((centre - centre_of_mass).round().max(0.0) as usize).min(SIDE - size)
    };
    let (dx, dy) = (place(cx, out_width), place(cy, out_height));
    let mut image = vec![0.0f32; SIDE * SIDE];
    for y in 0..out_height {
        for x in 0..out_width {
            image[(y + dy) * SIDE + x + dx] = patch[y * out_width + x];
        }
    }
    Some(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A canvas with a filled rectangle of ink.
    fn canvas(width: usize, height: usize, rect: (usize, usize, usize, usize)) -> Vec<f32> {
        let (left, top, right, bottom) = rect;
        let mut ink = vec![0.0; width * height];
        for y in top..bottom {
            for x in left..right {
                ink[y * width + x] = 1.0;
            }
        }
        ink
    }

    fn bounds(image: &[f32]) -> (usize, usize, usize, usize) {
        let (mut left, mut top, mut right, mut bottom) = (SIDE, SIDE, 0, 0);
        for y in 0..SIDE {
            for x in 0..SIDE {
                if image[y * SIDE + x] > 0.5 {
                    left = left.min(x);
                    right = right.max(x);
                    top = top.min(y);
                    bottom = bottom.max(y);
                }
            }
        }
        (left, top, right, bottom)
    }

    fn centre_of_mass(image: &[f32]) -> (f32, f32) {
        let mass: f32 = image.iter().sum();
        let (mut cx, mut cy) = (0.0, 0.0);
        for y in 0..SIDE {
            for x in 0..SIDE {
                cx += (x as f32 + 0.5) * image[y * SIDE + x];
                cy += (y as f32 + 0.5) * image[y * SIDE + x];
            }
        }
        (cx / mass, cy / mass)
    }

    #[test]
    fn nothing_drawn_is_no_digit() {
        assert_eq!(to_mnist(&vec![0.0; 100 * 100], 100, 100), None);
        assert_eq!(to_mnist(&[1.0; 3], 2, 2), None, "wrong length");
    }

    #[test]
    fn a_stroke_in_a_corner_is_fitted_and_centred() {
        // A tall bar (40 wide, 120 high) in the top-left of a 280x280 pad.
        let ink = canvas(280, 280, (10, 5, 50, 125));
        let image = to_mnist(&ink, 280, 280).unwrap();
        assert_eq!(image.len(), 784);
        let (left, top, right, bottom) = bounds(&image);
        assert_eq!(bottom - top + 1, 20, "the long side fills the 20-pixel box");
        let width = right - left + 1;
        assert!((6..=8).contains(&width), "aspect ratio kept: {width}");
        let (cx, cy) = centre_of_mass(&image);
        assert!(
            (cx - 14.0).abs() <= 0.5 && (cy - 14.0).abs() <= 0.5,
            "{cx} {cy}"
        );
        assert!(image.iter().all(|&v| (0.0..=1.0).contains(&v)));
    }

    #[test]
    fn a_small_dot_grows_and_a_big_square_shrinks_to_the_box() {
        for rect in [(100, 100, 104, 104), (0, 0, 280, 280)] {
            let image = to_mnist(&canvas(280, 280, rect), 280, 280).unwrap();
            let (left, top, right, bottom) = bounds(&image);
            assert_eq!((right - left + 1, bottom - top + 1), (20, 20), "{rect:?}");
            assert_eq!((left, top), (4, 4), "{rect:?}");
        }
    }

    #[test]
    fn the_centre_of_mass_not_the_box_is_centred() {
        // An "L": the bottom bar pulls the mass down, so the box sits higher.
        let mut ink = canvas(200, 200, (50, 20, 60, 180));
        for y in 165..180 {
            for x in 50..110 {
                ink[y * 200 + x] = 1.0;
            }
        }
        let image = to_mnist(&ink, 200, 200).unwrap();
        let (_, top, _, bottom) = bounds(&image);
        let (_, cy) = centre_of_mass(&image);
        assert!((cy - 14.0).abs() <= 0.6, "{cy}");
        assert!(top + bottom < 27, "box shifted up: {top}..{bottom}");
    }
}
