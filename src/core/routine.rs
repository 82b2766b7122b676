//! One break's routine: a stretch laid out as stages that fit the break (left side hold 30 s,
//! right side hold 30 s, walk), and the card that walks the user through them.

use super::catalogue::{Range, Sides, Stretch};
use super::moment::Moment;
use serde::Serialize;
use std::time::Duration;

/// Which side or way a stage works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Left,
    Right,
    OneWay,
    OtherWay,
}

impl Side {
    pub fn label(self) -> &'static str {
        match self {
            Side::Left => "Left side",
            Side::Right => "Right side",
            Side::OneWay => "One way",
            Side::OtherWay => "The other way",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Task {
    /// Hold still for this long; the end is marked with a cue.
    Hold { seconds: u32 },
    /// Move this many times at your own pace; `None` where the source gives no count.
    Reps { count: Option<Range> },
    /// Walk for the rest of the break, as the articles advise.
    Walk,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    pub task: Task,
    pub side: Option<Side>,
    /// 1-based position of this hold among the repeats on this side, and how many there are.
    pub rep: u32,
    pub reps: u32,
    pub set: u32,
    pub sets: u32,
}

impl Stage {
    /// What the card says about this stage: "Left side: hold 30 s (2 of 3)".
    pub fn label(&self) -> String {
        let what = match &self.task {
            Task::Hold { seconds } => format!("hold {seconds} s"),
            Task::Reps { count: Some(c) } => format!("{c} times"),
            Task::Reps { count: None } => "repeat a few times at an easy pace".to_string(),
            Task::Walk => return "Walk around until the break ends".to_string(),
        };
        let mut out = match self.side {
            Some(side) => format!("{}: {what}", side.label()),
            None => capitalise(&what),
        };
        if self.reps > 1 {
            out.push_str(&format!(" ({} of {})", self.rep, self.reps));
        }
        if self.sets > 1 {
            out.push_str(&format!(", set {} of {}", self.set, self.sets));
        }
        out
    }

    /// A fair guess of how long the stage takes, used to fit a routine into a break.
    fn estimate(&self) -> Duration {
        Duration::from_secs(match &self.task {
            // A few seconds to get into position or change sides.
            Task::Hold { seconds } => u64::from(*seconds) + 3,
            Task::Reps { count: Some(c) } => u64::from(c.max) * SECONDS_PER_REP,
            Task::Reps { count: None } => 20,
            Task::Walk => 0,
        })
    }
}

/// A slow, controlled repetition of a desk stretch takes about this long.
const SECONDS_PER_REP: u64 = 4;
/// The most stages one routine has; far more than fit in any break.
const MAX_STAGES: usize = 120;
/// A walk shorter than this is not worth a stage of its own.
const SHORTEST_WALK: Duration = Duration::from_secs(10);

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Lays `stretch` out as stages that fit in `budget`, ending with a walk when time is left.
///
/// The article's full figures are used when they fit; otherwise sets, then repeats, then hold
/// length come down to the smallest the article gives, and as a last resort trailing stages
/// are dropped (never the first).
pub fn lay_out(stretch: &Stretch, budget: Duration) -> Vec<Stage> {
    let sides: Vec<Option<Side>> = match stretch.sides {
        Sides::None => vec![None],
        Sides::LeftAndRight => vec![Some(Side::Left), Some(Side::Right)],
        Sides::EachDirection => vec![Some(Side::OneWay), Some(Side::OtherWay)],
    };
    let sets = stretch.sets.unwrap_or(Range::one(1));
    let reps = stretch.reps.as_ref().map(|r| r.count);
    let hold = stretch.hold_seconds;
    let least = reps.map(|r| Range::one(r.min));
    let plans = [
        (sets.min, reps, hold.map(|h| h.max)),
        (sets.min, least, hold.map(|h| h.max)),
        (sets.min, least, hold.map(|h| h.min)),
        (1, least, hold.map(|h| h.min)),
    ];
    // Walking is the heart of a break: in a break of a minute or more the stretch gets at
    // most three quarters of it.
    let for_stretch = if budget >= Duration::from_secs(60) { budget * 3 / 4 } else { budget };
    let mut stages = Vec::new();
    for (sets, count, hold_len) in plans {
        stages = build(&sides, sets, count, hold_len);
        if total(&stages) <= for_stretch {
            break;
        }
    }
    // Never drop a side: a stretch done on the left only is worse than a break that runs
    // a few seconds long.
    while stages.len() > sides.len() && total(&stages) > for_stretch {
        stages.pop();
    }
    let left = budget.saturating_sub(total(&stages));
    if left >= SHORTEST_WALK {
        stages.push(Stage { task: Task::Walk, side: None, rep: 1, reps: 1, set: 1, sets: 1 });
    }
    stages
}

/// `count` is the repeats per side: holds in a row for a held stretch, or the movement count
/// shown for one that is not held.
fn build(sides: &[Option<Side>], sets: u32, count: Option<Range>, hold: Option<u32>) -> Vec<Stage> {
    // A user's file may ask for thousands of sets of thousands of holds: never lay out more
    // stages than a break could hold, whatever the figures say.
    let per_set = sides.len() as u64 * u64::from(if hold.is_some() { count.map_or(1, |c| c.max).max(1) } else { 1 });
    if u64::from(sets.max(1)) * per_set > MAX_STAGES as u64 {
        return build(sides, 1, count.map(|c| Range::one(c.min.min(MAX_STAGES as u32 / 2))), hold)
            .into_iter()
            .take(MAX_STAGES)
            .collect();
    }
    let mut out = Vec::new();
    for set in 1..=sets.max(1) {
        for &side in sides {
            match hold {
                Some(seconds) => {
                    let n = count.map_or(1, |c| c.max).max(1);
                    for rep in 1..=n {
                        out.push(Stage { task: Task::Hold { seconds }, side, rep, reps: n, set, sets });
                    }
                }
                None => out.push(Stage { task: Task::Reps { count }, side, rep: 1, reps: 1, set, sets }),
            }
        }
    }
    out
}

fn total(stages: &[Stage]) -> Duration {
    stages.iter().map(Stage::estimate).sum()
}

/// The card as the window shows it. Countdowns are given as end moments, so the window can
/// redraw the seconds without asking the core.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardView {
    pub stretch_id: String,
    pub title: String,
    pub areas: String,
    pub figures: String,
    pub steps: Vec<String>,
    pub caution: Option<String>,
    pub stage: String,
    pub stage_number: usize,
    pub stage_count: usize,
    pub task: Task,
    pub side: Option<Side>,
    /// Set while a hold runs.
    pub hold_ends_at: Option<Moment>,
    /// When the break ends; `None` for a preview outside a break.
    pub break_ends_at: Option<Moment>,
    pub preview: bool,
    pub can_snooze: bool,
}

/// A card being shown: the stretch, its stages and where the user is in them.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub stretch: Stretch,
    pub stages: Vec<Stage>,
    pub at: usize,
    pub hold_ends: Option<Moment>,
    pub preview: bool,
}

