//! The built-in figures as data: each one a view, keyframed poses of a small skeleton, the
//! parts drawn in the accent colour, props and motion arrows.
//!
//! Coordinates are in a free unit space with y pointing down (a standing person is about 90
//! units tall); the drawing fits each figure, over all its keyframes, into the square. Side
//! views face right. Index 0 of a limb pair is the person's right: in the front view that is
//! the viewer's left, in the back view the viewer's right, in a side view the near side.

use std::f32::consts::PI;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct P {
    pub x: f32,
    pub y: f32,
}

pub const fn p(x: f32, y: f32) -> P {
    P { x, y }
}

impl P {
    pub fn lerp(self, o: P, t: f32) -> P {
        p(self.x + (o.x - self.x) * t, self.y + (o.y - self.y) * t)
    }
    pub fn sub(self, o: P) -> P {
        p(self.x - o.x, self.y - o.y)
    }
    pub fn add(self, o: P) -> P {
        p(self.x + o.x, self.y + o.y)
    }
    pub fn scale(self, k: f32) -> P {
        p(self.x * k, self.y * k)
    }
    pub fn len(self) -> f32 {
        self.x.hypot(self.y)
    }
    pub fn unit(self) -> P {
        let l = self.len();
        if l > 1e-6 { self.scale(1.0 / l) } else { p(0.0, -1.0) }
    }
}

pub const R: usize = 0;
pub const L: usize = 1;

/// One keyframe of the skeleton. `chest` is the base of the neck, between the shoulders.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose {
    pub pelvis: P,
    pub chest: P,
    pub neck: P,
    pub head: P,
    pub shoulder: [P; 2],
    pub elbow: [P; 2],
    pub hand: [P; 2],
    pub hip: [P; 2],
    pub knee: [P; 2],
    pub foot: [P; 2],
    /// Where the face looks, across: -1 the viewer's left, 0 ahead, 1 the viewer's right.
    pub turn: f32,
    /// How far the chin drops (1) or lifts (-1).
    pub nod: f32,
    /// Half the distance between the shoulder blades (back view).
    pub blades: f32,
}

/// A joint's place relative to its parent, as an angle and a length: tweening those keeps
/// limbs their length while they swing, where tweening positions would shrink them.
fn polar(child: P, parent: P) -> (f32, f32) {
    let d = child.sub(parent);
    (d.y.atan2(d.x), d.len())
}

fn tween_joint(a: P, a_parent: P, b: P, b_parent: P, parent_now: P, t: f32) -> P {
    let (aa, al) = polar(a, a_parent);
    let (ba, bl) = polar(b, b_parent);
    let mut turn = ba - aa;
    while turn > PI {
        turn -= 2.0 * PI;
    }
    while turn < -PI {
        turn += 2.0 * PI;
    }
    let angle = aa + turn * t;
    let length = al + (bl - al) * t;
    parent_now.add(p(angle.cos() * length, angle.sin() * length))
}

impl Pose {
    /// The pose `t` of the way from `self` to `o`.
    pub fn tween(&self, o: &Pose, t: f32, how: Tween) -> Pose {
        if how == Tween::Slide {
            return self.slide(o, t);
        }
        let pelvis = self.pelvis.lerp(o.pelvis, t);
        let j = |a: P, ap: P, b: P, bp: P, now: P| tween_joint(a, ap, b, bp, now, t);
        let chest = j(self.chest, self.pelvis, o.chest, o.pelvis, pelvis);
        let neck = j(self.neck, self.chest, o.neck, o.chest, chest);
        let head = j(self.head, self.neck, o.head, o.neck, neck);
        let mut out = Pose {
            pelvis,
            chest,
            neck,
            head,
            turn: self.turn + (o.turn - self.turn) * t,
            nod: self.nod + (o.nod - self.nod) * t,
            blades: self.blades + (o.blades - self.blades) * t,
            ..*self
        };
        for s in [R, L] {
            out.shoulder[s] = j(self.shoulder[s], self.chest, o.shoulder[s], o.chest, chest);
            out.elbow[s] = j(self.elbow[s], self.shoulder[s], o.elbow[s], o.shoulder[s], out.shoulder[s]);
            out.hand[s] = j(self.hand[s], self.elbow[s], o.hand[s], o.elbow[s], out.elbow[s]);
            out.hip[s] = j(self.hip[s], self.pelvis, o.hip[s], o.pelvis, pelvis);
            out.knee[s] = j(self.knee[s], self.hip[s], o.knee[s], o.hip[s], out.hip[s]);
            out.foot[s] = j(self.foot[s], self.knee[s], o.foot[s], o.knee[s], out.knee[s]);
        }
        out
    }

