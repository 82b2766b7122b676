//! The stretch catalogue: the exercises and tips limber knows, built in from `exercises.json`
//! and optionally extended or replaced by the user's own file.

use super::problem::{Problems, Report, field, parse_json, strip_comments, suggest, without_bom};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

/// The catalogue compiled into the binary, so limber works with no files installed.
pub const BUILTIN: &str = include_str!("../../exercises.json");
pub const BUILTIN_NAME: &str = "exercises.json (built in)";

/// The figures the card can draw, for an exercise's `figure` field: one per built-in exercise,
/// `walk`, and `neutral` (standing at ease). The drawings live in `crate::figure`.
pub const FIGURE_NAMES: &[&str] = &[
    "neck-tilt-hold",
    "neck-roll",
    "shoulder-shrug",
    "shoulder-roll",
    "posterior-shoulder-stretch",
    "butterfly-wings",
    "scapular-squeeze",
    "chair-rotation",
    "seated-spinal-rotation",
    "sitting-back-extension",
    "deep-hip-stretch",
    "paused-seated-row",
    "single-arm-dumbbell-row",
    "reverse-dumbbell-fly",
    "walk",
    "neutral",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Neck,
    Shoulders,
    UpperBack,
    Chest,
    LowerBack,
    Hips,
    WholeBody,
}

impl Area {
    /// The order a day's breaks travel the body in: top down, so consecutive breaks work
    /// different places.
    pub const ROTATION: [Area; 7] =
        [Area::Neck, Area::Shoulders, Area::UpperBack, Area::Chest, Area::LowerBack, Area::Hips, Area::WholeBody];

    pub fn label(self) -> &'static str {
        match self {
            Area::Neck => "neck",
            Area::Shoulders => "shoulders",
            Area::UpperBack => "upper back",
            Area::Chest => "chest",
            Area::LowerBack => "lower back",
            Area::Hips => "hips",
            Area::WholeBody => "whole body",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Seated,
    Standing,
    Either,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Equipment {
    None,
    Chair,
    Dumbbells,
    GymMachine,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sides {
    /// Done once, symmetrically.
    None,
    /// Once on the left, once on the right.
    LeftAndRight,
    /// Once one way, once the other (rolls, rotations).
    EachDirection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    Set,
    Side,
    Direction,
}

/// A count the articles give either as one figure ("hold 30 seconds") or as a span ("5 to 10
/// times"). Written in files as `30` or `"5-10"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Range {
    pub min: u32,
    pub max: u32,
}

impl Range {
    pub const fn one(n: u32) -> Self {
        Range { min: n, max: n }
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.min == self.max { write!(f, "{}", self.min) } else { write!(f, "{}-{}", self.min, self.max) }
    }
}

impl Serialize for Range {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.min == self.max { s.serialize_u32(self.min) } else { s.serialize_str(&self.to_string()) }
    }
}

impl<'de> Deserialize<'de> for Range {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RangeVisitor;
        impl Visitor<'_> for RangeVisitor {
            type Value = Range;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number like 10 or a range like \"5-10\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Range, E> {
                let n = u32::try_from(v).map_err(|_| E::custom(format!("{v} is too large")))?;
                check(Range::one(n))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Range, E> {
                match u64::try_from(v) {
                    Ok(v) => self.visit_u64(v),
                    Err(_) => Err(E::custom(format!("{v} is negative; counts start at 1"))),
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Range, E> {
                let bad = || E::custom(format!("\"{v}\" is not a count; write 10 or \"5-10\""));
                let number = |s: &str| s.trim().parse::<u32>().map_err(|_| bad());
                let range = match v.split_once('-') {
                    Some((a, b)) => Range { min: number(a)?, max: number(b)? },
                    None => Range::one(number(v)?),
                };
                if range.max < range.min {
                    return Err(E::custom(format!(
                        "\"{v}\": the largest ({}) is less than the smallest ({})",
                        range.max, range.min
                    )));
                }
                check(range)
            }
        }
        fn check<E: de::Error>(r: Range) -> Result<Range, E> {
            if r.min == 0 {
                return Err(E::custom("a count of 0 means nothing to do; counts start at 1"));
            }
            if r.max > 10_000 {
                return Err(E::custom(format!("{} is more than anyone does in a break", r.max)));
            }
            Ok(r)
        }
        d.deserialize_any(RangeVisitor)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reps {
    pub count: Range,
    pub per: Per,
}

/// One exercise, stretch or movement, with the figures its source gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stretch {
    pub id: String,
    pub name: String,
    pub areas: Vec<Area>,
    pub position: Position,
    pub equipment: Equipment,
    pub steps: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reps: Option<Reps>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sets: Option<Range>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_seconds: Option<Range>,
    pub sides: Sides,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rest_seconds: Option<Range>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tempo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caution: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source: Vec<String>,
    /// The built-in figure the card draws (one of [`FIGURE_NAMES`]); without it, the figure
    /// named like the exercise's id, or the neutral one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figure: Option<String>,
}

impl Stretch {
    /// The body area breaks rotate by: the first one listed.
    pub fn primary_area(&self) -> Area {
        self.areas.first().copied().unwrap_or(Area::WholeBody)
    }

