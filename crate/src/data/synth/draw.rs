//! The twenty snacks, drawn: one function per class, each in its own local frame (about −1..1,
//! `y` pointing down), plus the backgrounds, clutter and camera noise that make the task hard.
//!
//! Every random choice comes from one seeded generator, so an image is fixed by its seed.

use super::raster::{mix, rgb, shade, v2, Canvas, Color, Frame, Paint, Shape, V2};
use image::RgbImage;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};
use std::f32::consts::{PI, TAU};

/// The random choices of one image.
pub struct Dice(StdRng);

impl Dice {
    /// Dice fixed by `seed`.
    pub fn new(seed: u64) -> Dice {
        Dice(StdRng::seed_from_u64(seed))
    }
    /// A number in `lo..hi`.
    fn f(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.0.random::<f32>()
    }
    /// True with probability `p`.
    fn chance(&mut self, p: f32) -> bool {
        self.0.random::<f32>() < p
    }
    /// A whole number in `lo..=hi`.
    fn int(&mut self, lo: usize, hi: usize) -> usize {
        self.0.random_range(lo..=hi)
    }
    /// One of `items`.
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.0.random_range(0..items.len())]
    }
    /// `c` with each channel moved by up to `amount`, and its brightness by up to `2 × amount`.
    fn vary(&mut self, c: Color, amount: f32) -> Color {
        let light = self.f(-2.0 * amount, 2.0 * amount);
        let c = shade(c, light);
        [0, 1, 2].map(|i| (c[i] + self.f(-amount, amount)).clamp(0.0, 1.0))
    }
    /// One of `items`, varied by `amount` (see [`Dice::vary`]).
    fn pick_vary(&mut self, items: &[Color], amount: f32) -> Color {
        let c = self.pick(items);
        self.vary(c, amount)
    }
    /// A standard normal number (Box–Muller).
    fn normal(&mut self) -> f32 {
        let u1 = self.f(1e-7, 1.0);
        let u2 = self.f(0.0, 1.0);
        (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
    }
    /// A point in the disc of radius `r`.
    fn in_disc(&mut self, r: f32) -> V2 {
        let (a, d) = (self.f(0.0, TAU), r * self.f(0.0, 1.0).sqrt());
        v2(d * a.cos(), d * a.sin())
    }
}

/// A drawing function for one class.
type Draw = fn(&mut Canvas, &Frame, &mut Dice);

/// How a class is drawn: its function, how far it may turn, and how often several appear.
struct Snack {
    draw: Draw,
    /// The largest rotation, in radians, either way.
    max_turn: f32,
    /// The chance of a second (or third) one in the picture.
    crowd: f32,
}

/// The classes in the order of [`super::SNACKS_CLASSES`].
const SNACKS: [Snack; 20] = [
    Snack { draw: apple, max_turn: 0.5, crowd: 0.25 },
    Snack { draw: banana, max_turn: 1.2, crowd: 0.25 },
    Snack { draw: cake, max_turn: 0.25, crowd: 0.0 },
    Snack { draw: candy, max_turn: PI, crowd: 0.0 },
    Snack { draw: carrot, max_turn: 1.6, crowd: 0.3 },
    Snack { draw: cookie, max_turn: PI, crowd: 0.3 },
    Snack { draw: doughnut, max_turn: PI, crowd: 0.15 },
    Snack { draw: grape, max_turn: 0.6, crowd: 0.15 },
    Snack { draw: hot_dog, max_turn: 0.5, crowd: 0.0 },
    Snack { draw: ice_cream, max_turn: 0.3, crowd: 0.1 },
    Snack { draw: juice, max_turn: 0.15, crowd: 0.1 },
    Snack { draw: muffin, max_turn: 0.2, crowd: 0.2 },
    Snack { draw: orange, max_turn: PI, crowd: 0.3 },
    Snack { draw: pineapple, max_turn: 0.35, crowd: 0.0 },
    Snack { draw: popcorn, max_turn: 0.25, crowd: 0.0 },
    Snack { draw: pretzel, max_turn: 0.6, crowd: 0.2 },
    Snack { draw: salad, max_turn: 0.15, crowd: 0.0 },
    Snack { draw: strawberry, max_turn: 0.7, crowd: 0.35 },
    Snack { draw: waffle, max_turn: PI, crowd: 0.1 },
    Snack { draw: watermelon, max_turn: 0.8, crowd: 0.15 },
];

/// The knobs that set how hard the task is: how big and how central the snack is, how much
/// clutter surrounds it, and how colourful the scenery is. Tuned so that logistic regression on
/// 32×32 pixels is well short of perfect and overfits (see the module docs of `synth`).
struct Knobs {
    /// The snack's radius, as a fraction of the image side (low, high).
    size: (f32, f32),
    /// Where its centre may be, as a fraction of the image side (low, high), both ways.
    place: (f32, f32),
    /// At most this many unrelated shapes behind the snack.
    clutter: usize,
    /// The chance of one more shape in front of it.
    clutter_in_front: f32,
    /// How far scenery colours are mixed towards grey (low, high).
    scenery_grey: (f32, f32),
    /// The chance of a plate under the snack.
    plate: f32,
}

const KNOBS: Knobs = Knobs {
    size: (0.3, 0.42),
    place: (0.42, 0.58),
    clutter: 2,
    clutter_in_front: 0.15,
    scenery_grey: (0.4, 0.9),
    plate: 0.35,
};