    fn slide(&self, o: &Pose, t: f32) -> Pose {
        let pair = |a: [P; 2], b: [P; 2]| [a[R].lerp(b[R], t), a[L].lerp(b[L], t)];
        let num = |a: f32, b: f32| a + (b - a) * t;
        Pose {
            pelvis: self.pelvis.lerp(o.pelvis, t),
            chest: self.chest.lerp(o.chest, t),
            neck: self.neck.lerp(o.neck, t),
            head: self.head.lerp(o.head, t),
            shoulder: pair(self.shoulder, o.shoulder),
            elbow: pair(self.elbow, o.elbow),
            hand: pair(self.hand, o.hand),
            hip: pair(self.hip, o.hip),
            knee: pair(self.knee, o.knee),
            foot: pair(self.foot, o.foot),
            turn: num(self.turn, o.turn),
            nod: num(self.nod, o.nod),
            blades: num(self.blades, o.blades),
        }
    }

    /// Every point the pose reaches, for fitting the figure into its square.
    pub fn points(&self) -> impl Iterator<Item = P> + '_ {
        [self.pelvis, self.chest, self.neck, self.head]
            .into_iter()
            .chain(self.shoulder)
            .chain(self.elbow)
            .chain(self.hand)
            .chain(self.hip)
            .chain(self.knee)
            .chain(self.foot)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Front,
    Side,
    Back,
}

/// Body parts, as bits, for the accent.
pub mod part {
    pub const HEAD: u16 = 1;
    pub const NECK: u16 = 2;
    pub const TORSO: u16 = 4;
    pub const SHOULDERS: u16 = 8;
    pub const ARM_R: u16 = 16;
    pub const ARM_L: u16 = 32;
    pub const LEG_R: u16 = 64;
    pub const LEG_L: u16 = 128;
    pub const BLADES: u16 = 256;
    pub const ARMS: u16 = ARM_R | ARM_L;
    pub const LEGS: u16 = LEG_R | LEG_L;
}

/// A still line of a prop (chair, machine), drawn faint behind the person.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar(pub P, pub P, pub f32);

/// A motion arrow in the accent colour, its head at the end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arrow {
    /// A quadratic curve from, through a control point, to.
    Curve(P, P, P),
    /// An arc around a centre with a radius, from one angle to another (degrees, clockwise on
    /// screen, 0 pointing right).
    Arc(P, f32, f32, f32),
}

/// How joints travel between keyframes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tween {
    /// Limbs swing about their joints, keeping their length (a tilt, a lift, a stride).
    Swing,
    /// Joints slide straight to their next place: a limb that turns toward or away from the
    /// viewer only looks shorter on the way (elbows drawn forward, a torso turning).
    Slide,
}

#[derive(Debug)]
pub struct Spec {
    pub name: &'static str,
    pub view: View,
    /// Two to five keyframes, evenly spaced over the motion from 0 to 1.
    pub keys: &'static [Pose],
    pub accent: u16,
    pub props: &'static [Bar],
    /// Which hands hold a dumbbell: [right, left].
    pub dumbbells: [bool; 2],
    /// A row machine's pulley: a cable runs from it to the hands, which hold a handle.
    pub cable: Option<P>,
    pub arrows: &'static [Arrow],
    pub tween: Tween,
    /// A close-up: the region (top left, bottom right) to fit in the square instead of the
    /// whole figure; the body fades out where the square cuts it.
    pub close_up: Option<(P, P)>,
}

