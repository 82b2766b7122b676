//! Which stretch comes next: a walk over the body areas so consecutive breaks work different
//! places, never the same stretch twice in a row, within the user's filters.

use super::catalogue::{Area, Catalogue, Position, Stretch};
use super::settings::Filters;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotation {
    /// How many stretches have been used so far; the area and the stretch within it follow
    /// from this, so saving it is enough to continue the rotation after a restart.
    pub turn: u64,
    pub last: Option<String>,
}

/// Whether `s` may be offered under `filters` in a break of `break_length`.
pub fn allowed(s: &Stretch, filters: &Filters, break_length: Duration) -> bool {
    let position = filters.positions.contains(&s.position) || (s.position == Position::Either && !filters.positions.is_empty());
    let fits = s.hold_seconds.is_none_or(|h| u64::from(h.min) <= break_length.as_secs());
    filters.equipment.contains(&s.equipment) && position && fits
}

impl Rotation {
    /// The stretch for the next break, or `None` if the filters leave nothing.
    pub fn pick<'c>(&self, catalogue: &'c Catalogue, filters: &Filters, break_length: Duration) -> Option<&'c Stretch> {
        let eligible: Vec<&Stretch> = catalogue.exercises.iter().filter(|s| allowed(s, filters, break_length)).collect();
        let areas: Vec<Area> = Area::ROTATION.into_iter().filter(|a| eligible.iter().any(|s| s.primary_area() == *a)).collect();
        if areas.is_empty() {
            return None;
        }
        let n = areas.len() as u64;
        let in_area = |a: Area| eligible.iter().copied().filter(move |s| s.primary_area() == a);
        let area = areas[(self.turn % n) as usize];
        let here: Vec<&Stretch> = in_area(area).collect();
        let index = ((self.turn / n) % here.len() as u64) as usize;
        let choice = here[index];
        if self.last.as_deref() != Some(choice.id.as_str()) || eligible.len() == 1 {
            return Some(choice);
        }
        // Same as last time: try the next one in this area, else the next area's first.
        if here.len() > 1 {
            return Some(here[(index + 1) % here.len()]);
        }
        let next_area = areas[((self.turn + 1) % n) as usize];
        in_area(next_area).next()
    }

    pub fn advance(&mut self, used: &str) {
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
            r.advance(&s.id);
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
            r.advance(&s.id);
        }
    }
}
