//! Replays the committed fuzz corpus, `tests/corpus/<target>/`, through the very checks the
//! fuzz targets run (`fuzz/src/lib.rs`, included here as a module), under plain `cargo test`:
//! no libFuzzer, no nightly flags. Every input must pass without a panic; a parser that
//! rejects one must say where, with every problem at line >= 1 and column >= 1.
//!
//! `scripts/fuzz` grows the corpus; the hand-written inputs (descriptive names) are the nasty
//! cases, and the few too big to commit are generated below.

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod targets;

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Bounds on the committed corpus, so it stays small enough to read and replay.
const MOST_FILES: usize = 200;
const LARGEST: usize = 4096;

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `check` on `data`, turning a panic into its message.
fn run(check: fn(&[u8]), data: &[u8]) -> Result<(), String> {
    panic::catch_unwind(AssertUnwindSafe(|| check(data))).map_err(|e| {
        e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
    })
}

/// Every committed input of `target`, through `check`; all failures are listed at once.
fn replay(target: &str, check: fn(&[u8])) {
    let files = corpus(target);
    assert!(!files.is_empty(), "tests/corpus/{target} is empty");
    assert!(files.len() <= MOST_FILES, "tests/corpus/{target} has {} files; keep it to {MOST_FILES}", files.len());
    let mut failed = Vec::new();
    for f in &files {
        let data = std::fs::read(f).unwrap();
        assert!(data.len() <= LARGEST, "{} is {} bytes; corpus files stay within {LARGEST}", f.display(), data.len());
        if let Err(why) = run(check, &data) {
            failed.push(format!("{}: {why}", f.display()));
        }
    }
    assert!(failed.is_empty(), "{} of {} inputs failed:\n{}", failed.len(), files.len(), failed.join("\n"));
}

/// Generated inputs too big to commit, through `check`.
fn generated(check: fn(&[u8]), inputs: &[(&str, Vec<u8>)]) {
    let failed: Vec<String> =
        inputs.iter().filter_map(|(name, data)| run(check, data).err().map(|why| format!("{name}: {why}"))).collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// The nasty inputs every JSON parser gets: deep nesting, 100 KB strings and keys, 100 KB of
/// digits, a long file of many lines with the mistake at the end.
fn big_json(key: &str) -> Vec<(&'static str, Vec<u8>)> {
    let long = "x".repeat(100_000);
    vec![
        ("10000 [", "[".repeat(10_000).into_bytes()),
        ("10000 [ closed", format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes()),
        ("10000 nested objects", format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000)).into_bytes()),
        ("100 KB string value", format!("{{\"{key}\": \"{long}\"}}").into_bytes()),
        ("100 KB unknown key", format!("{{\"{long}\": 1}}").into_bytes()),
        ("100 KB comment key", format!("{{\"//{long}\": \"{long}\"}}").into_bytes()),
        ("100 KB number", format!("{{\"{key}\": {}}}", "9".repeat(100_000)).into_bytes()),
        ("100 KB of whitespace", format!("{{{}}}", " \n".repeat(50_000)).into_bytes()),
        ("mistake on line 20001", format!("{{{}\"{key}\": ,}}", "\n".repeat(20_000)).into_bytes()),
        ("100 KB of unicode escapes", format!("{{\"{key}\": \"{}\"}}", "\\u00e9".repeat(16_000)).into_bytes()),
    ]
}

#[test]
fn settings_corpus() {
    replay("settings", targets::settings);
}

#[test]
fn settings_big_inputs() {
    generated(targets::settings, &big_json("sit_limit"));
}

#[test]
fn catalogue_corpus() {
    replay("catalogue", targets::catalogue);
}

#[test]
fn catalogue_big_inputs() {
    let mut inputs = big_json("exercises");
    let step = "s".repeat(100_000);
    inputs.push((
        "100 KB step",
        format!(
            r#"{{"exercises": [{{"id": "a", "name": "A", "areas": ["neck"], "position": "seated", "equipment": "none",
                "steps": ["{step}"], "sides": "none"}}]}}"#
        )
        .into_bytes(),
    ));
    let many: Vec<String> = (0..2000).map(|i| format!(r#"{{"id": "t{i}", "topic": "movement", "text": "Walk."}}"#)).collect();
    inputs.push(("2000 tips", format!(r#"{{"tips": [{}]}}"#, many.join(",")).into_bytes()));
    generated(targets::catalogue, &inputs);
}

#[test]
fn duration_corpus() {
    replay("duration", targets::duration);
}

#[test]
fn duration_big_inputs() {
    generated(
        targets::duration,
        &[
            ("100 KB of digits", "9".repeat(100_000).into_bytes()),
            ("100 KB of seconds", "1s".repeat(50_000).into_bytes()),
            ("100 KB of spaces", " ".repeat(100_000).into_bytes()),
            ("100 KB of units", "m".repeat(100_000).into_bytes()),
        ],
    );
}

#[test]
fn protocol_corpus() {
    replay("protocol", targets::protocol);
}

#[test]
fn protocol_big_inputs() {
    let max = limber::control::MAX_LINE;
    let padded = |n: usize| {
        let mut line = br#"{"v":1,"cmd":"status"}"#.to_vec();
        line.resize(n, b' ');
        line
    };
    let mut inputs = big_json("cmd");
    inputs.push(("exactly MAX_LINE", padded(max)));
    inputs.push(("one past MAX_LINE", padded(max + 1)));
    inputs.push(("100 KB of invalid UTF-8", vec![0xff; 100_000]));
    inputs.push(("60 KB cmd", format!(r#"{{"v":1,"cmd":"{}"}}"#, "s".repeat(60_000)).into_bytes()));
    generated(targets::protocol, &inputs);
}

#[test]
fn schedule_corpus() {
    replay("schedule", targets::schedule);
}

#[test]
fn schedule_big_inputs() {
    // Long runs: 100 KB of waits (bounded by the target's call budget), of snoozes, of card
    // events, of restarts.
    let waits: Vec<u8> = std::iter::repeat_n([0u8, 0xff], 50_000).flatten().collect();
    let snoozes: Vec<u8> = std::iter::repeat_n([9u8, 1, 60, 0], 25_000).flatten().collect();
    let cards: Vec<u8> = std::iter::repeat_n([8u8, 17, 0, 17, 2, 1, 30, 0], 12_500).flatten().collect();
    let restarts: Vec<u8> = std::iter::repeat_n([21u8, 200, 1, 50, 0], 20_000).flatten().collect();
    generated(targets::schedule, &[("waits", waits), ("snoozes", snoozes), ("cards", cards), ("restarts", restarts)]);
}

#[test]
fn a_byte_order_mark_is_accepted() {
    assert!(limber::core::Settings::parse(targets::FILE, "\u{feff}{}").is_ok());
}

#[test]
fn errors_are_located_in_the_file() {
    // The property the corpus relies on, shown once plainly: a broken file is reported at a
    // real place, even for the nastiest inputs.
    for text in ["[".repeat(10_000), "\u{feff}{,}".to_string(), "{\"a\": 1,,}".to_string(), String::new()] {
        let e = limber::core::Settings::parse(targets::FILE, &text).unwrap_err();
        targets::located(&e, &text);
        let e = limber::core::catalogue::CatalogueFile::parse(targets::FILE, &text, Some(targets::BREAK)).unwrap_err();
        targets::located(&e, &text);
    }
}