// ---- Base poses ----------------------------------------------------------------------------

const FRONT_STAND: Pose = Pose {
    pelvis: p(50.0, 52.0),
    chest: p(50.0, 25.0),
    neck: p(50.0, 20.5),
    head: p(50.0, 13.0),
    shoulder: [p(39.5, 26.5), p(60.5, 26.5)],
    elbow: [p(37.5, 40.5), p(62.5, 40.5)],
    hand: [p(37.0, 53.0), p(63.0, 53.0)],
    hip: [p(45.0, 54.0), p(55.0, 54.0)],
    knee: [p(44.5, 73.5), p(55.5, 73.5)],
    foot: [p(44.0, 93.0), p(56.0, 93.0)],
    turn: 0.0,
    nod: 0.0,
    blades: 7.5,
};

const FRONT_SIT: Pose = Pose {
    pelvis: p(50.0, 57.0),
    chest: p(50.0, 30.0),
    neck: p(50.0, 25.5),
    head: p(50.0, 18.0),
    shoulder: [p(39.5, 31.5), p(60.5, 31.5)],
    elbow: [p(37.0, 45.0), p(63.0, 45.0)],
    hand: [p(41.0, 57.0), p(59.0, 57.0)],
    hip: [p(45.0, 58.0), p(55.0, 58.0)],
    knee: [p(41.0, 63.5), p(59.0, 63.5)],
    foot: [p(41.5, 85.0), p(58.5, 85.0)],
    turn: 0.0,
    nod: 0.0,
    blades: 7.5,
};

const SIDE_STAND: Pose = Pose {
    pelvis: p(50.0, 52.0),
    chest: p(51.0, 25.0),
    neck: p(52.5, 20.5),
    head: p(54.0, 13.0),
    shoulder: [p(51.0, 26.5), p(51.0, 26.5)],
    elbow: [p(50.5, 41.0), p(50.5, 41.0)],
    hand: [p(52.0, 54.0), p(52.0, 54.0)],
    hip: [p(50.0, 52.0), p(50.0, 52.0)],
    knee: [p(51.5, 73.0), p(50.5, 73.0)],
    foot: [p(50.5, 93.0), p(49.5, 93.0)],
    turn: 0.0,
    nod: 0.0,
    blades: 7.5,
};

const SIDE_SIT: Pose = Pose {
    pelvis: p(42.0, 66.0),
    chest: p(44.0, 38.5),
    neck: p(45.5, 34.0),
    head: p(47.0, 26.5),
    shoulder: [p(44.0, 39.5), p(44.0, 39.5)],
    elbow: [p(45.0, 54.0), p(45.0, 54.0)],
    hand: [p(56.0, 62.0), p(56.0, 62.0)],
    hip: [p(42.0, 66.0), p(42.0, 66.0)],
    knee: [p(63.0, 66.5), p(62.0, 66.0)],
    foot: [p(63.5, 88.0), p(62.5, 88.0)],
    turn: 0.0,
    nod: 0.0,
    blades: 7.5,
};

// ---- Props ---------------------------------------------------------------------------------

/// Seen from the front the backrest shows either side of the person, which tells a seated
/// figure from one standing behind a stool.
const CHAIR_FRONT: &[Bar] = &[
    Bar(p(32.0, 62.5), p(68.0, 62.5), 3.5),
    Bar(p(33.5, 62.5), p(33.5, 89.0), 2.5),
    Bar(p(66.5, 62.5), p(66.5, 89.0), 2.5),
    Bar(p(31.0, 62.5), p(31.0, 33.0), 2.5),
    Bar(p(69.0, 62.5), p(69.0, 33.0), 2.5),
    Bar(p(31.0, 33.0), p(69.0, 33.0), 3.0),
];