    pub fn areas_label(&self) -> String {
        self.areas.iter().map(|a| a.label()).collect::<Vec<_>>().join(", ")
    }

    /// "5-10 reps per direction", or `None` when the source gives no count.
    pub fn reps_label(&self) -> Option<String> {
        self.reps.as_ref().map(|r| {
            let per = match r.per {
                Per::Set if self.sets.is_some() => " per set",
                Per::Set => "",
                Per::Side => " per side",
                Per::Direction => " each direction",
            };
            let noun = if r.count.max == 1 { "rep" } else { "reps" };
            format!("{} {noun}{per}", r.count)
        })
    }

    pub fn sets_label(&self) -> Option<String> {
        self.sets.map(|s| if s.max == 1 { format!("{s} set") } else { format!("{s} sets") })
    }

    /// "hold 30 s each side".
    pub fn hold_label(&self) -> Option<String> {
        self.hold_seconds.map(|h| {
            let tail = match self.sides {
                Sides::None => "",
                Sides::LeftAndRight => " each side",
                Sides::EachDirection => " each way",
            };
            format!("hold {h} s{tail}")
        })
    }

    /// Every figure in one line: "5 reps each direction · 3 sets".
    pub fn figures(&self) -> String {
        let parts: Vec<String> =
            [self.reps_label(), self.sets_label(), self.hold_label(), self.tempo.as_ref().map(|t| format!("tempo {t}"))]
                .into_iter()
                .flatten()
                .collect();
        if parts.is_empty() { "at your own pace".to_string() } else { parts.join(" · ") }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Movement,
    Posture,
    Relief,
    Safety,
}

/// Advice that is not an exercise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tip {
    pub id: String,
    pub topic: Topic,
    pub text: String,
    /// Ids of the exercises this tip belongs before: a safety tip shown on the card of the
    /// exercise whose caution it concerns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub before: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source: Vec<String>,
}

/// How a user's file combines with the built-in catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Entries are added; one with a built-in id replaces that entry; `disabled` removes.
    #[default]
    Extend,
    /// Only the user's entries are used.
    Replace,
}

/// What one catalogue file says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CatalogueFile {
    pub mode: Mode,
    pub disabled: Vec<String>,
    pub exercises: Vec<Stretch>,
    pub tips: Vec<Tip>,
}

/// The catalogue in use.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Catalogue {
    pub exercises: Vec<Stretch>,
    pub tips: Vec<Tip>,
}

const TOP_KEYS: &[&str] = &["exercises", "tips", "mode", "disabled"];

impl Catalogue {
    /// The built-in catalogue. Its validity is checked by the test suite, so this cannot fail
    /// in a released binary; should it ever, an empty catalogue still lets breaks happen.
    pub fn builtin() -> Catalogue {
        match CatalogueFile::parse(BUILTIN_NAME, BUILTIN, None) {
            Ok(f) => Catalogue { exercises: f.exercises, tips: f.tips },
            Err(_) => Catalogue::default(),
        }
    }

    /// Combines `self` (the built-in catalogue) with a user's file.
    pub fn with(&self, user: CatalogueFile) -> Catalogue {
        if user.mode == Mode::Replace {
            return Catalogue { exercises: user.exercises, tips: user.tips };
        }
        let mut out = self.clone();
        out.exercises.retain(|e| !user.disabled.contains(&e.id));
        out.tips.retain(|t| !user.disabled.contains(&t.id));
        for e in user.exercises {
            match out.exercises.iter_mut().find(|x| x.id == e.id) {
                Some(slot) => *slot = e,
                None => out.exercises.push(e),
            }
        }
        for t in user.tips {
            match out.tips.iter_mut().find(|x| x.id == t.id) {
                Some(slot) => *slot = t,
                None => out.tips.push(t),
            }
        }
        out
    }