/// One picture of class `class` (an index into [`super::SNACKS_CLASSES`]), `size` × `size`
/// pixels, fixed by `seed`.
pub fn render(class: usize, size: usize, seed: u64) -> RgbImage {
    let snack = &SNACKS[class % SNACKS.len()];
    let mut dice = Dice::new(seed);
    let mut canvas = Canvas::new(size, size);
    let s = size as f32;
    background(&mut canvas, &mut dice);
    let count = if dice.chance(snack.crowd) { dice.int(2, 3) } else { 1 };
    let scale = s * dice.f(KNOBS.size.0, KNOBS.size.1) * if count > 1 { 0.7 } else { 1.0 };
    let centre = v2(s * dice.f(KNOBS.place.0, KNOBS.place.1), s * dice.f(KNOBS.place.0, KNOBS.place.1));
    if dice.chance(KNOBS.plate) {
        plate(&mut canvas, &Frame::new(centre, scale * 1.35, 0.0), &mut dice);
    }
    let clutter_count = dice.int(0, KNOBS.clutter);
    clutter(&mut canvas, &mut dice, clutter_count, 0.1);
    for i in 0..count {
        let offset = if i == 0 { v2(0.0, 0.0) } else { dice.in_disc(1.0) };
        let at = v2(centre.x + offset.x * scale * 1.1, centre.y + offset.y * scale * 1.1);
        let turn = dice.f(-snack.max_turn, snack.max_turn);
        let frame = Frame::new(at, scale * dice.f(0.85, 1.15), turn);
        shadow(&mut canvas, &frame);
        (snack.draw)(&mut canvas, &frame, &mut dice);
    }
    if dice.chance(KNOBS.clutter_in_front) {
        clutter(&mut canvas, &mut dice, 1, 0.06); // something in front, partly hiding the snack
    }
    camera(&mut canvas, &mut dice);
    canvas.to_image()
}

// ---------------------------------------------------------------------------------------------
// Scenery

/// Fills the canvas with a table, cloth or wall: gradients, checks, stripes, wood or blotches.
fn background(canvas: &mut Canvas, dice: &mut Dice) {
    let a = random_colour(dice);
    let b = random_colour(dice);
    match dice.int(0, 4) {
        0 => {
            let angle = dice.f(0.0, TAU);
            let (cx, cy) = (angle.cos(), angle.sin());
            canvas.fill_with(|x, y| mix(a, b, ((x - 0.5) * cx + (y - 0.5) * cy + 0.5).clamp(0.0, 1.0)));
        }
        1 => {
            let cells = dice.f(3.0, 9.0);
            let b = if dice.chance(0.6) { dice.vary([0.95; 3], 0.03) } else { b };
            let angle = dice.f(-0.4, 0.4);
            let (c, s) = (angle.cos(), angle.sin());
            canvas.fill_with(|x, y| {
                let (u, v) = ((x * c - y * s) * cells, (x * s + y * c) * cells);
                let (i, j) = (u.floor() as i32, v.floor() as i32);
                match (i + j).rem_euclid(2) {
                    0 => a,
                    _ => mix(a, b, 0.85),
                }
            });
        }
        2 => {
            let width = dice.f(0.06, 0.2);
            let angle = dice.f(0.0, PI);
            let (c, s) = (angle.cos(), angle.sin());
            canvas.fill_with(|x, y| if ((x * c + y * s) / width).floor() as i32 % 2 == 0 { a } else { b });
        }
        3 => {
            let wood = dice.vary(rgb(150, 100, 60), 0.08);
            let seed = dice.int(0, 1 << 20) as u32;
            let grain = dice.f(10.0, 30.0);
            canvas.fill_with(|x, y| {
                let n = super::raster::value_noise(x * 3.0, y * grain, seed);
                shade(wood, (n - 0.5) * 0.5)
            });
        }
        _ => {
            let seed = dice.int(0, 1 << 20) as u32;
            let freq = dice.f(2.0, 8.0);
            canvas.fill_with(|x, y| mix(a, b, super::raster::value_noise(x * freq, y * freq, seed)));
        }
    }
}

/// A colour for scenery: anything from grey and pastel to strong colours.
fn random_colour(dice: &mut Dice) -> Color {
    let c = [dice.f(0.0, 1.0), dice.f(0.0, 1.0), dice.f(0.0, 1.0)];
    let grey = (c[0] + c[1] + c[2]) / 3.0;
    let c = mix(c, [grey; 3], dice.f(KNOBS.scenery_grey.0, KNOBS.scenery_grey.1));
    shade(c, dice.f(-0.3, 0.4))
}

/// A plate under the snack.
fn plate(canvas: &mut Canvas, frame: &Frame, dice: &mut Dice) {
    let colour = if dice.chance(0.7) { dice.vary([0.95; 3], 0.04) } else { random_colour(dice) };
    let squash = dice.f(0.75, 1.0);
    canvas.fill(frame, &Shape::ellipse(0.0, 0.05, 1.05, 1.05 * squash, 0.0), [0.0; 3], 0.2);
    canvas.fill(frame, &Shape::ellipse(0.0, 0.0, 1.0, squash, 0.0), colour, 1.0);
    canvas.fill(frame, &Shape::ellipse(0.0, 0.0, 0.75, 0.75 * squash, 0.0), shade(colour, -0.08), 1.0);
}

/// `count` unrelated shapes (napkins, cutlery, crumbs, other things on the table).
fn clutter(canvas: &mut Canvas, dice: &mut Dice, count: usize, size: f32) {
    let s = canvas.width as f32;
    for _ in 0..count {
        let frame = Frame::new(v2(dice.f(0.0, s), dice.f(0.0, s)), s * dice.f(size, size * 3.0), dice.f(0.0, TAU));
        let colour = random_colour(dice);
        let alpha = dice.f(0.5, 1.0);
        let shape = match dice.int(0, 3) {
            0 => Shape::circle(0.0, 0.0, 1.0),
            1 => Shape::rect(-1.0, -0.6, 1.0, 0.6),
            2 => Shape::capsule(v2(-1.5, 0.0), v2(1.5, 0.0), 0.15),
            _ => Shape::ellipse(0.0, 0.0, 1.0, 0.4, 0.0),
        };
        canvas.fill(&frame, &shape, Paint::lit(v2(0.0, 0.0), 1.0, colour), alpha);
    }
}

/// A soft shadow under an object.
fn shadow(canvas: &mut Canvas, frame: &Frame) {
    let f = frame.child(v2(0.12, 0.15), 1.0, 0.0);
    canvas.fill(&f, &Shape::ellipse(0.0, 0.0, 0.9, 0.8, 0.0), [0.0; 3], 0.1);
}