const STOOL_SIDE: &[Bar] =
    &[Bar(p(31.0, 71.5), p(59.0, 71.5), 3.0), Bar(p(57.0, 71.5), p(57.0, 90.0), 2.5), Bar(p(33.0, 71.5), p(33.0, 90.0), 2.5)];

// ---- Figures -------------------------------------------------------------------------------

const TILT_R: Pose = Pose { neck: p(48.8, 25.7), head: p(44.0, 19.9), ..FRONT_SIT };
const TILT_L: Pose = Pose { neck: p(51.2, 25.7), head: p(56.0, 19.9), ..FRONT_SIT };
const CHIN_DOWN: Pose = Pose { neck: p(50.0, 27.0), head: p(50.0, 21.5), nod: 0.9, ..FRONT_SIT };

pub static NECK_TILT_HOLD: Spec = Spec {
    name: "neck-tilt-hold",
    view: View::Front,
    keys: &[FRONT_SIT, TILT_R],
    accent: part::HEAD | part::NECK,
    props: CHAIR_FRONT,
    dumbbells: [false; 2],
    cable: None,
    arrows: &[Arrow::Arc(p(50.0, 26.0), 18.0, -80.0, -140.0)],
    tween: Tween::Swing,
    close_up: None,
};

pub static NECK_ROLL: Spec = Spec {
    name: "neck-roll",
    view: View::Front,
    keys: &[TILT_R, CHIN_DOWN, TILT_L],
    accent: part::HEAD | part::NECK,
    props: CHAIR_FRONT,
    dumbbells: [false; 2],
    cable: None,
    arrows: &[Arrow::Arc(p(50.0, 20.0), 13.0, 165.0, 15.0)],
    tween: Tween::Swing,
    close_up: None,
};

const SHRUG: Pose = Pose {
    shoulder: [p(39.5, 21.5), p(60.5, 21.5)],
    elbow: [p(37.5, 35.5), p(62.5, 35.5)],
    hand: [p(37.0, 48.0), p(63.0, 48.0)],
    ..FRONT_STAND
};

pub static SHOULDER_SHRUG: Spec = Spec {
    name: "shoulder-shrug",
    view: View::Front,
    keys: &[FRONT_STAND, SHRUG],
    accent: part::SHOULDERS,
    props: &[],
    dumbbells: [false; 2],
    cable: None,
    arrows: &[
        Arrow::Curve(p(30.0, 31.0), p(30.0, 25.0), p(30.0, 18.0)),
        Arrow::Curve(p(70.0, 31.0), p(70.0, 25.0), p(70.0, 18.0)),
    ],
    tween: Tween::Swing,
    close_up: None,
};

const fn shoulders_by(base: Pose, dx: f32, dy: f32) -> Pose {
    let mut out = base;
    let mut s = 0;
    while s < 2 {
        out.shoulder[s] = p(base.shoulder[s].x + dx, base.shoulder[s].y + dy);
        out.elbow[s] = p(base.elbow[s].x + dx, base.elbow[s].y + dy);
        out.hand[s] = p(base.hand[s].x + dx, base.hand[s].y + dy);
        s += 1;
    }
    out
}

pub static SHOULDER_ROLL: Spec = Spec {
    name: "shoulder-roll",
    view: View::Side,
    keys: &[
        SIDE_STAND,
        shoulders_by(SIDE_STAND, 0.5, -5.0),
        shoulders_by(SIDE_STAND, -4.0, -1.0),
        shoulders_by(SIDE_STAND, 0.0, 2.0),
        SIDE_STAND,
    ],
    accent: part::SHOULDERS,
    props: &[],
    dumbbells: [false; 2],
    cable: None,
    arrows: &[Arrow::Arc(p(50.5, 25.5), 10.0, 20.0, -250.0)],
    tween: Tween::Swing,
    close_up: Some((p(16.0, -1.0), p(86.0, 69.0))),
};