    pub fn stretch(&self, id: &str) -> Option<&Stretch> {
        self.exercises.iter().find(|e| e.id == id)
    }
}

impl CatalogueFile {
    /// Reads and checks a catalogue file. With `break_length`, a hold that could not fit in
    /// one break is an error. Every problem in the file is reported.
    pub fn parse(file: &str, text: &str, break_length: Option<Duration>) -> Result<CatalogueFile, Problems> {
        let text = &*without_bom(text);
        let mut doc = parse_json(file, text)?;
        strip_comments(&mut doc);
        let mut report = Report::new(file, text);
        let mut out = CatalogueFile::default();
        let Some(map) = doc.as_object() else {
            report.add("", "a catalogue must be a JSON object like {\"exercises\": [...], \"tips\": [...]}");
            return report.finish().map(|_| out);
        };
        let mut ids: HashMap<String, String> = HashMap::new();
        for (key, value) in map {
            match key.as_str() {
                "mode" => out.mode = field(&mut report, key, value).unwrap_or_default(),
                "disabled" => out.disabled = field(&mut report, key, value).unwrap_or_default(),
                "exercises" | "tips" => {
                    let Some(items) = value.as_array() else {
                        report.add(key.as_str(), "expected a list");
                        continue;
                    };
                    for (i, item) in items.iter().enumerate() {
                        let path = format!("{key}[{i}]");
                        if key == "exercises" {
                            if let Some(s) = field::<Stretch>(&mut report, &path, item) {
                                check_stretch(&mut report, &path, &s, break_length);
                                note_id(&mut report, &mut ids, &path, &s.id);
                                out.exercises.push(s);
                            }
                        } else if let Some(t) = field::<Tip>(&mut report, &path, item) {
                            if t.text.trim().is_empty() {
                                report.add(format!("{path}.text"), "the tip has no text");
                            }
                            for (j, id) in t.before.iter().enumerate() {
                                if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                                {
                                    report.add(
                                        format!("{path}.before[{j}]"),
                                        format!("\"{id}\" is not an exercise id (a-z, 0-9 and -)"),
                                    );
                                }
                            }
                            note_id(&mut report, &mut ids, &path, &t.id);
                            out.tips.push(t);
                        }
                    }
                }
                other => {
                    let hint = suggest(other, TOP_KEYS).map(|k| format!("; did you mean \"{k}\"?")).unwrap_or_default();
                    report.add(other, format!("unknown key \"{other}\"{hint} (known: {})", TOP_KEYS.join(", ")));
                }
            }
        }
        report.finish().map(|_| out)
    }
}

fn note_id(report: &mut Report<'_>, ids: &mut HashMap<String, String>, path: &str, id: &str) {
    let at = format!("{path}.id");
    if !id.is_empty() && !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        report.add(at.clone(), format!("id \"{id}\" may hold only a-z, 0-9 and -"));
    }
    if id.is_empty() {
        report.add(at, "the id is empty");
    } else if let Some(first) = ids.get(id) {
        report.add(at, format!("duplicate id \"{id}\" (first used at {first})"));
    } else {
        ids.insert(id.to_string(), path.to_string());
    }
}