/// Exposure, contrast and colour cast of the camera, then sensor noise.
fn camera(canvas: &mut Canvas, dice: &mut Dice) {
    let gain = dice.f(0.75, 1.2);
    let contrast = dice.f(0.75, 1.15);
    let cast = [dice.f(0.88, 1.12), dice.f(0.88, 1.12), dice.f(0.88, 1.12)];
    let sigma = dice.f(0.01, 0.06);
    let noise: Vec<f32> = (0..canvas.width * canvas.height * 3).map(|_| dice.normal() * sigma).collect();
    let w = canvas.width;
    canvas.map(|c, x, y| {
        let i = (y * w + x) * 3;
        [0, 1, 2].map(|k| ((c[k] - 0.5) * contrast + 0.5) * gain * cast[k] + noise[i + k])
    });
}

// ---------------------------------------------------------------------------------------------
// Helpers for the snacks

/// A thick line through `points` (round joints), radius `r`.
fn stroke(canvas: &mut Canvas, frame: &Frame, points: &[V2], r: f32, paint: &Paint, alpha: f32) {
    for w in points.windows(2) {
        canvas.fill(frame, &Shape::capsule(w[0], w[1], r), paint.clone(), alpha);
    }
}

/// The outline of a tube along `centre` whose half-width at point `i` is `width(i / (n − 1))`.
fn tube(centre: &[V2], width: impl Fn(f32) -> f32) -> Shape {
    let n = centre.len();
    let mut left = Vec::with_capacity(n);
    let mut right = Vec::with_capacity(n);
    for i in 0..n {
        let (a, b) = (centre[i.saturating_sub(1)], centre[(i + 1).min(n - 1)]);
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len = (dx * dx + dy * dy).sqrt().max(1e-6);
        let normal = v2(-dy / len, dx / len);
        let w = width(i as f32 / (n - 1) as f32);
        left.push(v2(centre[i].x + normal.x * w, centre[i].y + normal.y * w));
        right.push(v2(centre[i].x - normal.x * w, centre[i].y - normal.y * w));
    }
    right.reverse();
    left.extend(right);
    Shape::Poly(left)
}

/// A closed outline of radius `radius(angle)` around `c`.
fn blob(c: V2, points: usize, radius: impl Fn(f32) -> f32) -> Shape {
    Shape::Poly(
        (0..points)
            .map(|i| {
                let a = i as f32 / points as f32 * TAU;
                let r = radius(a);
                v2(c.x + r * a.cos(), c.y + r * a.sin())
            })
            .collect(),
    )
}

/// A small white gloss spot.
fn gloss(canvas: &mut Canvas, frame: &Frame, at: V2, r: f32) {
    canvas.fill(frame, &Shape::ellipse(at.x, at.y, r, r * 0.55, -0.7), [1.0; 3], 0.45);
}

/// A leaf: a pointed tube from `base` in direction `angle`, `length` long.
fn leaf(canvas: &mut Canvas, frame: &Frame, base: V2, angle: f32, length: f32, width: f32, colour: Color) {
    let points: Vec<V2> = (0..8)
        .map(|i| {
            let t = i as f32 / 7.0 * length;
            v2(base.x + t * angle.cos(), base.y + t * angle.sin())
        })
        .collect();
    let shape = tube(&points, |t| width * (t * PI).sin().max(0.05));
    canvas.fill(
        frame,
        &shape,
        Paint::Linear { from: base, to: points[7], a: shade(colour, -0.2), b: shade(colour, 0.15) },
        1.0,
    );
}

// ---------------------------------------------------------------------------------------------
// The snacks

/// A red, green or yellow apple with a stem, often a leaf.
fn apple(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let base = d
        .pick_vary(&[rgb(200, 25, 30), rgb(165, 20, 35), rgb(130, 190, 60), rgb(225, 195, 70), rgb(215, 70, 40)], 0.05);
    let paint = Paint::lit(v2(0.0, 0.0), 0.9, base);
    for shape in
        [Shape::circle(-0.3, 0.0, 0.68), Shape::circle(0.3, 0.0, 0.68), Shape::ellipse(0.0, 0.22, 0.82, 0.68, 0.0)]
    {
        canvas.fill(f, &shape, paint.clone(), 1.0);
    }
    canvas.fill(f, &Shape::ellipse(0.0, -0.58, 0.2, 0.09, 0.0), shade(base, -0.45), 0.7);
    stroke(canvas, f, &[v2(0.0, -0.55), v2(0.04, -0.8), v2(0.12, -1.0)], 0.055, &rgb(95, 60, 30).into(), 1.0);
    if d.chance(0.7) {
        leaf(canvas, f, v2(0.08, -0.82), d.f(-0.6, 0.1), 0.5, 0.13, d.vary(rgb(70, 150, 50), 0.05));
    }
    gloss(canvas, f, v2(-0.4, -0.25), 0.18);
}

/// A yellow banana: a curved tube with a stalk and a dark tip.
fn banana(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let yellow = d.pick_vary(&[rgb(245, 215, 60), rgb(240, 200, 50), rgb(215, 210, 70)], 0.04);
    let bend = d.f(0.7, 1.0);
    let centre: Vec<V2> = (0..24)
        .map(|i| {
            let a = (i as f32 / 23.0 - 0.5) * 2.0 * bend;
            v2(1.25 * a.sin(), -0.75 + 1.25 * a.cos())
        })
        .collect();
    let body = tube(&centre, |t| 0.05 + 0.33 * (t * PI).sin().powf(0.6));
    canvas.fill(
        f,
        &body,
        Paint::Linear { from: v2(0.0, 0.2), to: v2(0.0, 0.65), a: shade(yellow, 0.15), b: shade(yellow, -0.25) },
        1.0,
    );
    stroke(canvas, f, &centre[3..21], 0.025, &shade(yellow, -0.2).into(), 0.5);
    stroke(canvas, f, &[centre[0], v2(centre[0].x - 0.15, centre[0].y - 0.1)], 0.06, &rgb(120, 110, 50).into(), 1.0);
    canvas.fill(f, &Shape::circle(centre[23].x, centre[23].y, 0.06), rgb(60, 40, 25), 1.0);
    for _ in 0..d.int(0, 5) {
        let p = centre[d.int(4, 19)];
        canvas.fill(f, &Shape::circle(p.x + d.f(-0.1, 0.1), p.y + d.f(-0.05, 0.1), 0.03), rgb(90, 60, 30), 0.7);
    }
}

