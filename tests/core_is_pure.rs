//! Fails if the core reads a clock, touches files, the network, the environment or threads:
//! the schedule must only ever learn the time from its caller.

use std::path::Path;

/// Paths the core may use. Everything else in `std` (time sources, fs, io, net, env,
/// process, thread, sync) is out, as is any crate that is not plain data handling.
const ALLOWED: &[&str] = &[
    "std::borrow",
    "std::collections",
    "std::fmt",
    "std::ops",
    "std::mem",
    "std::iter",
    "std::str",
    "std::cmp",
    "std::time::Duration",
    "super::",
    "crate::core",
    "serde",
    "serde_json",
    "serde_path_to_error",
    "strsim",
    "thiserror",
];

const FORBIDDEN_ANYWHERE: &[&str] = &[
    "Instant",
    "SystemTime",
    "UNIX_EPOCH",
    "std::fs",
    "std::io",
    "std::net",
    "std::env",
    "std::process",
    "std::thread",
    "std::sync",
    "tokio",
    "File::",
    "println!",
    "eprintln!",
    "dbg!",
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `word` in `line` not as the tail of a longer name (`CatalogueFile::` is not `File::`).
fn contains_word(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(i, _)| !line[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_'))
}

#[test]
fn core_has_no_clock_and_no_io() {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core"), &mut files);
    assert!(files.len() >= 8, "core files not found");
    let mut bad = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        // Unit tests at the bottom of a file may build fixtures however they like.
        let code = text.split("#[cfg(test)]").next().unwrap();
        for (n, line) in code.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("//") {
                continue;
            }
            for word in FORBIDDEN_ANYWHERE {
                if contains_word(line, word) {
                    bad.push(format!("{}:{}: uses {word}: {}", file.display(), n + 1, line.trim()));
                }
            }
            if let Some(rest) = trimmed.strip_prefix("use ")
                && !ALLOWED.iter().any(|a| rest.starts_with(a))
            {
                bad.push(format!("{}:{}: imports outside the allowed list: {}", file.display(), n + 1, line.trim()));
            }
            if line.contains("std::") && !ALLOWED.iter().filter(|a| a.starts_with("std::")).any(|a| line.contains(a)) {
                bad.push(format!("{}:{}: reaches into std beyond plain data: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(bad.is_empty(), "the core must stay pure:\n{}", bad.join("\n"));
}

#[test]
fn the_check_catches_a_clock_read() {
    // The scanner above must not be vacuous: the same rules flag a real clock read.
    let line = "let now = std::time::Instant::now();";
    assert!(FORBIDDEN_ANYWHERE.iter().any(|w| contains_word(line, w)));
    assert!(contains_word("let f = File::open(p);", "File::"));
    assert!(!contains_word("CatalogueFile::parse()", "File::"));
    assert!(!ALLOWED.iter().filter(|a| a.starts_with("std::")).any(|a| line.contains(a)));
}
