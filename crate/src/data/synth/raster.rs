//! A tiny anti-aliased rasteriser: shapes described by signed distance functions, filled with
//! solid colours or gradients, on an RGB canvas of `f32`s.
//!
//! Why hand-written rather than `imageproc`: the synthetic snacks need rotated ellipses,
//! crescents (one shape minus another), thick strokes and gradients, all anti-aliased, and a
//! signed distance gives all of that in one small function per shape (`imageproc`'s filled
//! shapes are aliased, and it would add a dozen crates to the build for a few hundred lines).
//!
//! Shapes are defined in an object's *local* frame (about −1..1) and drawn through a [`Frame`]
//! that places, scales and rotates them on the canvas.

use image::{Rgb, RgbImage};

/// A 2-D point or vector.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct V2 {
    pub x: f32,
    pub y: f32,
}

/// Shorthand for [`V2`].
pub const fn v2(x: f32, y: f32) -> V2 {
    V2 { x, y }
}

impl V2 {
    fn sub(self, o: V2) -> V2 {
        v2(self.x - o.x, self.y - o.y)
    }
    fn add(self, o: V2) -> V2 {
        v2(self.x + o.x, self.y + o.y)
    }
    fn scale(self, s: f32) -> V2 {
        v2(self.x * s, self.y * s)
    }
    fn dot(self, o: V2) -> f32 {
        self.x * o.x + self.y * o.y
    }
    fn len(self) -> f32 {
        self.dot(self).sqrt()
    }
    /// This vector rotated by the angle whose cosine and sine are given.
    fn rotate(self, cos: f32, sin: f32) -> V2 {
        v2(self.x * cos - self.y * sin, self.x * sin + self.y * cos)
    }
}

/// A colour, each channel 0..1.
pub type Color = [f32; 3];

/// A colour from 0..255 channels.
pub fn rgb(r: u8, g: u8, b: u8) -> Color {
    [r as f32 / 255.0, g as f32 / 255.0, b as f32 / 255.0]
}