/// A slice of layer cake: sponge and cream bands, icing on top, a cherry.
fn cake(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let sponge = d.pick_vary(&[rgb(235, 200, 135), rgb(110, 60, 35), rgb(170, 40, 45), rgb(240, 220, 160)], 0.04);
    let cream = d.pick_vary(&[rgb(250, 245, 235), rgb(245, 180, 200), rgb(90, 50, 30), rgb(250, 230, 170)], 0.03);
    let icing = if d.chance(0.6) {
        cream
    } else {
        d.pick_vary(&[rgb(250, 245, 240), rgb(240, 150, 190), rgb(80, 45, 30)], 0.03)
    };
    let side = Shape::Poly(vec![v2(-0.95, -0.05), v2(0.9, -0.45), v2(0.9, 0.65), v2(-0.95, 0.65)]);
    canvas.fill(
        f,
        &side,
        Paint::Linear { from: v2(-1.0, 0.0), to: v2(1.0, 0.0), a: shade(sponge, 0.1), b: shade(sponge, -0.1) },
        1.0,
    );
    let layers = d.int(2, 3);
    for k in 1..=layers {
        let y = -0.05 + 0.7 * k as f32 / (layers as f32 + 1.0);
        canvas.fill(f, &side.clone().and(Shape::rect(-2.0, y - 0.06, 2.0, y + 0.06)), cream, 1.0);
    }
    let top = Shape::Poly(vec![v2(-0.95, -0.05), v2(0.9, -0.45), v2(0.55, -0.78), v2(-0.95, -0.16)]);
    canvas.fill(f, &top, shade(icing, 0.08), 1.0);
    stroke(canvas, f, &[v2(-0.95, -0.08), v2(0.9, -0.48)], 0.07, &icing.into(), 1.0);
    stroke(canvas, f, &[v2(0.9, -0.45), v2(0.9, 0.0)], 0.06, &icing.into(), 1.0);
    if d.chance(0.7) {
        canvas.fill(f, &Shape::circle(0.5, -0.78, 0.15), Paint::lit(v2(0.5, -0.78), 0.15, rgb(200, 20, 40)), 1.0);
        gloss(canvas, f, v2(0.45, -0.84), 0.05);
    }
}

/// A handful of wrapped sweets and striped mints in bright colours.
fn candy(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let n = d.int(2, 5);
    for _ in 0..n {
        let at = d.in_disc(0.6);
        let sf = f.child(at, d.f(0.38, 0.55), d.f(0.0, TAU));
        let colour = d.pick_vary(
            &[
                rgb(230, 30, 50),
                rgb(40, 120, 220),
                rgb(250, 200, 30),
                rgb(60, 180, 80),
                rgb(160, 60, 200),
                rgb(250, 120, 30),
            ],
            0.05,
        );
        if d.chance(0.3) {
            canvas.fill(&sf, &Shape::circle(0.0, 0.0, 0.6), [0.97; 3], 1.0);
            for k in 0..6 {
                let a = k as f32 * TAU / 6.0;
                let wedge = Shape::Poly(vec![
                    v2(0.0, 0.0),
                    v2(0.58 * a.cos(), 0.58 * a.sin()),
                    v2(0.58 * (a + 0.4).cos(), 0.58 * (a + 0.4).sin()),
                ]);
                canvas.fill(&sf, &wedge, colour, 1.0);
            }
        } else {
            let twist = shade(colour, 0.2);
            for s in [-1.0, 1.0] {
                let bow =
                    Shape::Poly(vec![v2(0.45 * s, 0.0), v2(1.0 * s, -0.38), v2(0.92 * s, 0.0), v2(1.0 * s, 0.38)]);
                canvas.fill(&sf, &bow, twist, 1.0);
            }
            let body = Shape::ellipse(0.0, 0.0, 0.58, 0.4, 0.0);
            canvas.fill(&sf, &body, Paint::lit(v2(0.0, 0.0), 0.55, colour), 1.0);
            for k in [-0.25, 0.0, 0.25] {
                let line = Shape::capsule(v2(k - 0.15, -0.5), v2(k + 0.15, 0.5), 0.05);
                canvas.fill(&sf, &line.and(body.clone()), [1.0; 3], 0.5);
            }
        }
        gloss(canvas, &sf, v2(-0.2, -0.2), 0.15);
    }
}

/// An orange carrot: a tapering tube with rings and a green top.
fn carrot(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let orange = d.vary(rgb(240, 120, 25), 0.05);
    let curve = d.f(-0.15, 0.15);
    let centre: Vec<V2> = (0..12)
        .map(|i| {
            let t = i as f32 / 11.0;
            v2(curve * (t * PI).sin(), -0.7 + 1.7 * t)
        })
        .collect();
    let body = tube(&centre, |t| 0.03 + 0.25 * (1.0 - t).powf(0.8));
    canvas.fill(
        f,
        &body,
        Paint::Linear { from: v2(-0.25, 0.0), to: v2(0.25, 0.0), a: shade(orange, 0.2), b: shade(orange, -0.2) },
        1.0,
    );
    for _ in 0..d.int(3, 6) {
        let t = d.f(0.1, 0.8);
        let y = -0.7 + 1.7 * t;
        let w = 0.2 * (1.0 - t);
        canvas.fill(f, &Shape::capsule(v2(-w, y), v2(w * 0.3, y + 0.03), 0.018), shade(orange, -0.35), 0.6);
    }
    let green = d.vary(rgb(60, 150, 40), 0.05);
    for _ in 0..d.int(3, 5) {
        leaf(canvas, f, v2(0.0, -0.68), -PI / 2.0 + d.f(-0.6, 0.6), d.f(0.35, 0.6), 0.07, green);
    }
}

