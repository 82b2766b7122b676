//! Which stretch comes next, and which tip it shows: rounds in which every allowed stretch
//! comes once, the body areas interleaved in proportion to their stretches so consecutive
//! breaks work different places, within the user's filters.

use super::catalogue::{Area, Catalogue, Position, Stretch, Tip};
use super::settings::Filters;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotation {
    /// How many stretches have been used so far; the stretch follows from this, so saving it
    /// is enough to continue the rotation after a restart.
    pub turn: u64,
    pub last: Option<String>,
    /// The tip the last break showed, so the next one shows another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_tip: Option<String>,
}

/// Whether `s` may be offered under `filters` in a break of `break_length`.
pub fn allowed(s: &Stretch, filters: &Filters, break_length: Duration) -> bool {
    let position = filters.positions.contains(&s.position) || (s.position == Position::Either && !filters.positions.is_empty());
    let fits = s.hold_seconds.is_none_or(|h| u64::from(h.min) <= break_length.as_secs());
    filters.equipment.contains(&s.equipment) && position && fits
}

/// One round of the rotation: every allowed stretch once, the areas interleaved in proportion
/// to how many stretches each has (an area with three stretches comes three times a round, one
/// with a single stretch once), and two stretches of the same area never next to each other
/// where the areas allow it. A weighted round-robin: each turn every area earns its weight in
/// credit, and the area with the most credit (not the one just used) is served and pays a
/// round's worth.
fn round<'c>(eligible: &[&'c Stretch]) -> Vec<&'c Stretch> {
    let mut areas: Vec<(Area, Vec<&'c Stretch>)> = Area::ROTATION
        .into_iter()
        .map(|a| (a, eligible.iter().copied().filter(|s| s.primary_area() == a).collect::<Vec<_>>()))
        .filter(|(_, here)| !here.is_empty())
        .collect();
    for (_, here) in &mut areas {
        here.reverse(); // served from the back, so catalogue order comes first
    }
    let weights: Vec<i64> = areas.iter().map(|(_, here)| here.len() as i64).collect();
    let total: i64 = weights.iter().sum();
    let mut credit = vec![0i64; areas.len()];
    let mut out = Vec::with_capacity(eligible.len());
    let mut previous: Option<usize> = None;
    for _ in 0..eligible.len() {
        for (c, w) in credit.iter_mut().zip(&weights) {
            *c += w;
        }
        let best = |avoid: Option<usize>| {
            (0..areas.len())
                .filter(|&i| !areas[i].1.is_empty() && Some(i) != avoid)
                // The most credit first; among equals, the area with more left to serve, so a
                // big area is not left with nothing but itself at the end of the round.
                .max_by_key(|&i| (credit[i], areas[i].1.len(), std::cmp::Reverse(i)))
        };
        let Some(i) = best(previous).or_else(|| best(None)) else { break };
        credit[i] -= total;
        out.extend(areas[i].1.pop());
        previous = Some(i);
    }
    // Rounds follow each other, so the last must not share the first's area either: move it
    // to the first place between two other areas.
    if out.len() > 2 && out[0].primary_area() == out[out.len() - 1].primary_area() {
        let last = out.pop().expect("more than two");
        let area = last.primary_area();
        let at = (1..out.len()).find(|&j| out[j - 1].primary_area() != area && out[j].primary_area() != area);
        out.insert(at.unwrap_or(out.len()), last);
    }
    // The round is a circle; start it at the first area's first stretch (the neck, in the
    // built-in catalogue), so a new user's first break is the gentlest.
    if let Some(first) = eligible.first().map(|_| areas[0].0) {
        let at = out.iter().position(|s| s.primary_area() == first).unwrap_or(0);
        out.rotate_left(at);
    }
    out
}

