//! The user's settings (`config.json`): every key optional, the defaults are the articles'
//! rule of moving for two minutes every hour.

use super::catalogue::{Equipment, Position};
use super::duration;
use super::hours::{self, WorkingHours};
use super::problem::{Problems, Report, field, parse_json, strip_comments, suggest, without_bom};
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Sitting time after which a break is due.
    pub sit_limit: Duration,
    /// How long a break lasts.
    pub break_length: Duration,
    /// Idle this long counts as a break taken; `None` means "as long as a break".
    idle_reset: Option<Duration>,
    /// How far Snooze pushes a due break.
    pub snooze: Duration,
    /// How long a due break may be ignored before the reminder comes again.
    pub remind_again: Duration,
    /// Snoozes allowed for one break; after that the reminder no longer offers it.
    pub max_snoozes: u32,
    pub sound: Sound,
    pub exercises: Filters,
    /// What holds a reminder back until it is over.
    pub quiet_when: QuietWhen,
    /// The longest a reminder is held back; then it comes anyway, gently.
    pub quiet_max: Duration,
    /// A due reminder waits until no input came for this long (zero: it does not wait).
    pub wait_for_pause: Duration,
    /// The longest a reminder waits for a pause in typing.
    pub wait_for_pause_max: Duration,
    /// `None`: reminders at any time.
    pub working_hours: Option<WorkingHours>,
    /// Time without input counts as sitting (reading, watching a talk); locks and sleep
    /// still count as breaks.
    pub reading_mode: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuietWhen {
    pub fullscreen: bool,
    pub do_not_disturb: bool,
    /// A microphone is recording: a call in any app or browser tab.
    pub microphone: bool,
    /// A camera is open.
    pub camera: bool,
    /// Process names, for apps that want quiet without using the microphone or camera.
    pub apps: Vec<String>,
}

impl Default for QuietWhen {
    fn default() -> Self {
        // Calls are known by the microphone and camera, so no call app needs listing.
        QuietWhen { fullscreen: true, do_not_disturb: true, microphone: true, camera: true, apps: Vec::new() }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sound {
    pub enabled: bool,
    /// 0.0 to 1.0.
    pub volume: f32,
    /// A WAV or OGG file played instead of the built-in hold-end cue.
    pub file: Option<String>,
}

impl Default for Sound {
    fn default() -> Self {
        Sound { enabled: true, volume: 0.6, file: None }
    }
}

/// Which stretches may be offered.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Filters {
    pub equipment: Vec<Equipment>,
    pub positions: Vec<Position>,
}

impl Default for Filters {
    /// At a desk nobody has dumbbells or a rowing machine to hand, so those exercises stay in
    /// the catalogue but are offered only to people who ask for them.
    fn default() -> Self {
        Filters {
            equipment: vec![Equipment::None, Equipment::Chair],
            positions: vec![Position::Seated, Position::Standing, Position::Either],
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sit_limit: Duration::from_secs(60 * 60),
            break_length: Duration::from_secs(2 * 60),
            idle_reset: None,
            snooze: Duration::from_secs(10 * 60),
            remind_again: Duration::from_secs(5 * 60),
            max_snoozes: 3,
            sound: Sound::default(),
            exercises: Filters::default(),
            quiet_when: QuietWhen::default(),
            quiet_max: Duration::from_secs(30 * 60),
            wait_for_pause: Duration::from_millis(2500),
            wait_for_pause_max: Duration::from_secs(2 * 60),
            working_hours: None,
            reading_mode: false,
        }
    }
}

/// The longest `wait_for_pause` accepted.
const LONGEST_PAUSE: Duration = Duration::from_secs(60);

/// Every key `config.json` knows, for unknown-key hints.
pub const KEYS: &[&str] = &[
    "sit_limit",
    "break_length",
    "idle_reset",
    "snooze",
    "remind_again",
    "max_snoozes",
    "sound",
    "exercises",
    "quiet_when",
    "quiet_max",
    "wait_for_pause",
    "wait_for_pause_max",
    "working_hours",
    "reading_mode",
];

impl Settings {
    pub fn idle_reset(&self) -> Duration {
        self.idle_reset.unwrap_or(self.break_length)
    }

    pub fn set_idle_reset(&mut self, d: Option<Duration>) {
        self.idle_reset = d;
    }