/// A round cookie with chocolate chips.
fn cookie(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let dough = d.pick_vary(&[rgb(205, 150, 85), rgb(215, 170, 105), rgb(185, 125, 65)], 0.04);
    let seed = d.int(0, 1 << 20) as u32;
    let body = blob(v2(0.0, 0.0), 28, |a| 0.9 + 0.05 * super::raster::value_noise(a * 2.0, 0.0, seed));
    canvas.fill(f, &body, Paint::lit(v2(0.0, 0.0), 0.9, dough).noisy(0.35, 5.0, seed), 1.0);
    canvas.fill(f, &body.clone().minus(Shape::circle(0.0, 0.0, 0.75)), shade(dough, -0.25), 0.4);
    for _ in 0..d.int(6, 12) {
        let p = d.in_disc(0.68);
        let r = d.f(0.06, 0.12);
        let chip = blob(p, 7, |a| r * (0.8 + 0.3 * (3.0 * a).sin().abs()));
        canvas.fill(f, &chip, rgb(65, 35, 20), 1.0);
    }
}

/// A ring doughnut with coloured icing and sprinkles.
fn doughnut(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let dough = d.vary(rgb(205, 145, 75), 0.04);
    let ring = Shape::circle(0.0, 0.0, 0.9).minus(Shape::circle(0.0, 0.0, 0.3));
    canvas.fill(f, &ring, Paint::lit(v2(0.0, 0.0), 0.9, dough), 1.0);
    let icing = d.pick_vary(
        &[rgb(245, 140, 185), rgb(95, 55, 35), rgb(248, 240, 230), rgb(130, 190, 240), rgb(250, 220, 90)],
        0.03,
    );
    let phase = d.f(0.0, TAU);
    let waves = d.int(5, 8) as f32;
    let top = blob(v2(0.0, 0.0), 40, |a| 0.74 + 0.06 * (waves * a + phase).sin()).minus(Shape::circle(0.0, 0.0, 0.38));
    canvas.fill(f, &top, Paint::lit(v2(0.0, 0.0), 0.8, icing), 1.0);
    if d.chance(0.75) {
        for _ in 0..d.int(14, 28) {
            let a = d.f(0.0, TAU);
            let r = d.f(0.45, 0.68);
            let (c, turn) = (v2(r * a.cos(), r * a.sin()), d.f(0.0, PI));
            let half = v2(0.06 * turn.cos(), 0.06 * turn.sin());
            let colour = d.pick(&[
                rgb(230, 30, 40),
                rgb(40, 110, 230),
                rgb(250, 220, 30),
                rgb(40, 180, 70),
                [1.0; 3],
                rgb(160, 60, 200),
            ]);
            canvas.fill(
                f,
                &Shape::capsule(v2(c.x - half.x, c.y - half.y), v2(c.x + half.x, c.y + half.y), 0.025),
                colour,
                1.0,
            );
        }
    }
}

/// A bunch of purple, green or red grapes with a stalk.
fn grape(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let colour = d.pick_vary(&[rgb(95, 40, 105), rgb(70, 30, 70), rgb(150, 195, 70), rgb(150, 40, 60)], 0.04);
    stroke(canvas, f, &[v2(0.0, -0.65), v2(0.05, -0.95), v2(0.2, -1.05)], 0.04, &rgb(110, 80, 40).into(), 1.0);
    let rows = [4usize, 4, 3, 3, 2, 1];
    for (i, &n) in rows.iter().enumerate() {
        let y = -0.62 + i as f32 * 0.27;
        for j in 0..n {
            let x = (j as f32 - (n as f32 - 1.0) / 2.0) * 0.3 + d.f(-0.04, 0.04);
            let c = d.vary(colour, 0.03);
            canvas.fill(f, &Shape::ellipse(x, y, 0.17, 0.19, 0.0), Paint::lit(v2(x, y), 0.18, c), 1.0);
            gloss(canvas, f, v2(x - 0.06, y - 0.07), 0.045);
        }
    }
}

/// A hot dog: bun, sausage and a zigzag of mustard (or ketchup).
fn hot_dog(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let bun = d.vary(rgb(215, 160, 90), 0.04);
    let sausage = d.vary(rgb(170, 65, 45), 0.04);
    canvas.fill(
        f,
        &Shape::capsule(v2(-0.78, 0.05), v2(0.78, 0.05), 0.3),
        Paint::Linear { from: v2(0.0, -0.25), to: v2(0.0, 0.35), a: shade(bun, 0.15), b: shade(bun, -0.25) },
        1.0,
    );
    canvas.fill(
        f,
        &Shape::capsule(v2(-0.95, -0.08), v2(0.95, -0.08), 0.15),
        Paint::Linear { from: v2(0.0, -0.23), to: v2(0.0, 0.07), a: shade(sausage, 0.2), b: shade(sausage, -0.2) },
        1.0,
    );
    canvas.fill(f, &Shape::capsule(v2(-0.72, 0.15), v2(0.72, 0.15), 0.18), shade(bun, 0.05), 1.0);
    let sauce = if d.chance(0.7) { rgb(245, 200, 30) } else { rgb(200, 25, 30) };
    let phase = d.int(0, 1) as f32;
    let zigzag: Vec<V2> =
        (0..11).map(|i| v2(-0.8 + 0.16 * i as f32, -0.15 + 0.1 * ((i as f32 + phase) % 2.0))).collect();
    stroke(canvas, f, &zigzag, 0.035, &sauce.into(), 1.0);
}

/// A cone with one to three scoops.
fn ice_cream(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let cone_colour = d.vary(rgb(215, 165, 95), 0.04);
    let cone = Shape::Poly(vec![v2(-0.4, -0.05), v2(0.4, -0.05), v2(0.0, 1.0)]);
    canvas.fill(
        f,
        &cone,
        Paint::Linear {
            from: v2(-0.4, 0.0),
            to: v2(0.4, 0.0),
            a: shade(cone_colour, 0.1),
            b: shade(cone_colour, -0.15),
        },
        1.0,
    );
    for k in -3..=3 {
        let x = k as f32 * 0.16;
        for dir in [-1.0, 1.0] {
            let line = Shape::capsule(v2(x - 0.5 * dir, -0.1), v2(x + 0.5 * dir, 1.0), 0.02);
            canvas.fill(f, &line.and(cone.clone()), shade(cone_colour, -0.35), 0.7);
        }
    }
    let flavours = [
        rgb(245, 160, 185),
        rgb(248, 238, 205),
        rgb(110, 65, 40),
        rgb(165, 225, 185),
        rgb(245, 230, 120),
        rgb(150, 140, 215),
    ];
    let scoops = d.int(1, 3);
    let spots = [(v2(0.0, -0.25), 0.44), (v2(0.02, -0.72), 0.37), (v2(-0.02, -1.08), 0.3)];
    for &(c, r) in spots.iter().take(scoops) {
        let colour = d.pick_vary(&flavours, 0.03);
        let scoop = blob(c, 28, |a| r * (1.0 + if a.sin() > 0.3 { 0.06 * (9.0 * a).sin() } else { 0.0 }));
        canvas.fill(f, &scoop, Paint::lit(c, r, colour), 1.0);
    }
    if d.chance(0.4) {
        let top = spots[scoops - 1];
        let c = v2(top.0.x, top.0.y - top.1);
        canvas.fill(f, &Shape::circle(c.x, c.y, 0.11), Paint::lit(c, 0.11, rgb(200, 20, 40)), 1.0);
    }
}