/// `a` and `b` mixed: `t = 0` gives `a`, `t = 1` gives `b`.
pub fn mix(a: Color, b: Color, t: f32) -> Color {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

/// `c` made lighter (`amount > 0`, towards white) or darker (`amount < 0`, towards black).
pub fn shade(c: Color, amount: f32) -> Color {
    if amount >= 0.0 {
        mix(c, [1.0; 3], amount)
    } else {
        mix(c, [0.0; 3], -amount)
    }
}

/// A shape, as a signed distance: negative inside, positive outside, in local units.
#[derive(Clone, Debug)]
pub enum Shape {
    Circle {
        c: V2,
        r: f32,
    },
    /// An ellipse with radii `rx`, `ry`, turned by `angle` radians.
    Ellipse {
        c: V2,
        rx: f32,
        ry: f32,
        angle: f32,
    },
    /// A closed polygon (any winding, may be concave).
    Poly(Vec<V2>),
    /// A thick line with round ends: every point within `r` of the segment `a`–`b`.
    Capsule {
        a: V2,
        b: V2,
        r: f32,
    },
    /// The first shape with the second cut out of it.
    Minus(Box<Shape>, Box<Shape>),
    /// Where both shapes overlap.
    And(Box<Shape>, Box<Shape>),
}

impl Shape {
    /// A circle.
    pub fn circle(x: f32, y: f32, r: f32) -> Shape {
        Shape::Circle { c: v2(x, y), r }
    }
    /// An ellipse turned by `angle` radians.
    pub fn ellipse(x: f32, y: f32, rx: f32, ry: f32, angle: f32) -> Shape {
        Shape::Ellipse { c: v2(x, y), rx, ry, angle }
    }
    /// A thick line with round ends.
    pub fn capsule(a: V2, b: V2, r: f32) -> Shape {
        Shape::Capsule { a, b, r }
    }
    /// An axis-aligned rectangle from its corners.
    pub fn rect(x0: f32, y0: f32, x1: f32, y1: f32) -> Shape {
        Shape::Poly(vec![v2(x0, y0), v2(x1, y0), v2(x1, y1), v2(x0, y1)])
    }
    /// This shape with `other` cut out.
    pub fn minus(self, other: Shape) -> Shape {
        Shape::Minus(Box::new(self), Box::new(other))
    }
    /// The overlap of this shape and `other`.
    pub fn and(self, other: Shape) -> Shape {
        Shape::And(Box::new(self), Box::new(other))
    }

    /// Signed distance from `p` to the outline (negative inside).
    pub fn sdf(&self, p: V2) -> f32 {
        match self {
            Shape::Circle { c, r } => p.sub(*c).len() - r,
            Shape::Ellipse { c, rx, ry, angle } => {
                let q = p.sub(*c).rotate(angle.cos(), -angle.sin());
                let k = v2(q.x / rx, q.y / ry).len();
                (k - 1.0) * rx.min(*ry)
            }
            Shape::Poly(points) => polygon_sdf(points, p),
            Shape::Capsule { a, b, r } => segment_distance(p, *a, *b) - r,
            Shape::Minus(a, b) => a.sdf(p).max(-b.sdf(p)),
            Shape::And(a, b) => a.sdf(p).max(b.sdf(p)),
        }
    }

    /// A box (min, max corners) that holds the whole shape.
    pub fn bounds(&self) -> (V2, V2) {
        match self {
            Shape::Circle { c, r } => (v2(c.x - r, c.y - r), v2(c.x + r, c.y + r)),
            Shape::Ellipse { c, rx, ry, .. } => {
                let r = rx.max(*ry);
                (v2(c.x - r, c.y - r), v2(c.x + r, c.y + r))
            }
            Shape::Poly(points) => points
                .iter()
                .fold((v2(f32::INFINITY, f32::INFINITY), v2(f32::NEG_INFINITY, f32::NEG_INFINITY)), |(lo, hi), p| {
                    (v2(lo.x.min(p.x), lo.y.min(p.y)), v2(hi.x.max(p.x), hi.y.max(p.y)))
                }),
            Shape::Capsule { a, b, r } => {
                (v2(a.x.min(b.x) - r, a.y.min(b.y) - r), v2(a.x.max(b.x) + r, a.y.max(b.y) + r))
            }
            Shape::Minus(a, _) => a.bounds(),
            Shape::And(a, b) => {
                let ((alo, ahi), (blo, bhi)) = (a.bounds(), b.bounds());
                (v2(alo.x.max(blo.x), alo.y.max(blo.y)), v2(ahi.x.min(bhi.x), ahi.y.min(bhi.y)))
            }
        }
    }
}

/// Distance from `p` to the segment `a`–`b`.
fn segment_distance(p: V2, a: V2, b: V2) -> f32 {
    let (pa, ba) = (p.sub(a), b.sub(a));
    let denom = ba.dot(ba);
    let t = if denom > 0.0 { (pa.dot(ba) / denom).clamp(0.0, 1.0) } else { 0.0 };
    pa.sub(ba.scale(t)).len()
}

/// Signed distance to a polygon: distance to the nearest edge, negative inside (even-odd rule).
fn polygon_sdf(points: &[V2], p: V2) -> f32 {
    if points.len() < 3 {
        return f32::INFINITY;
    }
    let mut dist = f32::INFINITY;
    let mut inside = false;
    let mut j = points.len() - 1;
    for i in 0..points.len() {
        let (a, b) = (points[i], points[j]);
        dist = dist.min(segment_distance(p, a, b));
        if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
        j = i;
    }
    if inside {
        -dist
    } else {
        dist
    }
}

/// How a shape is coloured at a local point.
#[derive(Clone, Debug)]
pub enum Paint {
    Solid(Color),
    /// From `a` at local point `from` to `b` at `to`.
    Linear {
        from: V2,
        to: V2,
        a: Color,
        b: Color,
    },
    /// From `inner` at `c` to `outer` at distance `r` and beyond.
    Radial {
        c: V2,
        r: f32,
        inner: Color,
        outer: Color,
    },
    /// Another paint with smooth value noise on top (`amp` of brightness, `freq` bumps per unit).
    Noisy {
        base: Box<Paint>,
        amp: f32,
        freq: f32,
        seed: u32,
    },
}

impl From<Color> for Paint {
    fn from(c: Color) -> Self {
        Paint::Solid(c)
    }
}

impl Paint {
    /// A colour lit from the top left: lighter there, darker at the bottom right of a shape
    /// of radius `r` around `c`.
    pub fn lit(c: V2, r: f32, color: Color) -> Paint {
        Paint::Radial {
            c: v2(c.x - 0.35 * r, c.y - 0.35 * r),
            r: 1.5 * r,
            inner: shade(color, 0.25),
            outer: shade(color, -0.3),
        }
    }
    /// This paint with value noise on top.
    pub fn noisy(self, amp: f32, freq: f32, seed: u32) -> Paint {
        Paint::Noisy { base: Box::new(self), amp, freq, seed }
    }

    fn at(&self, q: V2) -> Color {
        match self {
            Paint::Solid(c) => *c,
            Paint::Linear { from, to, a, b } => {
                let d = to.sub(*from);
                let t = (q.sub(*from).dot(d) / d.dot(d).max(1e-6)).clamp(0.0, 1.0);
                mix(*a, *b, t)
            }
            Paint::Radial { c, r, inner, outer } => mix(*inner, *outer, (q.sub(*c).len() / r).clamp(0.0, 1.0)),
            Paint::Noisy { base, amp, freq, seed } => {
                let n = value_noise(q.x * freq, q.y * freq, *seed) - 0.5;
                let c = base.at(q);
                [c[0] * (1.0 + amp * n), c[1] * (1.0 + amp * n), c[2] * (1.0 + amp * n)]
            }
        }
    }
}

/// Smooth noise in 0..1: random values on an integer grid, interpolated.
pub fn value_noise(x: f32, y: f32, seed: u32) -> f32 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
    let (ix, iy) = (x0 as i32, y0 as i32);
    let h = |i: i32, j: i32| lattice(i, j, seed);
    let top = h(ix, iy) + (h(ix + 1, iy) - h(ix, iy)) * sx;
    let bottom = h(ix, iy + 1) + (h(ix + 1, iy + 1) - h(ix, iy + 1)) * sx;
    top + (bottom - top) * sy
}

