//! Random augmentation of training images: one bilinear resampling that flips, rotates and
//! shifts. Where the transformed image uncovers the frame, the nearest edge pixel is repeated
//! (the background for both MNIST's black and a drawing's white, where a constant would draw
//! bars of the wrong colour).

use super::images::ImageShape;
use super::summary::Augment;

/// One random augmentation of an image (`shape.image_size()` bytes, channel-last): a
/// horizontal flip with probability ½ when enabled, a rotation about the centre uniform in
/// ±`max_rotation_degrees`, then a whole-pixel shift uniform in ±`max_shift` in x and y,
/// resampled once (bilinear); uncovered pixels repeat the nearest edge pixel.
///
/// The same rng state gives the same result. The output has the input's length; input
/// that does not match `shape` is returned unchanged.
pub fn augment(
    pixels: &[u8],
    shape: ImageShape,
    augment: &Augment,
    rng: &mut impl rand::Rng,
) -> Vec<u8> {
    if augment.is_none() || pixels.len() != shape.image_size() {
        return pixels.to_vec();
    }
    let flip = augment.flip_horizontal && rng.random_bool(0.5);
    let limit = augment.rotation_limit();
    let degrees = if limit > 0.0 {
        rng.random_range(-limit..=limit)
    } else {
        0.0
    };
    let max_shift = augment.max_shift.min(shape.width.max(shape.height)) as i32;
    let (dx, dy) = if max_shift > 0 {
        (
            rng.random_range(-max_shift..=max_shift),
            rng.random_range(-max_shift..=max_shift),
        )
    } else {
        (0, 0)
    };
    transform(pixels, shape, flip, degrees, dx, dy)
}

/// The image moved `dx` pixels right and `dy` down; uncovered pixels repeat the edge.
pub fn shift(pixels: &[u8], shape: ImageShape, dx: i32, dy: i32) -> Vec<u8> {
    transform(pixels, shape, false, 0.0, dx, dy)
}

/// The image rotated `degrees` counter-clockwise (as seen on screen) about its centre,
/// sampled bilinearly; uncovered pixels repeat the edge.
pub fn rotate(pixels: &[u8], shape: ImageShape, degrees: f32) -> Vec<u8> {
    transform(pixels, shape, false, degrees, 0, 0)
}

/// The image mirrored left to right.
pub fn flip_horizontal(pixels: &[u8], shape: ImageShape) -> Vec<u8> {
    transform(pixels, shape, true, 0.0, 0, 0)
}