    /// Reads a settings file over the defaults.
    pub fn parse(file: &str, text: &str) -> Result<Settings, Problems> {
        Settings::default().parse_over(file, text)
    }

    /// Reads a settings file whose keys replace those of `self`, key by key: how a user's
    /// file sits on top of a system-wide one.
    pub fn parse_over(&self, file: &str, text: &str) -> Result<Settings, Problems> {
        let text = &*without_bom(text);
        let mut doc = parse_json(file, text)?;
        strip_comments(&mut doc);
        let mut report = Report::new(file, text);
        let mut out = self.clone();
        let Some(map) = doc.as_object() else {
            report.add("", "the settings must be a JSON object like {\"sit_limit\": \"60m\"}");
            return report.finish().map(|_| out);
        };
        for (key, value) in map {
            let key = key.as_str();
            match key {
                "sit_limit" => set_duration(&mut report, key, value, Duration::from_secs(1), &mut out.sit_limit),
                "break_length" => set_duration(&mut report, key, value, Duration::from_secs(1), &mut out.break_length),
                "snooze" => set_duration(&mut report, key, value, Duration::from_secs(1), &mut out.snooze),
                "remind_again" => set_duration(&mut report, key, value, Duration::from_secs(1), &mut out.remind_again),
                "idle_reset" => {
                    let mut d = out.idle_reset();
                    set_duration(&mut report, key, value, Duration::from_secs(1), &mut d);
                    out.idle_reset = Some(d);
                }
                "max_snoozes" => match field::<u32>(&mut report, key, value) {
                    Some(n) if n <= 20 => out.max_snoozes = n,
                    Some(n) => report.add(key, format!("{n} snoozes is more than the 20 allowed")),
                    None => {}
                },
                "sound" => {
                    if let Some(sound) = field::<Sound>(&mut report, key, value) {
                        if !(0.0..=1.0).contains(&sound.volume) || sound.volume.is_nan() {
                            report.add("sound.volume", format!("{} is outside 0.0 to 1.0", sound.volume));
                        } else {
                            out.sound = sound;
                        }
                    }
                }
                "exercises" => {
                    if let Some(filters) = field::<Filters>(&mut report, key, value) {
                        if filters.equipment.is_empty() || filters.positions.is_empty() {
                            report.add(key, "an empty list would leave no stretch to offer");
                        } else {
                            out.exercises = filters;
                        }
                    }
                }
                "quiet_when" => {
                    if let Some(q) = field::<QuietWhen>(&mut report, key, value) {
                        out.quiet_when = q;
                    }
                }
                "quiet_max" => set_duration(&mut report, key, value, Duration::ZERO, &mut out.quiet_max),
                "wait_for_pause" => {
                    let mut d = out.wait_for_pause;
                    set_duration(&mut report, key, value, Duration::ZERO, &mut d);
                    // Longer than this is no pause in typing but time away from the keyboard.
                    if d > LONGEST_PAUSE {
                        report.add(key, format!("\"{}\" is too long for a pause in typing; at most \"1m\"", duration::format(d)));
                    } else {
                        out.wait_for_pause = d;
                    }
                }
                "wait_for_pause_max" => set_duration(&mut report, key, value, Duration::ZERO, &mut out.wait_for_pause_max),
                "working_hours" => {
                    if let Some(w) = working_hours(&mut report, value) {
                        out.working_hours = w;
                    }
                }
                "reading_mode" => {
                    if let Some(b) = field::<bool>(&mut report, key, value) {
                        out.reading_mode = b;
                    }
                }
                other => {
                    let hint = suggest(other, KEYS).map(|k| format!("; did you mean \"{k}\"?")).unwrap_or_default();
                    report.add(other, format!("unknown setting \"{other}\"{hint} (known: {})", KEYS.join(", ")));
                }
            }
        }
        report.finish().map(|_| out)
    }