const ACROSS: Pose = Pose {
    shoulder: [p(40.0, 31.5), p(60.5, 31.5)],
    elbow: [p(51.0, 35.0), p(64.0, 45.0)],
    hand: [p(65.0, 34.0), p(52.5, 37.5)],
    ..FRONT_SIT
};

pub static POSTERIOR_SHOULDER_STRETCH: Spec = Spec {
    name: "posterior-shoulder-stretch",
    view: View::Front,
    keys: &[FRONT_SIT, ACROSS],
    accent: part::ARM_R,
    props: CHAIR_FRONT,
    dumbbells: [false; 2],
    cable: None,
    arrows: &[Arrow::Curve(p(28.0, 54.0), p(27.0, 31.0), p(42.0, 28.0))],
    tween: Tween::Slide,
    close_up: None,
};

const WINGS_OPEN: Pose = Pose { elbow: [p(26.0, 37.0), p(74.0, 37.0)], hand: [p(38.5, 28.5), p(61.5, 28.5)], ..FRONT_SIT };
const WINGS_CLOSED: Pose = Pose { elbow: [p(47.5, 40.0), p(52.5, 40.0)], hand: [p(38.5, 28.5), p(61.5, 28.5)], ..FRONT_SIT };

pub static BUTTERFLY_WINGS: Spec = Spec {
    name: "butterfly-wings",
    view: View::Front,
    keys: &[WINGS_OPEN, WINGS_CLOSED],
    accent: part::ARMS,
    props: CHAIR_FRONT,
    dumbbells: [false; 2],
    cable: None,
    arrows: &[
        Arrow::Curve(p(20.0, 44.0), p(26.0, 53.0), p(40.0, 50.0)),
        Arrow::Curve(p(80.0, 44.0), p(74.0, 53.0), p(60.0, 50.0)),
    ],
    tween: Tween::Slide,
    close_up: None,
};

const SQUEEZED: Pose = Pose {
    shoulder: [p(41.0, 26.5), p(59.0, 26.5)],
    elbow: [p(39.5, 40.5), p(60.5, 40.5)],
    hand: [p(39.5, 53.0), p(60.5, 53.0)],
    blades: 3.2,
    ..FRONT_STAND
};

pub static SCAPULAR_SQUEEZE: Spec = Spec {
    name: "scapular-squeeze",
    view: View::Back,
    keys: &[FRONT_STAND, SQUEEZED],
    accent: part::BLADES,
    props: &[],
    dumbbells: [false; 2],
    cable: None,
    arrows: &[
        Arrow::Curve(p(22.0, 33.0), p(26.0, 33.0), p(31.0, 33.0)),
        Arrow::Curve(p(78.0, 33.0), p(74.0, 33.0), p(69.0, 33.0)),
    ],
    tween: Tween::Swing,
    close_up: None,
};

const CHAIR_SIDEWAYS: &[Bar] = &[
    Bar(p(32.0, 62.5), p(66.0, 62.5), 3.5),
    Bar(p(33.5, 62.5), p(33.5, 89.0), 2.5),
    Bar(p(64.5, 62.5), p(64.5, 89.0), 2.5),
    Bar(p(32.5, 62.5), p(32.5, 36.0), 4.0),
];

const TURNED_R: Pose = Pose {
    shoulder: [p(42.5, 31.0), p(53.0, 31.5)],
    elbow: [p(37.0, 41.0), p(45.0, 41.5)],
    hand: [p(34.5, 46.5), p(36.0, 41.0)],
    head: p(48.5, 18.0),
    turn: -1.0,
    ..FRONT_SIT
};

pub static CHAIR_ROTATION: Spec = Spec {
    name: "chair-rotation",
    view: View::Front,
    keys: &[FRONT_SIT, TURNED_R],
    accent: part::TORSO,
    props: CHAIR_SIDEWAYS,
    dumbbells: [false; 2],
    cable: None,
    arrows: &[Arrow::Curve(p(62.0, 4.0), p(50.0, 12.0), p(38.0, 4.0))],
    tween: Tween::Slide,
    close_up: None,
};