fn check_stretch(report: &mut Report<'_>, path: &str, s: &Stretch, break_length: Option<Duration>) {
    if s.name.trim().is_empty() {
        report.add(format!("{path}.name"), "the name is empty");
    }
    if s.areas.is_empty() {
        report.add(format!("{path}.areas"), "list at least one body area");
    }
    if s.steps.is_empty() {
        report.add(format!("{path}.steps"), "list at least one step");
    }
    for (i, step) in s.steps.iter().enumerate() {
        if step.trim().is_empty() {
            report.add(format!("{path}.steps[{i}]"), "the step is empty");
        }
    }
    // Figures no desk routine has are typos; they would also make an enormous routine.
    for (field, range, most) in
        [("sets", s.sets, 20), ("reps.count", s.reps.as_ref().map(|r| r.count), 100), ("rest_seconds", s.rest_seconds, 600)]
    {
        if let Some(r) = range
            && r.max > most
        {
            report.add(format!("{path}.{field}"), format!("{} is more than the {most} a break can use", r.max));
        }
    }
    if let Some(figure) = &s.figure
        && !FIGURE_NAMES.contains(&figure.as_str())
    {
        let hint = suggest(figure, FIGURE_NAMES).map(|k| format!("; did you mean \"{k}\"?")).unwrap_or_default();
        report.add(format!("{path}.figure"), format!("unknown figure \"{figure}\"{hint} (known: {})", FIGURE_NAMES.join(", ")));
    }
    if let (Some(hold), Some(limit)) = (s.hold_seconds, break_length)
        && u64::from(hold.max) > limit.as_secs()
    {
        report.add(
            format!("{path}.hold_seconds"),
            format!("a {} s hold is longer than the whole break ({} s)", hold.max, limit.as_secs()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEEDS: [&str; 3] = ["000_71e872d56f0f6d29.txt", "001_21593cdf309a25e2.txt", "002_d19caf3efc88eda9.txt"];

    #[test]
    fn builtin_catalogue_is_valid_and_sourced() {
        let f = CatalogueFile::parse(BUILTIN_NAME, BUILTIN, Some(Duration::from_secs(120))).unwrap();
        assert!(f.exercises.len() >= 12, "{}", f.exercises.len());
        assert!(f.tips.len() >= 8);
        for e in &f.exercises {
            assert!(!e.source.is_empty() && e.source.iter().all(|s| SEEDS.contains(&s.as_str())), "{}", e.id);
            assert!(e.caution.is_some(), "{} has no caution", e.id);
        }
        for t in &f.tips {
            // A safety tip may come from common practice rather than the articles.
            assert!(t.source.iter().all(|s| SEEDS.contains(&s.as_str())), "{}", t.id);
            assert!(!t.source.is_empty() || t.topic == Topic::Safety, "{} has no source", t.id);
            for id in &t.before {
                assert!(f.exercises.iter().any(|e| e.id == *id), "tip {} is before an unknown exercise {id}", t.id);
            }
        }
        assert_eq!(Catalogue::builtin().exercises.len(), f.exercises.len());
    }

    #[test]
    fn builtin_keeps_the_articles_figures() {
        let c = Catalogue::builtin();
        let hip = c.exercises.iter().find(|e| e.primary_area() == Area::Hips).unwrap();
        assert_eq!(hip.hold_seconds, Some(Range::one(30)));
        assert_eq!(hip.sides, Sides::LeftAndRight);
        let fly = c.exercises.iter().find(|e| e.equipment == Equipment::Dumbbells && e.sets.is_some()).unwrap();
        assert_eq!((fly.sets, fly.reps.as_ref().map(|r| r.count)), (Some(Range::one(3)), Some(Range::one(10))));
        let rolls: Vec<_> = c.exercises.iter().filter(|e| e.name.to_lowercase().contains("shoulder roll")).collect();
        assert_eq!(rolls.len(), 1, "shoulder rolls appear in two articles and must be merged");
        assert_eq!(rolls[0].source.len(), 2);
        let tips: String = c.tips.iter().map(|t| t.text.to_lowercase()).collect();
        for needle in ["2-minute", "professional", "heat", "feet"] {
            assert!(tips.contains(needle), "no tip mentions {needle}");
        }
    }

    #[test]
    fn ranges_read_both_forms() {
        let r: Range = serde_json::from_str("\"5-10\"").unwrap();
        assert_eq!(r, Range { min: 5, max: 10 });
        let r: Range = serde_json::from_str("30").unwrap();
        assert_eq!(r, Range::one(30));
        assert_eq!(serde_json::to_string(&Range { min: 3, max: 5 }).unwrap(), "\"3-5\"");
        for bad in ["\"10-5\"", "0", "-3", "\"a-b\"", "\"5-\"", "1.5", "true"] {
            assert!(serde_json::from_str::<Range>(bad).is_err(), "{bad}");
        }
    }

    const GOOD: &str = r#"{"id": "wall-angel", "name": "Wall angel", "areas": ["upper_back"], "position": "standing",
        "equipment": "none", "steps": ["Stand with your back to a wall.", "Slide your arms up and down."],
        "reps": {"count": "8-10", "per": "set"}, "sides": "none"}"#;

    #[test]
    fn broken_files_report_every_problem_in_place() {
        let text = format!(
            "{{\n\"exercises\": [\n{GOOD},\n{{\"id\": \"x\", \"areas\": [\"neck\"], \"position\": \"seated\", \"equipment\": \"none\", \"steps\": [\"a\"], \"sides\": \"none\"}},\n{},\n{},\n{}\n],\n\"tip\": []\n}}",
            GOOD.replace("\"sides\": \"none\"", "\"sides\": \"none\", \"holds\": 3"),
            GOOD.replace("\"sides\": \"none\"", "\"sides\": \"none\", \"hold_seconds\": 300"),
            GOOD.replace("8-10", "10-8").replace("wall-angel", "other"),
        );
        let e = CatalogueFile::parse("/u/exercises.json", &text, Some(Duration::from_secs(120))).unwrap_err();
        let all = e.to_string();
        let lines: Vec<&str> = all.lines().collect();
        assert_eq!(lines.len(), 6, "{all}");
        for want in [
            ":6:1: exercises[1]: missing field `name`",
            ": exercises[2].holds: unknown field `holds`",
            ": exercises[3].hold_seconds: a 300 s hold is longer than the whole break (120 s)",
            ": exercises[3].id: duplicate id \"wall-angel\" (first used at exercises[0])",
            ": exercises[4].reps.count: \"10-8\": the largest (8) is less than the smallest (10)",
            ": tip: unknown key \"tip\"; did you mean \"tips\"?",
        ] {
            assert!(lines.iter().any(|l| l.contains(want)), "missing {want:?} in\n{all}");
        }
        for l in &lines {
            assert!(l.starts_with("/u/exercises.json:"), "{l}");
        }
    }

    #[test]
    fn a_figure_is_a_known_name() {
        let mine = GOOD.replace("\"sides\": \"none\"", "\"sides\": \"none\", \"figure\": \"neck-roll\"");
        let f = CatalogueFile::parse("u.json", &format!("{{\"exercises\": [{mine}]}}"), None).unwrap();
        assert_eq!(f.exercises[0].figure.as_deref(), Some("neck-roll"));
        assert_eq!(serde_json::from_str::<Stretch>(GOOD).unwrap().figure, None);
        let typo = GOOD.replace("\"sides\": \"none\"", "\"sides\": \"none\",\n\"figure\": \"neck-rol\"");
        let e = CatalogueFile::parse("u.json", &format!("{{\"exercises\": [{typo}]}}"), None).unwrap_err().to_string();
        assert!(e.contains("u.json:4:"), "{e}");
        assert!(e.contains("exercises[0].figure: unknown figure \"neck-rol\"; did you mean \"neck-roll\"?"), "{e}");
        let far = GOOD.replace("\"sides\": \"none\"", "\"sides\": \"none\", \"figure\": \"cartwheel\"");
        let e = CatalogueFile::parse("u.json", &format!("{{\"exercises\": [{far}]}}"), None).unwrap_err().to_string();
        assert!(e.contains("unknown figure \"cartwheel\" (known: neck-tilt-hold, "), "{e}");
    }

    #[test]
    fn figures_beyond_a_break_are_rejected() {
        let text = GOOD.replace("\"8-10\"", "10000").replace("\"sides\": \"none\"", "\"sides\": \"none\", \"sets\": 500");
        let e = CatalogueFile::parse("u.json", &format!("{{\"exercises\": [{text}]}}"), None).unwrap_err().to_string();
        assert!(e.contains("exercises[0].sets: 500 is more than the 20 a break can use"), "{e}");
        assert!(e.contains("exercises[0].reps.count: 10000 is more than the 100 a break can use"), "{e}");
    }

    #[test]
    fn user_files_extend_or_replace() {
        let builtin = Catalogue::builtin();
        let first = builtin.exercises[0].id.clone();
        let user =
            CatalogueFile::parse("u.json", &format!(r#"{{"disabled": ["{first}"], "exercises": [{GOOD}]}}"#), None).unwrap();
        let merged = builtin.with(user.clone());
        assert_eq!(merged.exercises.len(), builtin.exercises.len());
        assert!(merged.stretch(&first).is_none() && merged.stretch("wall-angel").is_some());
        let replaced = builtin.with(CatalogueFile { mode: Mode::Replace, ..user });
        assert_eq!(replaced.exercises.len(), 1);
        assert!(replaced.tips.is_empty());
    }

    #[test]
    fn a_user_entry_with_a_builtin_id_replaces_it() {
        let builtin = Catalogue::builtin();
        let mut changed = builtin.exercises[0].clone();
        changed.name = "Mine".into();
        let merged = builtin.with(CatalogueFile { exercises: vec![changed.clone()], ..Default::default() });
        assert_eq!(merged.stretch(&changed.id).unwrap().name, "Mine");
        assert_eq!(merged.exercises.len(), builtin.exercises.len());
    }

    #[test]
    fn figures_read_like_the_article() {
        let s: Stretch = serde_json::from_str(GOOD).unwrap();
        assert_eq!(s.figures(), "8-10 reps");
        let c = Catalogue::builtin();
        let hip = c.exercises.iter().find(|e| e.primary_area() == Area::Hips).unwrap();
        assert_eq!(hip.figures(), "hold 30 s each side");
    }
}