    /// A complete settings file with every key at its default and a "//" note on each.
    pub fn default_file() -> String {
        let d = Settings::default();
        let f = duration::format;
        format!(
            r#"{{
  "// limber settings": "Every key is optional; delete any you do not want to change. Keys starting with // are notes. Durations are written like \"45s\", \"2m\" or \"1h30m\".",

  "// sit_limit": "How long you may sit before a break is due. Idle time shorter than idle_reset counts as sitting.",
  "sit_limit": "{}",

  "// break_length": "How long a break lasts: a stretch, then walking for the rest of it.",
  "break_length": "{}",

  "// idle_reset": "No keyboard or mouse input for this long counts as a break you took, and sitting time starts again from zero. Not set here, so it follows break_length; set it like \"idle_reset\": \"3m\" to differ.",

  "// snooze": "How far Snooze pushes a due break.",
  "snooze": "{}",

  "// remind_again": "If a due break is ignored, the reminder comes again after this long.",
  "remind_again": "{}",

  "// max_snoozes": "How many times one break may be snoozed; after that Snooze is no longer offered.",
  "max_snoozes": {},

  "// sound": "The cue at the end of each hold. volume is 0.0 to 1.0; file is an optional WAV or OGG to play instead.",
  "sound": {{ "enabled": {}, "volume": {}, "file": null }},

  "// exercises": "Which stretches to offer. equipment: none, chair, dumbbells, gym_machine. positions: seated, standing, either.",
  "exercises": {{ "equipment": ["none", "chair"], "positions": ["seated", "standing", "either"] }},

  "// quiet_when": "A due reminder waits while a window is fullscreen, while the desktop's do-not-disturb is on, while a microphone records or a camera is open (a call in any app or browser tab; it comes a few seconds after both close), or while one of the apps runs (process names, for apps that use neither). Set any to false or [] to stop waiting for it.",
  "quiet_when": {{ "fullscreen": {}, "do_not_disturb": {}, "microphone": {}, "camera": {}, "apps": [{}] }},

  "// quiet_max": "The longest a reminder waits for a quiet time to end; then it comes anyway, without sound.",
  "quiet_max": "{}",

  "// wait_for_pause": "A reminder that falls due while you type waits until no key or mouse input came for this long, so it does not land mid-sentence. \"0s\" shows it at once.",
  "wait_for_pause": "{}",

  "// wait_for_pause_max": "The longest a reminder waits for that pause; then it comes while you type.",
  "wait_for_pause_max": "{}",

  "// working_hours": "null: reminders at any time. Or days and time ranges, e.g. {{\"mon-fri\": \"09:00-17:30\", \"sat\": [\"10:00-12:00\"]}}; a single day overrides a range that includes it. Outside them no reminders come, and sitting time starts from zero each working day.",
  "working_hours": null,

  "// reading_mode": "true: time without keyboard or mouse input still counts as sitting (reading, watching talks). Locking the screen still counts as a break. The tray menu turns it on and off too.",
  "reading_mode": {}
}}
"#,
            f(d.sit_limit),
            f(d.break_length),
            f(d.snooze),
            f(d.remind_again),
            d.max_snoozes,
            d.sound.enabled,
            d.sound.volume,
            d.quiet_when.fullscreen,
            d.quiet_when.do_not_disturb,
            d.quiet_when.microphone,
            d.quiet_when.camera,
            d.quiet_when.apps.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", "),
            f(d.quiet_max),
            f(d.wait_for_pause),
            f(d.wait_for_pause_max),
            d.reading_mode,
        )
    }
}

fn set_duration(report: &mut Report<'_>, key: &str, value: &serde_json::Value, least: Duration, slot: &mut Duration) {
    let Some(text) = value.as_str() else {
        report.add(key, format!("expected a duration string like \"2m\", found {}", kind(value)));
        return;
    };
    match duration::parse(text) {
        Ok(d) if d < least => {
            report.add(key, format!("\"{text}\" is too short; it must be at least {}", duration::format(least)))
        }
        Ok(d) => *slot = d,
        Err(e) => report.add(key, e.to_string()),
    }
}