const FOLDED: Pose = Pose { elbow: [p(42.0, 41.0), p(58.0, 41.0)], hand: [p(59.0, 32.0), p(41.0, 32.0)], ..FRONT_SIT };
const TWIST_L: Pose = Pose {
    shoulder: [p(47.5, 31.5), p(58.0, 31.0)],
    elbow: [p(53.5, 41.5), p(60.5, 40.5)],
    hand: [p(58.0, 32.0), p(48.5, 32.5)],
    head: p(51.5, 18.0),
    turn: 1.0,
    ..FRONT_SIT
};

pub static SEATED_SPINAL_ROTATION: Spec = Spec {
    name: "seated-spinal-rotation",
    view: View::Front,
    keys: &[FOLDED, TWIST_L],
    accent: part::TORSO,
    props: CHAIR_FRONT,
    dumbbells: [false; 2],
    cable: None,
    arrows: &[Arrow::Curve(p(38.0, 4.0), p(50.0, 12.0), p(62.0, 4.0))],
    tween: Tween::Slide,
    close_up: None,
};

const HANDS_ON_BACK: Pose = Pose {
    elbow: [p(34.0, 50.0), p(34.0, 50.0)],
    hand: [p(38.5, 61.0), p(38.5, 61.0)],
    knee: [p(63.0, 66.5), p(63.0, 66.5)],
    foot: [p(63.5, 88.0), p(63.5, 88.0)],
    ..SIDE_SIT
};
const LEANED_BACK: Pose = Pose {
    chest: p(33.3, 39.4),
    neck: p(31.3, 35.0),
    head: p(27.6, 28.5),
    shoulder: [p(33.5, 40.5), p(33.5, 40.5)],
    elbow: [p(26.0, 53.0), p(26.0, 53.0)],
    hand: [p(37.0, 61.0), p(37.0, 61.0)],
    nod: -0.3,
    ..HANDS_ON_BACK
};

pub static SITTING_BACK_EXTENSION: Spec = Spec {
    name: "sitting-back-extension",
    view: View::Side,
    keys: &[HANDS_ON_BACK, LEANED_BACK],
    accent: part::TORSO,
    props: STOOL_SIDE,
    dumbbells: [false; 2],
    cable: None,
    arrows: &[Arrow::Arc(p(42.0, 66.0), 50.0, -80.0, -118.0)],
    tween: Tween::Swing,
    close_up: None,
};

const CROSSED: Pose = Pose {
    hip: [p(45.0, 58.0), p(55.0, 58.0)],
    knee: [p(31.0, 60.0), p(59.0, 63.5)],
    foot: [p(54.0, 60.5), p(58.5, 85.0)],
    elbow: [p(36.0, 45.0), p(63.0, 45.0)],
    hand: [p(33.0, 57.5), p(55.0, 58.5)],
    ..FRONT_SIT
};
const CROSSED_LEAN: Pose = Pose {
    chest: p(50.0, 38.0),
    neck: p(50.0, 34.0),
    head: p(50.0, 27.0),
    nod: 0.6,
    shoulder: [p(39.5, 39.5), p(60.5, 39.5)],
    elbow: [p(35.0, 49.0), p(63.0, 51.0)],
    hand: [p(34.0, 58.0), p(56.0, 60.0)],
    ..CROSSED
};

pub static DEEP_HIP_STRETCH: Spec = Spec {
    name: "deep-hip-stretch",
    view: View::Front,
    keys: &[FRONT_SIT, CROSSED, CROSSED_LEAN],
    accent: part::LEG_R,
    props: CHAIR_FRONT,
    dumbbells: [false; 2],
    cable: None,
    arrows: &[Arrow::Curve(p(75.0, 16.0), p(78.0, 25.0), p(72.0, 33.0))],
    tween: Tween::Swing,
    close_up: None,
};

