//! Paints one pose of a figure with tiny-skia: props and far limbs faint behind, then the
//! body as round-capped capsules, each limb cut free of what it crosses by a thin gap.

use super::Look;
use super::poses::{Arrow, Bar, L, P, Pose, R, Spec, View, p, part};
use tiny_skia::{
    BlendMode, Color, FillRule, LineCap, LineJoin, Paint, PathBuilder, Pixmap, PixmapPaint, PremultipliedColorU8, Stroke,
    Transform,
};

const HEAD_R: f32 = 6.5;
const ARM_W: f32 = 5.5;
const LEG_W: f32 = 7.5;
const NECK_W: f32 = 5.0;
const SIDE_TORSO_W: f32 = 13.0;
const HAND_R: f32 = 2.9;
/// The gap that keeps a limb apart from the body behind it.
const GAP: f32 = 1.6;
const PROP_OPACITY: f32 = 0.32;
const FAR_OPACITY: f32 = 0.45;
const ARROW_OPACITY: f32 = 0.75;
/// The share of a close-up's square over which the cut body fades out.
const FADE: f32 = 0.3;

fn color(rgb: u32) -> Color {
    Color::from_rgba8((rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8, 255)
}

/// A layer to paint on, in figure units, and what to paint with.
struct Layer {
    pix: Pixmap,
    to_px: Transform,
}

impl Layer {
    fn paint(rgb: u32) -> Paint<'static> {
        let mut paint = Paint::default();
        paint.set_color(color(rgb));
        paint.anti_alias = true;
        paint
    }

    fn polyline(&mut self, pts: &[P], width: f32, rgb: u32, blend: BlendMode) {
        let mut pb = PathBuilder::new();
        let Some(first) = pts.first() else { return };
        pb.move_to(first.x, first.y);
        for q in &pts[1..] {
            pb.line_to(q.x, q.y);
        }
        // A zero-length path draws nothing; a dot of a capsule still needs its round cap.
        if pts.len() == 1 || pts.iter().all(|q| q.sub(*first).len() < 1e-3) {
            pb.line_to(first.x + 1e-3, first.y);
        }
        let Some(path) = pb.finish() else { return };
        let mut paint = Layer::paint(rgb);
        paint.blend_mode = blend;
        let stroke = Stroke { width, line_cap: LineCap::Round, line_join: LineJoin::Round, ..Stroke::default() };
        self.pix.stroke_path(&path, &paint, &stroke, self.to_px, None);
    }

    fn line(&mut self, pts: &[P], width: f32, rgb: u32) {
        self.polyline(pts, width, rgb, BlendMode::SourceOver);
    }

    /// Clears a band around `pts` so the limb drawn there next stands apart.
    fn cut(&mut self, pts: &[P], width: f32) {
        self.polyline(pts, width + 2.0 * GAP, 0, BlendMode::DestinationOut);
    }

    fn circle(&mut self, c: P, r: f32, rgb: u32, blend: BlendMode) {
        let Some(path) = PathBuilder::from_circle(c.x, c.y, r.max(0.01)) else { return };
        let mut paint = Layer::paint(rgb);
        paint.blend_mode = blend;
        self.pix.fill_path(&path, &paint, FillRule::Winding, self.to_px, None);
    }

    fn polygon(&mut self, pts: &[P], rgb: u32, round: f32) {
        self.polygon_with(pts, rgb, round, BlendMode::SourceOver);
    }

    fn polygon_with(&mut self, pts: &[P], rgb: u32, round: f32, blend: BlendMode) {
        let mut pb = PathBuilder::new();
        let Some(first) = pts.first() else { return };
        pb.move_to(first.x, first.y);
        for q in &pts[1..] {
            pb.line_to(q.x, q.y);
        }
        pb.close();
        let Some(path) = pb.finish() else { return };
        let mut paint = Layer::paint(rgb);
        paint.blend_mode = blend;
        self.pix.fill_path(&path, &paint, FillRule::Winding, self.to_px, None);
        let stroke = Stroke { width: round, line_cap: LineCap::Round, line_join: LineJoin::Round, ..Stroke::default() };
        self.pix.stroke_path(&path, &paint, &stroke, self.to_px, None);
    }

    /// Fades the bottom `share` of the layer out, where a close-up cuts the body.
    fn fade_bottom(&mut self, share: f32) {
        let (w, h) = (self.pix.width() as usize, self.pix.height() as usize);
        let from = ((1.0 - share) * h as f32) as usize;
        let span = (h - from.min(h)).max(1) as f32;
        for (y, row) in self.pix.pixels_mut().chunks_exact_mut(w.max(1)).enumerate().skip(from) {
            let k = ((h - y) as f32 / span).clamp(0.0, 1.0);
            for px in row {
                let f = |c: u8| (f32::from(c) * k).round() as u8;
                if let Some(c) = PremultipliedColorU8::from_rgba(f(px.red()), f(px.green()), f(px.blue()), f(px.alpha())) {
                    *px = c;
                }
            }
        }
    }

    /// Paints the layer onto `out` at `opacity` and empties it for the next one.
    fn onto(&mut self, out: &mut Pixmap, opacity: f32) {
        let paint = PixmapPaint { opacity, ..PixmapPaint::default() };
        out.draw_pixmap(0, 0, self.pix.as_ref(), &paint, Transform::identity(), None);
        self.pix.fill(Color::TRANSPARENT);
    }
}