/// A glass of juice with a straw.
fn juice(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let glass = Shape::Poly(vec![v2(-0.55, -0.9), v2(0.55, -0.9), v2(0.45, 0.95), v2(-0.45, 0.95)]);
    canvas.fill(f, &glass, [0.9, 0.95, 1.0], 0.3);
    let colour = d.pick_vary(
        &[
            rgb(250, 150, 25),
            rgb(200, 30, 50),
            rgb(110, 30, 80),
            rgb(245, 220, 70),
            rgb(140, 200, 60),
            rgb(245, 120, 140),
        ],
        0.04,
    );
    let level = d.f(-0.7, -0.3);
    let liquid = glass.clone().and(Shape::rect(-1.0, level, 1.0, 0.9));
    canvas.fill(
        f,
        &liquid,
        Paint::Linear { from: v2(0.0, level), to: v2(0.0, 0.9), a: shade(colour, 0.15), b: shade(colour, -0.2) },
        0.92,
    );
    canvas.fill(f, &Shape::ellipse(0.0, level, 0.52, 0.06, 0.0), shade(colour, 0.25), 0.9);
    let straw = d.pick(&[rgb(230, 40, 50), rgb(40, 120, 220), rgb(60, 180, 80), rgb(250, 250, 250)]);
    stroke(canvas, f, &[v2(0.1, 0.5), v2(0.4, -0.9), v2(0.5, -1.2)], 0.05, &straw.into(), 1.0);
    stroke(
        canvas,
        f,
        &[v2(-0.55, -0.9), v2(-0.45, 0.95), v2(0.45, 0.95), v2(0.55, -0.9)],
        0.025,
        &[1.0; 3].into(),
        0.6,
    );
    canvas.fill(f, &Shape::capsule(v2(-0.38, -0.7), v2(-0.32, 0.7), 0.05), [1.0; 3], 0.3);
    if d.chance(0.4) {
        let fruit = d.pick(&[rgb(250, 160, 30), rgb(240, 230, 80), rgb(140, 200, 60)]);
        canvas.fill(f, &Shape::circle(-0.5, -0.9, 0.25), fruit, 1.0);
        canvas.fill(f, &Shape::circle(-0.5, -0.9, 0.18), shade(fruit, 0.4), 1.0);
    }
}

/// A muffin: a pleated paper cup and a golden or chocolate dome.
fn muffin(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let top = d.pick_vary(&[rgb(195, 135, 65), rgb(95, 55, 35), rgb(215, 165, 95)], 0.04);
    let seed = d.int(0, 1 << 20) as u32;
    let dome = blob(v2(0.0, -0.1), 32, |a| 0.72 + 0.04 * super::raster::value_noise(a * 3.0, 1.0, seed));
    canvas.fill(
        f,
        &dome.clone().and(Shape::rect(-1.0, -1.0, 1.0, 0.3)),
        Paint::lit(v2(0.0, -0.2), 0.75, top).noisy(0.35, 6.0, seed),
        1.0,
    );
    let dots = d.pick(&[rgb(50, 40, 90), rgb(60, 35, 20), rgb(250, 245, 230)]);
    for _ in 0..d.int(0, 8) {
        let p = d.in_disc(0.5);
        canvas.fill(f, &Shape::circle(p.x, p.y - 0.25, 0.07), dots, 1.0);
    }
    let paper = d.pick_vary(
        &[
            rgb(250, 250, 245),
            rgb(240, 150, 180),
            rgb(100, 160, 230),
            rgb(220, 60, 60),
            rgb(245, 215, 80),
            rgb(120, 80, 50),
        ],
        0.04,
    );
    let cup = Shape::Poly(vec![v2(-0.62, 0.05), v2(0.62, 0.05), v2(0.45, 0.92), v2(-0.45, 0.92)]);
    canvas.fill(f, &cup, paper, 1.0);
    for i in -5..=5 {
        let line = Shape::capsule(v2(i as f32 * 0.115, 0.05), v2(i as f32 * 0.085, 0.92), 0.018);
        canvas.fill(f, &line, shade(paper, -0.3), 0.6);
    }
}

/// An orange: a dimpled orange ball, or a half showing its segments.
fn orange(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let peel = d.vary(rgb(245, 140, 20), 0.04);
    let seed = d.int(0, 1 << 20) as u32;
    canvas.fill(f, &Shape::circle(0.0, 0.0, 0.9), Paint::lit(v2(0.0, 0.0), 0.9, peel).noisy(0.25, 14.0, seed), 1.0);
    if d.chance(0.3) {
        canvas.fill(f, &Shape::circle(0.0, 0.0, 0.8), rgb(250, 215, 150), 1.0);
        let flesh = d.vary(rgb(250, 160, 40), 0.03);
        let n = d.int(9, 11);
        for k in 0..n {
            let (a0, a1) = (k as f32 * TAU / n as f32 + 0.06, (k + 1) as f32 * TAU / n as f32 - 0.06);
            let wedge = Shape::Poly(vec![
                v2(0.09 * ((a0 + a1) / 2.0).cos(), 0.09 * ((a0 + a1) / 2.0).sin()),
                v2(0.74 * a0.cos(), 0.74 * a0.sin()),
                v2(0.74 * a1.cos(), 0.74 * a1.sin()),
            ]);
            canvas.fill(
                f,
                &wedge,
                Paint::Radial { c: v2(0.0, 0.0), r: 0.8, inner: shade(flesh, 0.2), outer: flesh },
                1.0,
            );
        }
    } else {
        for _ in 0..d.int(10, 20) {
            let p = d.in_disc(0.8);
            canvas.fill(f, &Shape::circle(p.x, p.y, 0.025), shade(peel, -0.3), 0.5);
        }
        canvas.fill(f, &Shape::circle(0.05, -0.82, 0.07), rgb(90, 110, 40), 1.0);
        if d.chance(0.35) {
            leaf(canvas, f, v2(0.05, -0.85), d.f(-1.2, -0.3), 0.55, 0.14, d.vary(rgb(60, 140, 50), 0.05));
        }
        gloss(canvas, f, v2(-0.35, -0.35), 0.16);
    }
}