const ROW_LEGS: Pose = Pose { knee: [p(62.0, 60.0), p(61.0, 60.0)], foot: [p(72.0, 80.0), p(71.0, 80.0)], ..SIDE_SIT };
const ROW_REACH: Pose = Pose { elbow: [p(58.0, 42.0), p(58.0, 42.0)], hand: [p(71.0, 44.0), p(71.0, 44.0)], ..ROW_LEGS };
const ROW_PULLED: Pose = Pose {
    chest: p(43.0, 38.0),
    shoulder: [p(43.0, 39.5), p(43.0, 39.5)],
    elbow: [p(30.0, 46.0), p(30.0, 46.0)],
    hand: [p(43.0, 45.5), p(43.0, 45.5)],
    ..ROW_LEGS
};

pub static PAUSED_SEATED_ROW: Spec = Spec {
    name: "paused-seated-row",
    view: View::Side,
    keys: &[ROW_REACH, ROW_PULLED],
    accent: part::ARMS,
    props: &[
        Bar(p(30.0, 71.5), p(56.0, 71.5), 3.0),
        Bar(p(43.0, 71.5), p(43.0, 90.0), 3.0),
        Bar(p(34.0, 90.0), p(52.0, 90.0), 3.0),
        Bar(p(88.0, 24.0), p(88.0, 90.0), 4.0),
        Bar(p(84.0, 90.0), p(92.0, 90.0), 3.0),
        Bar(p(74.0, 77.0), p(77.0, 90.0), 3.0),
    ],
    dumbbells: [false; 2],
    cable: Some(p(87.0, 44.0)),
    arrows: &[Arrow::Curve(p(78.0, 34.0), p(68.0, 33.0), p(58.0, 34.0))],
    tween: Tween::Swing,
    close_up: None,
};

const HINGED_HANG: Pose = Pose {
    pelvis: p(40.0, 50.0),
    chest: p(60.0, 31.0),
    neck: p(63.3, 27.9),
    head: p(68.7, 22.7),
    shoulder: [p(60.0, 32.0), p(59.0, 31.5)],
    elbow: [p(60.0, 47.0), p(66.5, 43.0)],
    hand: [p(60.5, 60.0), p(74.5, 53.5)],
    hip: [p(40.0, 50.0), p(40.0, 50.0)],
    knee: [p(47.0, 69.5), p(46.0, 70.0)],
    foot: [p(45.0, 90.0), p(43.0, 90.0)],
    turn: 0.0,
    nod: 0.0,
    blades: 7.5,
};
const HINGED_ROW: Pose = Pose { elbow: [p(50.0, 29.0), p(66.5, 43.0)], hand: [p(52.5, 42.0), p(74.5, 53.5)], ..HINGED_HANG };

pub static SINGLE_ARM_DUMBBELL_ROW: Spec = Spec {
    name: "single-arm-dumbbell-row",
    view: View::Side,
    keys: &[HINGED_HANG, HINGED_ROW],
    accent: part::ARM_R,
    props: &[
        Bar(p(75.0, 54.5), p(75.0, 71.0), 3.0),
        Bar(p(74.0, 71.0), p(93.0, 71.0), 3.0),
        Bar(p(75.0, 71.0), p(75.0, 90.0), 2.5),
        Bar(p(92.0, 71.0), p(92.0, 90.0), 2.5),
    ],
    dumbbells: [true, false],
    cable: None,
    arrows: &[Arrow::Curve(p(69.0, 63.0), p(69.0, 50.0), p(64.0, 42.0))],
    tween: Tween::Swing,
    close_up: None,
};