impl Card {
    pub fn new(stretch: Stretch, budget: Duration, preview: bool) -> Card {
        let stages = lay_out(&stretch, budget);
        Card { stretch, stages, at: 0, hold_ends: None, preview }
    }

    pub fn stage(&self) -> Option<&Stage> {
        self.stages.get(self.at)
    }

    /// Starts the current stage's hold; false when it has none or one already runs.
    pub fn start_hold(&mut self, now: Moment) -> bool {
        match self.stage().map(|s| &s.task) {
            Some(Task::Hold { seconds }) if self.hold_ends.is_none() => {
                self.hold_ends = Some(now + Duration::from_secs(u64::from(*seconds)));
                true
            }
            _ => false,
        }
    }

    /// Moves to the next stage; false when the routine is over.
    pub fn advance(&mut self) -> bool {
        self.hold_ends = None;
        self.at += 1;
        self.at < self.stages.len()
    }

    pub fn view(&self, break_ends_at: Option<Moment>, can_snooze: bool) -> CardView {
        let s = &self.stretch;
        let stage = self.stage().cloned().unwrap_or(Stage { task: Task::Walk, side: None, rep: 1, reps: 1, set: 1, sets: 1 });
        CardView {
            stretch_id: s.id.clone(),
            title: s.name.clone(),
            areas: s.areas_label(),
            figures: s.figures(),
            steps: s.steps.clone(),
            caution: s.caution.clone(),
            stage: stage.label(),
            stage_number: (self.at + 1).min(self.stages.len()),
            stage_count: self.stages.len(),
            task: stage.task,
            side: stage.side,
            hold_ends_at: self.hold_ends,
            break_ends_at,
            preview: self.preview,
            can_snooze,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::catalogue::{Catalogue, Per, Reps};

    fn stretch(id: &str) -> Stretch {
        Catalogue::builtin().stretch(id).cloned().unwrap_or_else(|| panic!("no {id}"))
    }

    fn labels(stages: &[Stage]) -> Vec<String> {
        stages.iter().map(Stage::label).collect()
    }

    #[test]
    fn two_sided_hold_then_walk() {
        let st = lay_out(&stretch("posterior-shoulder-stretch"), Duration::from_secs(120));
        assert_eq!(labels(&st), ["Left side: hold 30 s", "Right side: hold 30 s", "Walk around until the break ends"]);
    }

    #[test]
    fn reps_each_direction_over_sets() {
        let st = lay_out(&stretch("shoulder-roll"), Duration::from_secs(240));
        assert_eq!(st.len(), 7, "{:#?}", labels(&st));
        assert_eq!(st[0].label(), "One way: 5 times, set 1 of 3");
        assert_eq!(st[5].label(), "The other way: 5 times, set 3 of 3");
        // In two minutes three sets would leave no time to walk: one set it is.
        let st = lay_out(&stretch("shoulder-roll"), Duration::from_secs(120));
        assert_eq!(labels(&st), ["One way: 5 times", "The other way: 5 times", "Walk around until the break ends"]);
    }

    #[test]
    fn a_short_break_trims_to_the_articles_smallest_figures() {
        let mut s = stretch("shoulder-roll");
        s.reps = Some(Reps { count: Range { min: 5, max: 10 }, per: Per::Direction });
        let st = lay_out(&s, Duration::from_secs(20));
        assert_eq!(labels(&st), ["One way: 5 times", "The other way: 5 times"]);
        let st = lay_out(&s, Duration::from_secs(600));
        assert_eq!(st[0].label(), "One way: 5-10 times, set 1 of 3", "the article's range when it fits");
    }

    #[test]
    fn both_sides_even_when_nothing_fits() {
        let st = lay_out(&stretch("posterior-shoulder-stretch"), Duration::from_secs(5));
        assert_eq!(labels(&st), ["Left side: hold 30 s", "Right side: hold 30 s"]);
        let st = lay_out(&stretch("sitting-back-extension"), Duration::from_secs(5));
        assert_eq!(st.len(), 1);
    }

    #[test]
    fn absurd_figures_make_a_short_routine_not_a_huge_one() {
        let mut s = stretch("posterior-shoulder-stretch");
        s.sets = Some(Range::one(10_000));
        s.hold_seconds = Some(Range::one(1));
        s.reps = Some(Reps { count: Range::one(10_000), per: Per::Set });
        let st = lay_out(&s, Duration::from_secs(120));
        assert!(st.len() <= MAX_STAGES + 1, "{}", st.len());
        assert_eq!(st[0].side, Some(Side::Left));
    }

    #[test]
    fn holds_repeat_per_side() {
        let st = lay_out(&stretch("seated-spinal-rotation"), Duration::from_secs(120));
        let holds = st.iter().filter(|s| matches!(s.task, Task::Hold { .. })).count();
        assert_eq!(holds, 10, "{:#?}", labels(&st));
        assert_eq!(st[0].label(), "One way: hold 5 s (1 of 5)");
    }

    #[test]
    fn card_steps_through_holds() {
        let mut card = Card::new(stretch("posterior-shoulder-stretch"), Duration::from_secs(120), false);
        let t = Moment::from_secs(100);
        assert!(card.start_hold(t));
        assert!(!card.start_hold(t), "a running hold is not restarted");
        assert_eq!(card.view(None, true).hold_ends_at, Some(Moment::from_secs(130)));
        assert!(card.advance());
        assert_eq!(card.view(None, true).stage, "Right side: hold 30 s");
        assert!(card.advance());
        assert!(!card.start_hold(t), "walking has no hold");
        assert!(!card.advance());
    }
}