impl Rotation {
    /// The stretch for the next break, or `None` if the filters leave nothing.
    pub fn pick<'c>(&self, catalogue: &'c Catalogue, filters: &Filters, break_length: Duration) -> Option<&'c Stretch> {
        let eligible: Vec<&Stretch> = catalogue.exercises.iter().filter(|s| allowed(s, filters, break_length)).collect();
        let round = round(&eligible);
        if round.is_empty() {
            return None;
        }
        let n = round.len();
        let start = (self.turn % n as u64) as usize;
        let last = self.last.as_deref().and_then(|id| catalogue.stretch(id));
        let in_order = (0..n).map(|k| round[(start + k) % n]);
        // Where a round ends and the next begins, or the filters changed, the one in turn may
        // repeat the last stretch or its area: take the next that does neither, else the next
        // that is at least another stretch.
        let fresh = |s: &&Stretch| last.is_none_or(|l| l.id != s.id && l.primary_area() != s.primary_area());
        let other = |s: &&Stretch| last.is_none_or(|l| l.id != s.id);
        in_order.clone().find(fresh).or_else(|| in_order.clone().find(other)).or(Some(round[start]))
    }

    /// The tip for a break that offers `stretch`: a safety tip that belongs before this
    /// stretch if there is one, else the general tips in turn; never the tip of the break
    /// before when there is another.
    pub fn tip<'c>(&self, catalogue: &'c Catalogue, stretch: &Stretch) -> Option<&'c Tip> {
        let before: Vec<&Tip> = catalogue.tips.iter().filter(|t| t.before.contains(&stretch.id)).collect();
        let general: Vec<&Tip> = catalogue.tips.iter().filter(|t| t.before.is_empty()).collect();
        let not_last = |t: &&Tip| self.last_tip.as_deref() != Some(t.id.as_str());
        for choice in [before, general] {
            if choice.is_empty() {
                continue;
            }
            let start = (self.turn % choice.len() as u64) as usize;
            let mut in_order = (0..choice.len()).map(|k| choice[(start + k) % choice.len()]);
            if let Some(t) = in_order.find(not_last) {
                return Some(t);
            }
        }
        catalogue.tips.first()
    }

    /// Moves on past a break that offered `used` (and showed its tip).
    pub fn advance(&mut self, used: &str, catalogue: &Catalogue) {
        self.last_tip = catalogue.stretch(used).and_then(|s| self.tip(catalogue, s)).map(|t| t.id.clone());
        self.turn = self.turn.wrapping_add(1);
        self.last = Some(used.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::catalogue::Equipment;

    #[test]
    fn walks_the_areas_and_never_repeats() {
        let c = Catalogue::builtin();
        let f = Filters::default();
        let mut r = Rotation::default();
        let mut seen = Vec::new();
        for _ in 0..40 {
            let s = r.pick(&c, &f, Duration::from_secs(120)).unwrap();
            assert!(allowed(s, &f, Duration::from_secs(120)));
            if let Some(prev) = seen.last() {
                assert_ne!(prev, &s.id);
            }
            seen.push(s.id.clone());
            r.advance(&s.id.clone(), &c);
        }
        let distinct: std::collections::HashSet<_> = seen.iter().collect();
        let possible = c.exercises.iter().filter(|s| allowed(s, &f, Duration::from_secs(120))).count();
        assert_eq!(distinct.len(), possible, "every allowed stretch comes up over 40 breaks");
    }

    #[test]
    fn filters_are_honoured() {
        let c = Catalogue::builtin();
        let f = Filters { equipment: vec![Equipment::Dumbbells], positions: vec![Position::Standing] };
        let s = Rotation::default().pick(&c, &f, Duration::from_secs(120)).unwrap();
        assert_eq!(s.equipment, Equipment::Dumbbells);
        let none = Filters { equipment: vec![Equipment::GymMachine], positions: vec![Position::Standing] };
        assert!(Rotation::default().pick(&c, &none, Duration::from_secs(120)).is_none());
    }

    #[test]
    fn holds_longer_than_the_break_are_left_out() {
        let c = Catalogue::builtin();
        let mut r = Rotation::default();
        for _ in 0..30 {
            let s = r.pick(&c, &Filters::default(), Duration::from_secs(20)).unwrap();
            assert!(s.hold_seconds.is_none_or(|h| h.min <= 20), "{}", s.id);
            r.advance(&s.id.clone(), &c);
        }
    }

    /// Simulated working days: eight breaks a day for 30 days, under several filters. Prints
    /// the share of each area (run with --nocapture to see it) and checks the balance.
    #[test]
    fn areas_come_in_proportion_over_simulated_days() {
        let c = Catalogue::builtin();
        let everything = Filters {
            equipment: vec![Equipment::None, Equipment::Chair, Equipment::Dumbbells, Equipment::GymMachine],
            positions: vec![Position::Seated, Position::Standing, Position::Either],
        };
        let standing = Filters { equipment: vec![Equipment::None, Equipment::Chair], positions: vec![Position::Standing] };
        for (name, f) in [("default", Filters::default()), ("everything", everything), ("standing", standing)] {
            let eligible: Vec<&Stretch> = c.exercises.iter().filter(|s| allowed(s, &f, Duration::from_secs(120))).collect();
            let weight = |a: Area| eligible.iter().filter(|s| s.primary_area() == a).count();
            let mut r = Rotation::default();
            let mut seen: Vec<&Stretch> = Vec::new();
            for _ in 0..30 * 8 {
                let s = r.pick(&c, &f, Duration::from_secs(120)).unwrap();
                r.advance(&s.id, &c);
                seen.push(s);
            }
            let areas: Vec<Area> = Area::ROTATION.into_iter().filter(|a| weight(*a) > 0).collect();
            let share: Vec<String> = areas
                .iter()
                .map(|a| format!("{}: {} of {}", a.label(), seen.iter().filter(|s| s.primary_area() == *a).count(), seen.len()))
                .collect();
            println!("{name} ({} stretches): {}", eligible.len(), share.join(", "));
            for pair in seen.windows(2) {
                assert_ne!(pair[0].id, pair[1].id, "{name}: the same stretch twice in a row");
                if areas.len() > 1 {
                    assert_ne!(pair[0].primary_area(), pair[1].primary_area(), "{name}: {} then {}", pair[0].id, pair[1].id);
                }
            }
            for window in seen.windows(10) {
                for a in &areas {
                    let got = window.iter().filter(|s| s.primary_area() == *a).count() as f64;
                    let fair = 10.0 * weight(*a) as f64 / eligible.len() as f64;
                    assert!((got - fair).abs() <= 1.5, "{name}: {} came {got} times in 10 breaks, fair is {fair:.1}", a.label());
                }
            }
            // No area is starved: each comes at least once in every round plus one.
            for window in seen.windows(eligible.len() + 1) {
                for a in &areas {
                    assert!(window.iter().any(|s| s.primary_area() == *a), "{name}: no {} in {} breaks", a.label(), window.len());
                }
            }
        }
    }

    #[test]
    fn safety_tips_come_before_their_stretch_and_tips_never_repeat() {
        let c = Catalogue::builtin();
        let f = Filters::default();
        let mut r = Rotation::default();
        let mut previous: Option<String> = None;
        let mut general = std::collections::HashSet::new();
        for _ in 0..60 {
            let s = r.pick(&c, &f, Duration::from_secs(120)).unwrap();
            let tip = r.tip(&c, s).unwrap();
            let belongs: Vec<&Tip> = c.tips.iter().filter(|t| t.before.contains(&s.id)).collect();
            // Its own safety tip, unless that was the tip just shown (the card shows the
            // caution in any case).
            let just_shown = belongs.len() == 1 && previous.as_deref() == Some(belongs[0].id.as_str());
            if !belongs.is_empty() && !just_shown {
                assert!(belongs.contains(&tip), "{} shows {} instead of its own safety tip", s.id, tip.id);
            } else {
                general.insert(tip.id.clone());
            }
            assert_ne!(previous.as_deref(), Some(tip.id.as_str()), "{} twice in a row", tip.id);
            previous = Some(tip.id.clone());
            r.advance(&s.id, &c);
        }
        assert!(general.len() >= 5, "the general tips rotate: {general:?}");
    }
}