/// Bent forward toward the viewer: the torso looks short and the head, looking at the floor,
/// hides the neck in front of the shoulders.
const FLY_HANG: Pose = Pose {
    pelvis: p(50.0, 54.0),
    chest: p(50.0, 39.0),
    neck: p(50.0, 40.0),
    head: p(50.0, 41.0),
    shoulder: [p(39.0, 39.5), p(61.0, 39.5)],
    elbow: [p(38.5, 54.0), p(61.5, 54.0)],
    hand: [p(39.0, 66.0), p(61.0, 66.0)],
    hip: [p(45.0, 55.0), p(55.0, 55.0)],
    knee: [p(43.0, 73.5), p(57.0, 73.5)],
    foot: [p(44.0, 92.0), p(56.0, 92.0)],
    turn: 0.0,
    nod: 1.0,
    blades: 7.5,
};
const FLY_UP: Pose = Pose { elbow: [p(26.0, 45.0), p(74.0, 45.0)], hand: [p(14.0, 48.0), p(86.0, 48.0)], ..FLY_HANG };

pub static REVERSE_DUMBBELL_FLY: Spec = Spec {
    name: "reverse-dumbbell-fly",
    view: View::Front,
    keys: &[FLY_HANG, FLY_UP],
    accent: part::ARMS,
    props: &[],
    dumbbells: [true, true],
    cable: None,
    arrows: &[
        Arrow::Curve(p(30.0, 68.0), p(20.0, 64.0), p(15.0, 55.0)),
        Arrow::Curve(p(70.0, 68.0), p(80.0, 64.0), p(85.0, 55.0)),
    ],
    tween: Tween::Swing,
    close_up: None,
};

const STRIDE_A: Pose = Pose {
    knee: [p(56.5, 71.5), p(46.5, 72.0)],
    foot: [p(59.0, 91.5), p(40.0, 91.0)],
    elbow: [p(47.0, 40.5), p(54.5, 40.5)],
    hand: [p(44.5, 52.5), p(60.0, 51.0)],
    ..SIDE_STAND
};
const STRIDE_B: Pose = Pose {
    knee: [p(46.5, 72.0), p(56.5, 71.5)],
    foot: [p(40.0, 91.0), p(59.0, 91.5)],
    elbow: [p(54.5, 40.5), p(47.0, 40.5)],
    hand: [p(60.0, 51.0), p(44.5, 52.5)],
    ..SIDE_STAND
};

pub static WALK: Spec = Spec {
    name: "walk",
    view: View::Side,
    keys: &[STRIDE_A, STRIDE_B],
    accent: part::LEGS,
    props: &[],
    dumbbells: [false; 2],
    cable: None,
    arrows: &[],
    tween: Tween::Swing,
    close_up: None,
};

const INHALE: Pose = Pose {
    chest: p(50.0, 24.3),
    neck: p(50.0, 19.8),
    head: p(50.0, 12.3),
    shoulder: [p(39.3, 25.6), p(60.7, 25.6)],
    elbow: [p(37.3, 39.7), p(62.7, 39.7)],
    hand: [p(36.8, 52.2), p(63.2, 52.2)],
    ..FRONT_STAND
};

pub static NEUTRAL: Spec = Spec {
    name: "neutral",
    view: View::Front,
    keys: &[FRONT_STAND, INHALE],
    accent: 0,
    props: &[],
    dumbbells: [false; 2],
    cable: None,
    arrows: &[],
    tween: Tween::Swing,
    close_up: None,
};

/// Every built-in figure; the names match `core::catalogue::FIGURE_NAMES`.
pub static ALL: [&Spec; 16] = [
    &NECK_TILT_HOLD,
    &NECK_ROLL,
    &SHOULDER_SHRUG,
    &SHOULDER_ROLL,
    &POSTERIOR_SHOULDER_STRETCH,
    &BUTTERFLY_WINGS,
    &SCAPULAR_SQUEEZE,
    &CHAIR_ROTATION,
    &SEATED_SPINAL_ROTATION,
    &SITTING_BACK_EXTENSION,
    &DEEP_HIP_STRETCH,
    &PAUSED_SEATED_ROW,
    &SINGLE_ARM_DUMBBELL_ROW,
    &REVERSE_DUMBBELL_FLY,
    &WALK,
    &NEUTRAL,
];