/// A pineapple: a criss-crossed golden body and a crown of spiky leaves.
fn pineapple(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let green = d.vary(rgb(60, 135, 50), 0.05);
    for _ in 0..d.int(6, 9) {
        let a = -PI / 2.0 + d.f(-0.8, 0.8);
        leaf(canvas, f, v2(0.0, -0.4), a, d.f(0.45, 0.75), 0.09, d.vary(green, 0.03));
    }
    let gold = d.vary(rgb(205, 150, 45), 0.04);
    let body = Shape::ellipse(0.0, 0.25, 0.55, 0.72, 0.0);
    canvas.fill(f, &body, Paint::lit(v2(0.0, 0.25), 0.7, gold), 1.0);
    for k in -6..=6 {
        let x = k as f32 * 0.2;
        for dir in [-1.0, 1.0] {
            let line = Shape::capsule(v2(x - 0.9 * dir, -0.5), v2(x + 0.9 * dir, 1.0), 0.025);
            canvas.fill(f, &line.and(body.clone()), shade(gold, -0.4), 0.75);
        }
    }
}

/// Popcorn heaped in a red-and-white striped box.
fn popcorn(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let stripe = d.pick_vary(&[rgb(220, 30, 40), rgb(40, 90, 200), rgb(230, 120, 30)], 0.04);
    let puffs = d.int(18, 30);
    let mut pieces = Vec::with_capacity(puffs);
    for _ in 0..puffs {
        pieces.push((
            v2(d.f(-0.6, 0.6), d.f(-0.85, -0.1)),
            d.f(0.09, 0.14),
            d.pick_vary(&[rgb(250, 245, 225), rgb(245, 225, 150)], 0.03),
        ));
    }
    for &(p, r, c) in &pieces {
        for k in 0..3 {
            let a = k as f32 * TAU / 3.0 + p.x * 5.0;
            let q = v2(p.x + 0.6 * r * a.cos(), p.y + 0.6 * r * a.sin());
            canvas.fill(f, &Shape::circle(q.x, q.y, r * 0.75), Paint::lit(q, r, c), 1.0);
        }
    }
    let bucket = Shape::Poly(vec![v2(-0.6, -0.2), v2(0.6, -0.2), v2(0.45, 1.0), v2(-0.45, 1.0)]);
    canvas.fill(f, &bucket, [0.97; 3], 1.0);
    for k in 0..5 {
        let x = -0.6 + k as f32 * 0.27;
        canvas.fill(f, &bucket.clone().and(Shape::rect(x, -1.0, x + 0.135, 1.1)), stripe, 1.0);
    }
}

/// A brown pretzel knot sprinkled with salt.
fn pretzel(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let brown = d.pick_vary(&[rgb(150, 85, 35), rgb(125, 65, 25), rgb(175, 110, 50)], 0.04);
    let paint = Paint::lit(v2(0.0, 0.0), 1.0, brown);
    let loop_points: Vec<V2> = (0..=36)
        .map(|i| {
            let a = i as f32 / 36.0 * TAU;
            v2(0.92 * a.sin(), -0.05 + 0.72 * a.cos() - 0.12 * (2.0 * a).cos())
        })
        .collect();
    stroke(canvas, f, &loop_points, 0.14, &paint, 1.0);
    stroke(canvas, f, &[v2(-0.3, -0.6), v2(0.0, -0.05), v2(0.55, 0.55)], 0.13, &paint, 1.0);
    stroke(canvas, f, &[v2(0.3, -0.6), v2(0.0, -0.05), v2(-0.55, 0.55)], 0.13, &paint, 1.0);
    for _ in 0..d.int(6, 14) {
        let p = loop_points[d.int(0, 35)];
        canvas.fill(f, &Shape::rect(p.x - 0.03, p.y - 0.03, p.x + 0.03, p.y + 0.03), [0.97; 3], 0.9);
    }
}

/// A bowl of salad: leaves, tomatoes and cucumber.
fn salad(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let bowl = d.pick_vary(&[rgb(250, 250, 250), rgb(180, 130, 80), rgb(120, 170, 220), rgb(230, 230, 220)], 0.04);
    canvas.fill(f, &Shape::ellipse(0.0, 0.0, 1.0, 0.22, 0.0), shade(bowl, -0.2), 1.0);
    let greens = [rgb(70, 160, 50), rgb(125, 195, 65), rgb(40, 110, 40), rgb(165, 205, 95), rgb(120, 40, 80)];
    for _ in 0..d.int(14, 22) {
        let (x, y) = (d.f(-0.8, 0.8), d.f(-0.45, 0.05));
        let c = d.pick_vary(&greens, 0.04);
        let a = d.f(0.0, PI);
        canvas.fill(f, &Shape::ellipse(x, y, d.f(0.16, 0.28), d.f(0.09, 0.15), a), Paint::lit(v2(x, y), 0.25, c), 1.0);
    }
    for _ in 0..d.int(2, 5) {
        let (x, y, r) = (d.f(-0.6, 0.6), d.f(-0.4, 0.0), d.f(0.09, 0.13));
        canvas.fill(f, &Shape::circle(x, y, r), Paint::lit(v2(x, y), r, rgb(220, 35, 30)), 1.0);
        gloss(canvas, f, v2(x - r * 0.3, y - r * 0.3), r * 0.3);
    }
    for _ in 0..d.int(0, 3) {
        let (x, y) = (d.f(-0.6, 0.6), d.f(-0.35, 0.0));
        canvas.fill(f, &Shape::circle(x, y, 0.11), rgb(60, 130, 50), 1.0);
        canvas.fill(f, &Shape::circle(x, y, 0.085), rgb(200, 230, 160), 1.0);
    }
    let front = Shape::ellipse(0.0, 0.0, 1.0, 0.85, 0.0).and(Shape::rect(-1.1, 0.02, 1.1, 1.0));
    canvas.fill(
        f,
        &front,
        Paint::Linear { from: v2(0.0, 0.0), to: v2(0.0, 0.85), a: shade(bowl, 0.05), b: shade(bowl, -0.25) },
        1.0,
    );
}