/// Reads `{"mon-fri": "09:00-17:30", "sat": ["10:00-12:00", "14:00-16:00"]}`; `null` means
/// any time. A single day overrides a range of days that includes it, whatever the order in
/// the file; two ranges naming the same day are a mistake and reported.
fn working_hours(report: &mut Report<'_>, value: &serde_json::Value) -> Option<Option<WorkingHours>> {
    let map = match value {
        serde_json::Value::Null => return Some(None),
        serde_json::Value::Object(m) => m,
        other => {
            report.add(
                "working_hours",
                format!("expected an object like {{\"mon-fri\": \"09:00-17:30\"}} or null, found {}", kind(other)),
            );
            return None;
        }
    };
    let before = report.len();
    let mut hours = WorkingHours::default();
    let mut by_range: [Option<&str>; 7] = [None; 7];
    let mut ordered: Vec<(&String, &serde_json::Value)> = map.iter().filter(|(k, _)| !k.starts_with("//")).collect();
    // Ranges first, so that single days override them.
    ordered.sort_by_key(|(k, _)| !k.contains('-'));
    for (key, spans) in ordered {
        let path = format!("working_hours.{key}");
        let days = match hours::parse_days(key) {
            Ok(d) => d,
            Err(e) => {
                report.add(path, e);
                continue;
            }
        };
        let texts: Vec<(String, &serde_json::Value)> = match spans {
            serde_json::Value::Array(a) => a.iter().enumerate().map(|(i, v)| (format!("{path}[{i}]"), v)).collect(),
            v => vec![(path.clone(), v)],
        };
        let mut parsed = Vec::new();
        for (at, v) in texts {
            match v.as_str().map(hours::parse_span) {
                Some(Ok(span)) => parsed.push(span),
                Some(Err(e)) => report.add(at, e),
                None => report.add(at, format!("expected a time range like \"09:00-17:30\", found {}", kind(v))),
            }
        }
        for d in days {
            if key.contains('-') {
                if let Some(other) = by_range[d] {
                    report.add(&path, format!("{} is already given by \"{other}\"", hours::DAYS[d]));
                    continue;
                }
                by_range[d] = Some(key);
            }
            hours.set(d, parsed.clone());
        }
    }
    if report.len() > before {
        return None;
    }
    if hours.is_empty() {
        report.add("working_hours", "no working hours on any day would mean no reminders at all; use null for any time");
        return None;
    }
    Some(Some(hours))
}