/// A random value in 0..1 fixed by a grid point and a seed.
fn lattice(i: i32, j: i32, seed: u32) -> f32 {
    let mut h =
        (i as u32).wrapping_mul(0x9E37_79B1) ^ (j as u32).wrapping_mul(0x85EB_CA77) ^ seed.wrapping_mul(0xC2B2_AE3D);
    h ^= h >> 15;
    h = h.wrapping_mul(0x2C1B_3C6D);
    h ^= h >> 12;
    h = h.wrapping_mul(0x297A_2D39);
    h ^= h >> 15;
    (h >> 8) as f32 / (1u32 << 24) as f32
}

/// Where an object is drawn: local point `q` lands on the canvas at `origin + scale · R(angle) q`.
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    pub origin: V2,
    pub scale: f32,
    cos: f32,
    sin: f32,
}

impl Frame {
    /// A frame centred at `origin` (pixels), `scale` pixels per local unit, turned by `angle`.
    pub fn new(origin: V2, scale: f32, angle: f32) -> Frame {
        Frame { origin, scale, cos: angle.cos(), sin: angle.sin() }
    }
    /// A frame inside this one: centred at local point `at`, scaled by `scale`, turned by `angle`.
    pub fn child(&self, at: V2, scale: f32, angle: f32) -> Frame {
        let (c, s) = (angle.cos(), angle.sin());
        Frame {
            origin: self.canvas_point(at),
            scale: self.scale * scale,
            cos: self.cos * c - self.sin * s,
            sin: self.sin * c + self.cos * s,
        }
    }
    /// A local point on the canvas.
    pub fn canvas_point(&self, q: V2) -> V2 {
        self.origin.add(q.rotate(self.cos, self.sin).scale(self.scale))
    }
    /// A canvas point in local units.
    fn local_point(&self, p: V2) -> V2 {
        p.sub(self.origin).scale(1.0 / self.scale).rotate(self.cos, -self.sin)
    }
}

/// An RGB picture of `f32` channels (0..1) being drawn.
#[derive(Clone, Debug)]
pub struct Canvas {
    pub width: usize,
    pub height: usize,
    pixels: Vec<Color>,
}

impl Canvas {
    /// A black canvas.
    pub fn new(width: usize, height: usize) -> Canvas {
        Canvas { width, height, pixels: vec![[0.0; 3]; width * height] }
    }

    /// Sets every pixel to `f(x, y)`, with `x`, `y` in 0..1 across the canvas.
    pub fn fill_with(&mut self, f: impl Fn(f32, f32) -> Color) {
        let (w, h) = (self.width as f32, self.height as f32);
        for (i, px) in self.pixels.iter_mut().enumerate() {
            let (x, y) = ((i % self.width) as f32 + 0.5, (i / self.width) as f32 + 0.5);
            *px = f(x / w, y / h);
        }
    }