/// Flip, then rotate about the centre, then shift, in one bilinear resampling with the
/// edges repeated. Input that does not match `shape` comes back unchanged.
fn transform(
    pixels: &[u8],
    shape: ImageShape,
    flip: bool,
    degrees: f32,
    dx: i32,
    dy: i32,
) -> Vec<u8> {
    let (width, height) = (shape.width as usize, shape.height as usize);
    let channels = shape.channels as usize;
    if width == 0 || height == 0 || channels == 0 || pixels.len() != shape.image_size() {
        return pixels.to_vec();
    }
    let (sin, cos) = f64::from(degrees).to_radians().sin_cos();
    let (max_x, max_y) = ((width - 1) as f64, (height - 1) as f64);
    let (centre_x, centre_y) = (max_x / 2.0, max_y / 2.0);
    // Exact whole pixels stay exact (cos 90° is not quite 0 in floating point).
    let snap = |value: f64| {
        if (value - value.round()).abs() < 1e-6 {
            value.round()
        } else {
            value
        }
    };
    let mut out = vec![0u8; pixels.len()];
    for y in 0..height {
        for x in 0..width {
            // Undo the shift, then the rotation, then the flip, to find the source point.
            let u = x as f64 - f64::from(dx) - centre_x;
            let v = y as f64 - f64::from(dy) - centre_y;
            let mut source_x = u * cos - v * sin + centre_x;
            let source_y = u * sin + v * cos + centre_y;
            if flip {
                source_x = max_x - source_x;
            }
            let source_x = snap(source_x).clamp(0.0, max_x);
            let source_y = snap(source_y).clamp(0.0, max_y);
            let (x0, y0) = (source_x.floor() as usize, source_y.floor() as usize);
            let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(height - 1));
            let (fx, fy) = (source_x - x0 as f64, source_y - y0 as f64);
            for channel in 0..channels {
                let at = |px: usize, py: usize| {
                    f64::from(pixels[(py * width + px) * channels + channel])
                };
                let top = at(x0, y0) * (1.0 - fx) + at(x1, y0) * fx;
                let bottom = at(x0, y1) * (1.0 - fx) + at(x1, y1) * fx;
                let value = top * (1.0 - fy) + bottom * fy;
                out[(y * width + x) * channels + channel] = value.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn at(pixels: &[u8], shape: ImageShape, x: u32, y: u32) -> &[u8] {
        let c = shape.channels as usize;
        let start = ((y * shape.width + x) as usize) * c;
        &pixels[start..start + c]
    }

    /// A 4x3 RGB image with distinct pixels: pixel (x, y) is [x*60, y*100, 7].
    fn grid() -> (Vec<u8>, ImageShape) {
        let shape = ImageShape {
            width: 4,
            height: 3,
            channels: 3,
        };
        let pixels = (0..3u8)
            .flat_map(|y| (0..4u8).flat_map(move |x| [x * 60, y * 100, 7]))
            .collect();
        (pixels, shape)
    }

    #[test]
    fn augmentation_basics() {
        let (pixels, shape) = grid();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert!(Augment::default().is_none());
        assert_eq!(
            augment(&pixels, shape, &Augment::default(), &mut rng),
            pixels
        );

        let flipped = flip_horizontal(&pixels, shape);
        for y in 0..3 {
            for x in 0..4 {
                assert_eq!(at(&flipped, shape, x, y), at(&pixels, shape, 3 - x, y));
            }
        }
        let flip = Augment {
            flip_horizontal: true,
            ..Augment::default()
        };
        let outcomes: Vec<bool> = (0..32)
            .map(|_| {
                let out = augment(&pixels, shape, &flip, &mut rng);
                assert!(out == pixels || out == flipped);
                out == flipped
            })
            .collect();
        assert!(outcomes.contains(&true) && outcomes.contains(&false));

        let all = Augment {
            max_shift: 2,
            max_rotation_degrees: 15.0,
            flip_horizontal: true,
        };
        assert!(!all.is_none());
        let a = augment(&pixels, shape, &all, &mut ChaCha8Rng::seed_from_u64(7));
        let b = augment(&pixels, shape, &all, &mut ChaCha8Rng::seed_from_u64(7));
        assert_eq!(a, b, "deterministic for a seed");
        assert_eq!(a.len(), pixels.len());
        let gray = vec![3u8; 28 * 28];
        assert_eq!(
            augment(&gray, ImageShape::GRAY_28, &all, &mut rng).len(),
            gray.len()
        );
        // Input that does not match the shape comes back unchanged.
        assert_eq!(
            augment(&[1, 2, 3], ImageShape::GRAY_28, &all, &mut rng),
            [1, 2, 3]
        );
    }

    #[test]
    fn shift_moves_pixels_and_repeats_the_edge() {
        let (pixels, shape) = grid();
        let moved = shift(&pixels, shape, 2, 1);
        assert_eq!(at(&moved, shape, 3, 2), at(&pixels, shape, 1, 1));
        assert_eq!(at(&moved, shape, 2, 1), at(&pixels, shape, 0, 0));
        // Uncovered pixels repeat the nearest edge pixel.
        assert_eq!(at(&moved, shape, 0, 0), at(&pixels, shape, 0, 0));
        assert_eq!(at(&moved, shape, 1, 2), at(&pixels, shape, 0, 1));
        let back = shift(&pixels, shape, -1, 0);
        assert_eq!(at(&back, shape, 0, 0), at(&pixels, shape, 1, 0));
        assert_eq!(at(&back, shape, 3, 0), at(&pixels, shape, 3, 0));
        assert_eq!(shift(&pixels, shape, 0, 0), pixels);
    }

    #[test]
    fn rotation() {
        let (pixels, shape) = grid();
        assert_eq!(rotate(&pixels, shape, 0.0), pixels);
        let square = ImageShape {
            width: 5,
            height: 5,
            channels: 1,
        };
        let mut corner = vec![0u8; 25];
        corner[0] = 255; // top left
        corner[4] = 100; // top right
        let turned = rotate(&corner, square, 90.0);
        // Counter-clockwise: top left goes to bottom left, top right to top left.
        assert_eq!(at(&turned, square, 0, 4)[0], 255);
        assert_eq!(at(&turned, square, 0, 0)[0], 100);
        assert_eq!(turned.iter().map(|&v| u32::from(v)).sum::<u32>(), 355);
        assert_eq!(rotate(&turned, square, -90.0), corner);
        // A small angle blends neighbours but keeps the centre.
        let mut dot = vec![0u8; 25];
        dot[12] = 200;
        assert_eq!(at(&rotate(&dot, square, 10.0), square, 2, 2)[0], 200);
    }
}