fn kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_object_gives_the_articles_rule() {
        let s = Settings::parse("c.json", "{}").unwrap();
        assert_eq!(s, Settings::default());
        assert_eq!(s.sit_limit, Duration::from_secs(3600));
        assert_eq!(s.break_length, Duration::from_secs(120));
        assert_eq!(s.idle_reset(), s.break_length);
    }

    #[test]
    fn idle_reset_follows_break_length_unless_set() {
        let s = Settings::parse("c.json", r#"{"break_length": "5m"}"#).unwrap();
        assert_eq!(s.idle_reset(), Duration::from_secs(300));
        let s = Settings::parse("c.json", r#"{"break_length": "5m", "idle_reset": "1m"}"#).unwrap();
        assert_eq!(s.idle_reset(), Duration::from_secs(60));
    }

    #[test]
    fn default_file_parses_to_the_defaults() {
        assert_eq!(Settings::parse("default", &Settings::default_file()).unwrap(), Settings::default());
    }

    #[test]
    fn every_problem_is_reported_with_its_place() {
        let text = "{\n  \"sit_limit\": \"90\",\n  \"snoze\": \"5m\",\n  \"sound\": {\"volume\": 3},\n  \"max_snoozes\": -1,\n  \"exercises\": {\"equipment\": [\"kettlebell\"]}\n}";
        let e = Settings::parse("/home/a/.config/limber/config.json", text).unwrap_err();
        let lines: Vec<String> = e.0.iter().map(|p| p.to_string()).collect();
        assert_eq!(lines.len(), 5, "{lines:#?}");
        assert!(lines[0].starts_with("/home/a/.config/limber/config.json:2:3: sit_limit: "), "{}", lines[0]);
        assert!(lines[1].starts_with("/home/a/.config/limber/config.json:3:3: snoze: unknown setting"), "{}", lines[1]);
        assert!(lines[1].contains("did you mean \"snooze\""), "{}", lines[1]);
        assert!(lines[2].contains(":4:13: sound.volume: 3 is outside"), "{}", lines[2]);
        assert!(lines[3].contains(":5:3: max_snoozes: "), "{}", lines[3]);
        assert!(lines[4].contains(":6:31: exercises.equipment[0]: unknown variant `kettlebell`"), "{}", lines[4]);
    }

    #[test]
    fn nested_unknown_keys_are_named() {
        let e = Settings::parse("c.json", r#"{"sound": {"enabled": true, "loud": 1}}"#).unwrap_err();
        assert!(e.to_string().contains("sound.loud: unknown field `loud`"), "{e}");
    }

    #[test]
    fn wrong_types_say_what_was_found() {
        let e = Settings::parse("c.json", r#"{"snooze": 10, "sit_limit": "0s"}"#).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("snooze: expected a duration string like \"2m\", found a number"), "{text}");
        assert!(text.contains("sit_limit: \"0s\" is too short"), "{text}");
    }

    #[test]
    fn not_an_object() {
        let e = Settings::parse("c.json", "[1]").unwrap_err();
        assert!(e.to_string().starts_with("c.json:1:1: the settings must be a JSON object"), "{e}");
    }

    #[test]
    fn working_hours_are_read_with_their_mistakes_placed() {
        let s =
            Settings::parse("c.json", r#"{"working_hours": {"mon-fri": "09:00-17:30", "fri": ["09:00-12:00", "13:00-15:00"]}}"#)
                .unwrap();
        assert!(s.working_hours.is_some());
        assert_eq!(Settings::parse("c.json", r#"{"working_hours": null}"#).unwrap().working_hours, None);
        let text = "{\n  \"working_hours\": {\n    \"mon-fri\": \"9-5\",\n    \"fri-sun\": \"10:00-12:00\",\n    \"funday\": \"10:00-11:00\",\n    \"sat\": [\"10:00-12:00\", 3]\n  }\n}";
        let e = Settings::parse("c.json", text).unwrap_err().to_string();
        assert!(e.contains("c.json:3:5: working_hours.mon-fri: \"9-5\" is not a time range"), "{e}");
        assert!(e.contains("fri is already given by"), "two ranges naming Friday: {e}");
        assert!(e.contains("c.json:5:5: working_hours.funday: \"funday\" is not a day"), "{e}");
        assert!(e.contains("working_hours.sat[1]: expected a time range like \"09:00-17:30\", found a number"), "{e}");
        let e = Settings::parse("c.json", r#"{"working_hours": {"mon": []}}"#).unwrap_err().to_string();
        assert!(e.contains("no working hours on any day"), "{e}");
        let e = Settings::parse("c.json", r#"{"quiet_when": {"fullscreen": "yes"}, "reading_mode": 1}"#).unwrap_err().to_string();
        assert!(e.contains("quiet_when.fullscreen: invalid type"), "{e}");
        assert!(e.contains("reading_mode: invalid type"), "{e}");
    }

    #[test]
    fn calls_and_typing_pauses_are_read_with_their_mistakes_placed() {
        let d = Settings::default();
        assert!(d.quiet_when.microphone && d.quiet_when.camera && d.quiet_when.apps.is_empty());
        assert_eq!((d.wait_for_pause, d.wait_for_pause_max), (Duration::from_millis(2500), Duration::from_secs(120)));
        let s = Settings::parse(
            "c.json",
            r#"{"quiet_when": {"microphone": false}, "wait_for_pause": "0s", "wait_for_pause_max": "30s"}"#,
        )
        .unwrap();
        assert!(!s.quiet_when.microphone && s.quiet_when.camera, "the other keys keep their defaults");
        assert_eq!((s.wait_for_pause, s.wait_for_pause_max), (Duration::ZERO, Duration::from_secs(30)));
        assert_eq!(
            Settings::parse("c.json", r#"{"wait_for_pause": "800ms"}"#).unwrap().wait_for_pause,
            Duration::from_millis(800)
        );
        let text = "{\n  \"wait_for_pause\": \"5m\",\n  \"wait_for_pause_max\": 3,\n  \"quiet_when\": {\"camera\": \"on\"}\n}";
        let e = Settings::parse("c.json", text).unwrap_err().to_string();
        assert!(e.contains("c.json:2:3: wait_for_pause: \"5m\" is too long for a pause in typing"), "{e}");
        assert!(e.contains("c.json:3:3: wait_for_pause_max: expected a duration string"), "{e}");
        assert!(e.contains("c.json:4:18: quiet_when.camera: invalid type"), "{e}");
        let e = Settings::parse("c.json", r#"{"wait_for_paus": "1s"}"#).unwrap_err().to_string();
        assert!(e.contains("did you mean \"wait_for_pause\""), "{e}");
    }

    #[test]
    fn layers_apply_key_by_key() {
        let system = Settings::parse("/etc/xdg/limber/config.json", r#"{"sit_limit": "45m", "snooze": "5m"}"#).unwrap();
        let user = system.parse_over("user.json", r#"{"snooze": "15m"}"#).unwrap();
        assert_eq!(user.sit_limit, Duration::from_secs(45 * 60));
        assert_eq!(user.snooze, Duration::from_secs(15 * 60));
    }
}