    /// Changes every pixel with `f(colour, x, y)` (`x`, `y` in pixels).
    pub fn map(&mut self, mut f: impl FnMut(Color, usize, usize) -> Color) {
        let w = self.width;
        for (i, px) in self.pixels.iter_mut().enumerate() {
            *px = f(*px, i % w, i / w);
        }
    }

    /// Draws `shape` (in `frame`'s local units) with `paint`, blended with opacity `alpha`.
    pub fn fill(&mut self, frame: &Frame, shape: &Shape, paint: impl Into<Paint>, alpha: f32) {
        let paint = paint.into();
        let Some((x0, y0, x1, y1)) = self.pixel_bounds(frame, shape) else { return };
        for py in y0..y1 {
            for px in x0..x1 {
                let q = frame.local_point(v2(px as f32 + 0.5, py as f32 + 0.5));
                let coverage = (0.5 - shape.sdf(q) * frame.scale).clamp(0.0, 1.0) * alpha;
                if coverage > 0.0 {
                    let dst = &mut self.pixels[py * self.width + px];
                    *dst = mix(*dst, paint.at(q), coverage);
                }
            }
        }
    }

    /// The pixels a shape may touch, clipped to the canvas (None when off it).
    fn pixel_bounds(&self, frame: &Frame, shape: &Shape) -> Option<(usize, usize, usize, usize)> {
        let (lo, hi) = shape.bounds();
        if !(lo.x <= hi.x && lo.y <= hi.y) {
            return None;
        }
        let corners = [v2(lo.x, lo.y), v2(hi.x, lo.y), v2(lo.x, hi.y), v2(hi.x, hi.y)].map(|c| frame.canvas_point(c));
        let min_x = corners.iter().map(|c| c.x).fold(f32::INFINITY, f32::min).floor() - 1.0;
        let min_y = corners.iter().map(|c| c.y).fold(f32::INFINITY, f32::min).floor() - 1.0;
        let max_x = corners.iter().map(|c| c.x).fold(f32::NEG_INFINITY, f32::max).ceil() + 1.0;
        let max_y = corners.iter().map(|c| c.y).fold(f32::NEG_INFINITY, f32::max).ceil() + 1.0;
        let clip = |v: f32, n: usize| v.clamp(0.0, n as f32) as usize;
        let (x0, x1) = (clip(min_x, self.width), clip(max_x, self.width));
        let (y0, y1) = (clip(min_y, self.height), clip(max_y, self.height));
        (x0 < x1 && y0 < y1).then_some((x0, y0, x1, y1))
    }

    /// The canvas as an 8-bit image.
    pub fn to_image(&self) -> RgbImage {
        RgbImage::from_fn(self.width as u32, self.height as u32, |x, y| {
            let c = self.pixels[y as usize * self.width + x as usize];
            Rgb(c.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_distances_are_negative_inside() {
        let shapes = [
            Shape::circle(0.0, 0.0, 1.0),
            Shape::ellipse(0.0, 0.0, 1.0, 0.5, 0.3),
            Shape::rect(-1.0, -1.0, 1.0, 1.0),
            Shape::capsule(v2(-1.0, 0.0), v2(1.0, 0.0), 0.2),
            Shape::circle(0.0, 0.0, 1.0).minus(Shape::circle(0.5, 0.0, 0.3)),
        ];
        for s in &shapes {
            assert!(s.sdf(v2(0.0, 0.0)) < 0.0, "{s:?}");
            assert!(s.sdf(v2(3.0, 3.0)) > 0.0, "{s:?}");
        }
        let ring = Shape::circle(0.0, 0.0, 1.0).minus(Shape::circle(0.0, 0.0, 0.5));
        assert!(ring.sdf(v2(0.0, 0.0)) > 0.0 && ring.sdf(v2(0.75, 0.0)) < 0.0);
    }

    #[test]
    fn fill_covers_the_shape_and_blends_its_edge() {
        let mut canvas = Canvas::new(20, 20);
        let frame = Frame::new(v2(10.0, 10.0), 5.0, 0.0);
        canvas.fill(&frame, &Shape::circle(0.0, 0.0, 1.0), [1.0, 0.0, 0.0], 1.0);
        let img = canvas.to_image();
        assert_eq!(img.get_pixel(10, 10).0, [255, 0, 0]);
        assert_eq!(img.get_pixel(0, 0).0, [0, 0, 0]);
        let edge = img.get_pixel(14, 12).0[0];
        assert!(edge > 0 && edge < 255, "edge pixel {edge} is not anti-aliased");
    }
}
