//! The offline commands through the real binary: checking files, printing defaults and the
//! catalogue, and the exit codes scripts rely on.

use std::path::PathBuf;
use std::process::{Command, Output};

fn limber(args: &[&str], home: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_limber"))
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env("XDG_CONFIG_DIRS", home.join("etc"))
        .output()
        .unwrap()
}

fn home(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("limber-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("config/limber")).unwrap();
    d
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn config_check_passes_good_files_and_names_every_problem_in_bad_ones() {
    let h = home("config");
    let file = h.join("config/limber/config.json");
    let o = limber(&["config", "check"], &h);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).0.contains("no such file; limber uses its defaults"));
    std::fs::write(&file, r#"{"sit_limit": "45m", "break_length": "3m"}"#).unwrap();
    let o = limber(&["config", "check"], &h);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(text(&o).0.contains("ok (sit 45m, break 3m, idle reset 3m"), "{:?}", text(&o));
    std::fs::write(&file, "{\n  \"sit_limit\": 60,\n  \"volume\": 1\n}\n").unwrap();
    let o = limber(&["config", "check"], &h);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    let f = file.display();
    assert!(err.contains(&format!("{f}:2:3: sit_limit: expected a duration string")), "{err}");
    assert!(err.contains(&format!("{f}:3:3: volume: unknown setting")), "{err}");
    std::fs::write(&file, "{\"sit_limit\": \"1h\",}").unwrap();
    let (_, err) = text(&limber(&["config", "check", file.to_str().unwrap()], &h));
    assert!(err.contains(&format!("{f}:1:20: trailing comma")), "{err}");
}

#[test]
fn config_default_is_a_valid_documented_file() {
    let h = home("default");
    let o = limber(&["config", "default"], &h);
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o).0;
    assert!(out.contains("\"// sit_limit\""));
    let file = h.join("default.json");
    std::fs::write(&file, &out).unwrap();
    assert_eq!(limber(&["config", "check", file.to_str().unwrap()], &h).status.code(), Some(0));
}

#[test]
fn exercises_check_and_list() {
    let h = home("exercises");
    let o = limber(&["exercises", "check", "builtin"], &h);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(text(&o).0.contains("ok (14 exercises, 16 tips"), "{:?}", text(&o));
    let file = h.join("config/limber/exercises.json");
    std::fs::write(&file, r#"{"exercises": [{"id": "a", "name": "", "areas": [], "position": "seated", "equipment": "none", "steps": ["x"], "sides": "none", "hold_seconds": 600}]}"#).unwrap();
    let o = limber(&["exercises", "check"], &h);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    for want in [
        "exercises[0].name: the name is empty",
        "exercises[0].areas: list at least one body area",
        "exercises[0].hold_seconds: a 600 s hold is longer than the whole break (120 s)",
    ] {
        assert!(err.contains(want), "{want}: {err}");
    }
    // A broken user file leaves the built-in catalogue in use, with a warning.
    let o = limber(&["exercises", "list"], &h);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0));
    assert!(err.contains("using the built-in catalogue"), "{err}");
    assert!(out.contains("posterior-shoulder-stretch") && out.contains("hold 30 s each side"), "{out}");
    assert!(out.contains("Not medical advice"));
    let o = limber(&["exercises", "list", "--json"], &h);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["exercises"].as_array().unwrap().len(), 14);
}

#[test]
fn commands_that_need_the_daemon_exit_3_without_one() {
    let h = home("offline");
    let o = limber(&["status"], &h);
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o).1.contains("limber is not running"));
    assert_eq!(limber(&["snooze", "soon"], &h).status.code(), Some(2));
}

#[test]
fn version_names_the_commit_and_man_and_completions_cover_every_subcommand() {
    let h = home("docs");
    let (out, _) = text(&limber(&["--version"], &h));
    assert!(out.starts_with(&format!("limber {} (", env!("CARGO_PKG_VERSION"))), "{out}");
    let subcommands = [
        "run",
        "status",
        "break",
        "snooze",
        "skip",
        "pause",
        "resume",
        "quit",
        "watch",
        "stats",
        "autostart",
        "exercises",
        "config",
        "man",
        "completions",
    ];
    let (man, _) = text(&limber(&["man"], &h));
    assert!(man.contains(".TH limber"), "{man}");
    for shell in ["bash", "zsh", "fish"] {
        let (completion, _) = text(&limber(&["completions", shell], &h));
        for sub in subcommands {
            assert!(completion.contains(sub), "{shell} completions lack {sub}");
            assert!(man.contains(sub), "the man page lacks {sub}");
        }
    }
}

/// `limber exercises list | head -1`: the reader is gone before limber writes; limber ends
/// without a panic message.
#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    let h = home("pipe");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_limber"))
        .args(["exercises", "list"])
        .env("HOME", &h)
        .env("XDG_CONFIG_HOME", h.join("config"))
        .stdout(writer)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(o.status.signal(), Some(libc::SIGPIPE), "{:?} {err}", o.status);
}