/// The square's transform: the figure's extent over all its keyframes fills it, less a margin,
/// so the figure neither jumps nor leaves the frame as it moves.
fn fit(spec: &Spec, size: u32) -> Transform {
    if let Some((a, b)) = spec.close_up {
        let side = (b.x - a.x).max(b.y - a.y).max(1.0);
        let k = size as f32 / side;
        let half = size as f32 / 2.0;
        return Transform::from_row(k, 0.0, 0.0, k, half - (a.x + b.x) / 2.0 * k, half - (a.y + b.y) / 2.0 * k);
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    let mut reach = |q: P, r: f32| {
        x0 = x0.min(q.x - r);
        y0 = y0.min(q.y - r);
        x1 = x1.max(q.x + r);
        y1 = y1.max(q.y + r);
    };
    for key in spec.keys {
        for q in key.points() {
            reach(q, LEG_W / 2.0 + 1.0);
        }
        reach(key.head, HEAD_R + 1.0);
    }
    for Bar(a, b, w) in spec.props {
        reach(*a, w / 2.0);
        reach(*b, w / 2.0);
    }
    if let Some(c) = spec.cable {
        reach(c, 2.0);
    }
    for arrow in spec.arrows {
        for q in arrow_points(arrow) {
            reach(q, 3.0);
        }
    }
    if x0 > x1 || y0 > y1 {
        (x0, y0, x1, y1) = (0.0, 0.0, 100.0, 100.0);
    }
    let side = (x1 - x0).max(y1 - y0).max(1.0);
    let k = size as f32 * 0.94 / side;
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let half = size as f32 / 2.0;
    Transform::from_row(k, 0.0, 0.0, k, half - cx * k, half - cy * k)
}

fn arrow_points(arrow: &Arrow) -> Vec<P> {
    const STEPS: usize = 24;
    match *arrow {
        Arrow::Curve(a, c, b) => (0..=STEPS)
            .map(|i| {
                let t = i as f32 / STEPS as f32;
                a.scale((1.0 - t) * (1.0 - t)).add(c.scale(2.0 * t * (1.0 - t))).add(b.scale(t * t))
            })
            .collect(),
        Arrow::Arc(c, r, from, to) => (0..=STEPS)
            .map(|i| {
                let deg = from + (to - from) * i as f32 / STEPS as f32;
                let rad = deg.to_radians();
                c.add(p(rad.cos() * r, rad.sin() * r))
            })
            .collect(),
    }
}

/// Draws one frame: `pose` of `spec` in a `size` px square.
pub fn frame(spec: &Spec, pose: &Pose, size: u32, look: &Look) -> Pixmap {
    let blank = || Pixmap::new(size, size).or_else(|| Pixmap::new(1, 1));
    let (Some(mut out), Some(pix)) = (blank(), blank()) else {
        // Only a failed allocation of a 1 px pixmap ends here; then there is nothing to show.
        return Pixmap::new(1, 1).unwrap_or_else(|| unreachable!("a 1 px pixmap always fits"));
    };
    if let Some(bg) = look.background {
        out.fill(color(bg));
    }
    let mut layer = Layer { pix, to_px: fit(spec, size) };
    let ink = look.ink;
    let tint = |bit: u16| if spec.accent & bit != 0 { look.accent } else { ink };

    // Props, and the cable to the hands.
    for Bar(a, b, w) in spec.props {
        layer.line(&[*a, *b], *w, ink);
    }
    if let Some(anchor) = spec.cable {
        let grip = pose.hand[R].lerp(pose.hand[L], 0.5);
        layer.line(&[anchor, grip], 1.2, ink);
    }
    layer.onto(&mut out, PROP_OPACITY);

    match spec.view {
        View::Side => {
            // The far arm and leg, faint behind the body.
            leg(&mut layer, spec, pose, L, tint(part::LEG_L));
            arm(&mut layer, spec, pose, L, tint(part::ARM_L), false);
            if spec.close_up.is_some() {
                layer.fade_bottom(FADE);
            }
            layer.onto(&mut out, FAR_OPACITY);
            leg(&mut layer, spec, pose, R, tint(part::LEG_R));
            side_torso(&mut layer, pose, tint(part::TORSO));
            neck_and_head(&mut layer, pose, tint(part::NECK), tint(part::HEAD));
            arm(&mut layer, spec, pose, R, tint(part::ARM_R), true);
            if spec.accent & part::SHOULDERS != 0 {
                layer.circle(pose.shoulder[R], 4.3 + GAP, 0, BlendMode::DestinationOut);
                layer.circle(pose.shoulder[R], 4.3, look.accent, BlendMode::SourceOver);
            }
        }
        View::Front | View::Back => {
            // The left leg first: a crossed right leg lies over it.
            leg(&mut layer, spec, pose, L, tint(part::LEG_L));
            leg_cut(&mut layer, pose, R);
            leg(&mut layer, spec, pose, R, tint(part::LEG_R));
            front_torso(&mut layer, pose, tint(part::TORSO));
            neck_and_head(&mut layer, pose, tint(part::NECK), tint(part::HEAD));
            if spec.accent & part::SHOULDERS != 0 {
                layer.line(&[pose.shoulder[R], pose.chest, pose.shoulder[L]], 5.0, look.accent);
                for s in [R, L] {
                    layer.circle(pose.shoulder[s], 3.6, look.accent, BlendMode::SourceOver);
                }
            }
            if spec.view == View::Back {
                // The spine, a seam down the middle of the back.
                let down = pose.pelvis.sub(pose.chest).unit();
                layer.polyline(
                    &[pose.chest.add(down.scale(3.0)), pose.pelvis.sub(down.scale(2.0))],
                    1.0,
                    0,
                    BlendMode::DestinationOut,
                );
                blades(&mut layer, pose, tint(part::BLADES));
            }
            arm(&mut layer, spec, pose, R, tint(part::ARM_R), true);
            arm(&mut layer, spec, pose, L, tint(part::ARM_L), true);
        }
    }
    face(&mut layer, spec.view, pose, tint(part::HEAD));
    for arrow in spec.arrows {
        draw_arrow(&mut layer, arrow, 0, BlendMode::DestinationOut, 2.0 * GAP);
    }
    if spec.close_up.is_some() {
        layer.fade_bottom(FADE);
    }
    layer.onto(&mut out, 1.0);

    for arrow in spec.arrows {
        draw_arrow(&mut layer, arrow, look.accent, BlendMode::SourceOver, 0.0);
    }
    layer.onto(&mut out, ARROW_OPACITY);
    out
}

fn leg_points(pose: &Pose, s: usize, view: View) -> [P; 4] {
    let foot = pose.foot[s];
    let toe = match view {
        View::Side => foot.add(p(5.0, 0.8)),
        // From the front or back a foot is a short blob below the ankle, turned out a little.
        View::Front | View::Back => foot.add(p(if s == R { -1.0 } else { 1.0 } * 1.2, 2.0)),
    };
    [pose.hip[s], pose.knee[s], foot, toe]
}

fn leg_cut(layer: &mut Layer, pose: &Pose, s: usize) {
    let pts = leg_points(pose, s, View::Front);
    layer.cut(&pts[..3], LEG_W);
}

fn leg(layer: &mut Layer, spec: &Spec, pose: &Pose, s: usize, rgb: u32) {
    let pts = leg_points(pose, s, spec.view);
    layer.line(&pts[..3], LEG_W, rgb);
    layer.line(&pts[2..], LEG_W - 1.5, rgb);
}

fn arm(layer: &mut Layer, spec: &Spec, pose: &Pose, s: usize, rgb: u32, cut: bool) {
    let pts = [pose.shoulder[s], pose.elbow[s], pose.hand[s]];
    if cut {
        // Free the arm from the body it crosses, but not at the shoulder it hangs from.
        let from = pts[0].lerp(pts[1], 0.35);
        layer.cut(&[from, pts[1], pts[2]], ARM_W);
        layer.circle(pts[2], HAND_R + GAP, 0, BlendMode::DestinationOut);
    }
    layer.line(&pts, ARM_W, rgb);
    if spec.dumbbells[s] {
        dumbbell(layer, pose.hand[s], pose.hand[s].sub(pose.elbow[s]).unit(), rgb);
    }
    if spec.cable.is_some() {
        let along = pose.hand[s].sub(pose.elbow[s]).unit();
        let across = p(-along.y, along.x);
        layer.line(&[pose.hand[s].add(across.scale(3.5)), pose.hand[s].sub(across.scale(3.5))], 2.2, rgb);
    }
    layer.circle(pose.hand[s], HAND_R, rgb, BlendMode::SourceOver);
}

/// A dumbbell in the hand, its bar across the forearm.
fn dumbbell(layer: &mut Layer, hand: P, along: P, rgb: u32) {
    let across = p(-along.y, along.x);
    let end = |k: f32| hand.add(across.scale(k));
    layer.line(&[end(-5.0), end(5.0)], 2.0, rgb);
    for k in [-4.6, 4.6] {
        let c = end(k);
        layer.line(&[c.sub(along.scale(2.4)), c.add(along.scale(2.4))], 3.4, rgb);
    }
}

fn front_torso(layer: &mut Layer, pose: &Pose, rgb: u32) {
    let out = |s: usize, k: f32| {
        let c = pose.pelvis;
        let h = pose.hip[s];
        c.add(h.sub(c).scale(k))
    };
    let pts = [pose.shoulder[R], pose.shoulder[L], out(L, 1.25), out(R, 1.25)];
    layer.polygon(&pts, rgb, 4.5);
}

fn side_torso(layer: &mut Layer, pose: &Pose, rgb: u32) {
    let up = pose.chest.sub(pose.pelvis).unit();
    layer.line(&[pose.pelvis.add(up.scale(2.0)), pose.chest.add(up.scale(-2.5))], SIDE_TORSO_W, rgb);
}

fn neck_and_head(layer: &mut Layer, pose: &Pose, neck: u32, head: u32) {
    // A head in front of the body (chin down, bent forward) keeps its outline.
    layer.circle(pose.head, HEAD_R + GAP, 0, BlendMode::DestinationOut);
    layer.line(&[pose.chest, pose.neck], NECK_W, neck);
    layer.circle(pose.head, HEAD_R, head, BlendMode::SourceOver);
}

fn blades(layer: &mut Layer, pose: &Pose, rgb: u32) {
    for side in [-1.0, 1.0] {
        let c = pose.chest.add(p(side * pose.blades, 9.0));
        let top = c.add(p(side * 2.0, -4.5));
        let bottom = c.add(p(-side * 0.8, 5.0));
        layer.line(&[top, bottom], 6.0, rgb);
    }
}

/// Eyes (and a nose when turned) cut out of the head, so the face shows where it looks.
fn face(layer: &mut Layer, view: View, pose: &Pose, head: u32) {
    let up = pose.head.sub(pose.neck).unit();
    let right = p(-up.y, up.x);
    let c = pose.head;
    let hole = |layer: &mut Layer, q: P, r: f32| layer.circle(q, r, 0, BlendMode::DestinationOut);
    match view {
        View::Back => {}
        View::Front => {
            let turn = pose.turn.clamp(-1.0, 1.0);
            let nod = pose.nod.clamp(-1.0, 1.0);
            let mid = c.add(right.scale(turn * HEAD_R * 0.5)).add(up.scale(-nod * HEAD_R * 0.55 + HEAD_R * 0.05));
            let apart = HEAD_R * 0.3 * (1.0 - 0.45 * turn.abs());
            for k in [-1.0, 1.0] {
                hole(layer, mid.add(right.scale(k * apart)), HEAD_R * 0.13);
            }
            if turn.abs() > 0.15 {
                // A nose that points the way the head turns.
                let base = mid.add(up.scale(-HEAD_R * 0.3));
                let tip = base.add(right.scale(turn * HEAD_R * 0.28));
                layer.polyline(&[base, tip], HEAD_R * 0.14, 0, BlendMode::DestinationOut);
            }
            if turn.abs() > 0.4 {
                // Turned far, the nose stands out of the outline as in a profile.
                let k = (turn.abs() - 0.4) / 0.6;
                let nose = c.add(right.scale(turn.signum() * HEAD_R * (0.75 + 0.17 * k))).add(up.scale(-nod * HEAD_R * 0.4));
                layer.circle(nose, HEAD_R * 0.26 * k.sqrt(), head, BlendMode::SourceOver);
            }
        }
        View::Side => {
            let nod = pose.nod.clamp(-1.0, 1.0) * 0.5;
            let (sin, cos) = nod.sin_cos();
            let fwd = p(right.x * cos - right.y * sin, right.x * sin + right.y * cos);
            let up = p(-fwd.y, fwd.x).scale(-1.0);
            hole(layer, c.add(fwd.scale(HEAD_R * 0.5)).add(up.scale(HEAD_R * 0.12)), HEAD_R * 0.13);
            // The nose stands out of the head's outline, in the head's colour.
            layer.circle(
                c.add(fwd.scale(HEAD_R * 0.92)).add(up.scale(-HEAD_R * 0.1)),
                HEAD_R * 0.26,
                head,
                BlendMode::SourceOver,
            );
        }
    }
}

/// An arrow, or with `DestinationOut` and a `halo` the room cleared for it in the body.
fn draw_arrow(layer: &mut Layer, arrow: &Arrow, rgb: u32, blend: BlendMode, halo: f32) {
    let pts = arrow_points(arrow);
    let n = pts.len();
    if n < 2 {
        return;
    }
    let tip = pts[n - 1];
    let dir = tip.sub(pts[n - 3.min(n)]).unit();
    let across = p(-dir.y, dir.x);
    let head = 4.2;
    let back = tip.sub(dir.scale(head));
    layer.polyline(&pts[..n - 1], 1.9 + halo, rgb, blend);
    let wings = [tip.add(dir.scale(0.6)), back.add(across.scale(head * 0.7)), back.sub(across.scale(head * 0.7))];
    layer.polygon_with(&wings, rgb, 1.0 + halo, blend);
}