/// A red strawberry with yellow seeds and a green top.
fn strawberry(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let red = d.pick_vary(&[rgb(215, 30, 40), rgb(190, 20, 35), rgb(235, 60, 50)], 0.04);
    let mut outline = Vec::new();
    for i in 0..=16 {
        let a = PI + i as f32 / 16.0 * PI;
        outline.push(v2(0.78 * a.cos(), -0.4 + 0.3 * a.sin()));
    }
    for i in 1..16 {
        let s = i as f32 / 16.0;
        outline.push(v2(0.78 * (1.0 - s).powf(0.6) * (1.0 + 0.3 * s), -0.4 + 1.35 * s));
    }
    outline.push(v2(0.0, 0.98));
    let left: Vec<V2> = outline[17..].iter().rev().map(|p| v2(-p.x, p.y)).collect();
    outline.extend(left);
    let body = Shape::Poly(outline);
    canvas.fill(f, &body, Paint::lit(v2(0.0, -0.1), 0.9, red), 1.0);
    for row in 0..7 {
        let y = -0.45 + row as f32 * 0.2;
        for col in -4..=4 {
            let x = col as f32 * 0.19 + if row % 2 == 1 { 0.095 } else { 0.0 };
            if body.sdf(v2(x, y)) < -0.07 {
                canvas.fill(f, &Shape::ellipse(x, y, 0.03, 0.045, 0.0), rgb(245, 215, 90), 0.9);
            }
        }
    }
    let green = d.vary(rgb(55, 140, 45), 0.05);
    for k in 0..d.int(5, 7) {
        let a = -PI + (k as f32 + 0.5) * PI / 6.0 + d.f(-0.15, 0.15);
        leaf(canvas, f, v2(0.0, -0.6), a, d.f(0.35, 0.5), 0.1, green);
    }
    stroke(canvas, f, &[v2(0.0, -0.6), v2(0.05, -0.95)], 0.05, &green.into(), 1.0);
}

/// A golden waffle: a square or round grid of pockets, maybe butter or syrup.
fn waffle(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let gold = d.vary(rgb(225, 170, 80), 0.05);
    let round = d.chance(0.35);
    let outline = if round { Shape::circle(0.0, 0.0, 0.92) } else { Shape::rect(-0.82, -0.82, 0.82, 0.82) };
    canvas.fill(f, &outline, Paint::lit(v2(0.0, 0.0), 0.9, gold), 1.0);
    let step = d.f(0.24, 0.3);
    let n = (0.8 / step) as i32;
    for i in -n..=n {
        for j in -n..=n {
            let (x, y) = (i as f32 * step, j as f32 * step);
            let pocket = Shape::rect(x - step * 0.32, y - step * 0.32, x + step * 0.32, y + step * 0.32);
            if outline.sdf(v2(x, y)) < -step * 0.4 {
                canvas.fill(
                    f,
                    &pocket,
                    Paint::Linear {
                        from: v2(x, y - step * 0.3),
                        to: v2(x, y + step * 0.3),
                        a: shade(gold, -0.35),
                        b: shade(gold, -0.1),
                    },
                    1.0,
                );
            }
        }
    }
    match d.int(0, 3) {
        0 => canvas.fill(f, &Shape::rect(-0.18, -0.15, 0.18, 0.15), rgb(250, 235, 150), 1.0),
        1 => canvas.fill(f, &blob(v2(0.05, 0.0), 20, |a| 0.35 + 0.08 * (5.0 * a).sin()), rgb(120, 60, 20), 0.6),
        _ => {}
    }
}

/// A watermelon slice: red flesh, black seeds, white and green rind.
fn watermelon(canvas: &mut Canvas, f: &Frame, d: &mut Dice) {
    let (centre, a0, a1) =
        if d.chance(0.5) { (v2(0.0, -0.35), 0.0, PI) } else { (v2(0.0, -0.95), PI / 2.0 - 0.5, PI / 2.0 + 0.5) };
    let radius = if a1 - a0 > 2.0 { 1.0 } else { 1.75 };
    let sector = |r: f32| {
        let mut pts = vec![centre];
        for i in 0..=24 {
            let a = a0 + (a1 - a0) * i as f32 / 24.0;
            pts.push(v2(centre.x + r * a.cos(), centre.y + r * a.sin()));
        }
        Shape::Poly(pts)
    };
    canvas.fill(f, &sector(radius), d.vary(rgb(40, 120, 45), 0.04), 1.0);
    canvas.fill(f, &sector(radius * 0.92), rgb(225, 240, 200), 1.0);
    let red = d.vary(rgb(235, 60, 70), 0.04);
    canvas.fill(
        f,
        &sector(radius * 0.87),
        Paint::Radial { c: centre, r: radius, inner: shade(red, 0.1), outer: shade(red, -0.1) },
        1.0,
    );
    for _ in 0..d.int(5, 10) {
        let a = d.f(a0 + 0.15, a1 - 0.15);
        let r = radius * d.f(0.35, 0.7);
        let p = v2(centre.x + r * a.cos(), centre.y + r * a.sin());
        canvas.fill(f, &Shape::ellipse(p.x, p.y, 0.05, 0.03, a), rgb(30, 20, 20), 1.0);
    }
}
