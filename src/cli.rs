//! The `limber` command line: what each subcommand does, and the exit codes it ends with.

use crate::control::{self, ControlError, Report, Request, Spot};
use crate::core::Settings;
use crate::core::catalogue::Catalogue;
use crate::files::{self, FileError, Places};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

fn parse_duration(text: &str) -> Result<Duration, String> {
    crate::core::duration::parse(text).map_err(|e| e.to_string())
}

/// Exit codes other programs can rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    /// A check found problems, or a command failed.
    Failed = 1,
    /// The command line was wrong (clap uses the same code).
    Usage = 2,
    /// The command needs a running limber and there is none.
    NotRunning = 3,
    /// `limber run` found another limber already running.
    AlreadyRunning = 4,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// limber counts how long you have really been sitting and, every hour (or as configured),
/// reminds you to stand up, move and stretch, walking you through one stretch with its reps
/// and hold times. It lives in the system tray.
#[derive(Debug, Parser)]
#[command(name = "limber", version = VERSION, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The version with the commit it was built from.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("LIMBER_GIT_HASH"), ")");

const EXIT_CODES: &str = "Exit codes: 0 ok, 1 failed or problems found, 2 bad usage, 3 limber is not running, 4 limber is already running.\nNot medical advice: stop any stretch that hurts, and see a professional if pain persists.";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start limber in the tray (the default when no command is given).
    Run,
    /// Show where the schedule stands.
    Status {
        /// Print JSON (state, sitting_seconds, next_break_in_seconds, until, next_exercise, ...).
        #[arg(long)]
        json: bool,
    },
    /// Start a break now.
    Break,
    /// Push the due (or next) break back.
    Snooze {
        /// How long, like "10m" (default: the `snooze` setting).
        #[arg(value_parser = parse_duration)]
        duration: Option<Duration>,
    },
    /// Skip the due (or next) break: sitting time starts again from zero.
    Skip,
    /// Stop reminders for a while; sitting time still counts.
    Pause {
        /// How long, like "30m" or "2h" (default: until `limber resume`).
        #[arg(value_parser = parse_duration, conflicts_with = "until_tomorrow")]
        duration: Option<Duration>,
        /// Pause until tomorrow starts (local midnight).
        #[arg(long)]
        until_tomorrow: bool,
    },
    /// End a pause.
    Resume,
    /// Stop the running limber.
    Quit,
    /// Print one JSON status line now and on every change, for panel bars (waybar, polybar,
    /// i3blocks).
    Watch,
    /// Breaks per day from the history: due, taken, taken by walking away, skipped, snoozed,
    /// the longest sitting stretch, and the streak.
    Stats {
        /// How many days up to today.
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=366))]
        days: u32,
        #[arg(long)]
        json: bool,
    },
    /// Start limber when you log in.
    Autostart {
        #[arg(value_enum)]
        action: Toggle,
    },
    /// The stretches and tips limber offers.
    #[command(subcommand)]
    Exercises(ExercisesCommand),
    /// The settings file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print the manual page (roff), e.g. `limber man | man -l -`.
    Man,
    /// Print shell completions, e.g. `limber completions bash > ~/.local/share/bash-completion/completions/limber`.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Toggle {
    On,
    Off,
    Status,
}

#[derive(Debug, Subcommand)]
pub enum ExercisesCommand {
    /// List the catalogue in use: the built-in one with your exercises.json applied.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check an exercises file (default: your ~/.config/limber/exercises.json) and exit 0 if
    /// it is good, 1 if not.
    Check {
        /// The file to check; `builtin` checks the catalogue inside limber.
        file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check a settings file (default: your ~/.config/limber/config.json) and exit 0 if it
    /// is good, 1 if not.
    Check { file: Option<PathBuf> },
    /// Print a complete settings file with every key at its default, documented.
    Default,
    /// Print where limber reads and writes its files.
    Path,
}

/// Runs a command against the running daemon.
fn run_online(request: Request, json: bool) -> anyhow::Result<Exit> {
    let places = Places::discover()?;
    let spot = Spot::new(places.runtime.as_deref());
    if request == Request::Watch {
        return match control::watch(&spot, |r| println!("{}", serde_json::to_string(r).unwrap_or_default())) {
            Ok(()) => Ok(Exit::Ok),
            Err(e) => Ok(failed(e)),
        };
    }
    match control::ask(&spot, &request) {
        Ok(reply) => {
            if let Some(report) = reply.status {
                if json {
                    println!("{}", serde_json::to_string(&report)?);
                } else {
                    print_report(&report);
                }
            }
            Ok(Exit::Ok)
        }
        Err(e) => Ok(failed(e)),
    }
}

fn failed(e: ControlError) -> Exit {
    match e {
        ControlError::NotRunning => {
            eprintln!("limber is not running; start it with `limber`");
            Exit::NotRunning
        }
        other => {
            eprintln!("limber: {other}");
            Exit::Failed
        }
    }
}

fn print_report(r: &Report) {
    println!("{}", r.text);
    if let Some(n) = &r.next_exercise {
        println!("next stretch: {} ({})", n.name, n.id);
    }
    println!("snoozes left: {}", r.snoozes_left);
    println!("idle detection: {}", r.idle_backend);
    if !r.microphone.is_empty() {
        println!("microphone: {}", r.microphone);
    }
    if !r.camera.is_empty() {
        println!("camera: {}", r.camera);
    }
    if r.reading {
        println!("reading mode: on (time without input counts as sitting)");
    }
}

/// Runs any command but `run`.
pub fn run_command(command: Command) -> anyhow::Result<Exit> {
    match command {
        Command::Run => unreachable_run(),
        Command::Status { json } => run_online(Request::Status, json),
        Command::Break => run_online(Request::Break, false),
        Command::Snooze { duration } => run_online(Request::Snooze { seconds: duration.map(|d| d.as_secs()) }, false),
        Command::Skip => run_online(Request::Skip, false),
        Command::Pause { duration, until_tomorrow } => {
            run_online(Request::Pause { seconds: duration.map(|d| d.as_secs()), until_tomorrow }, false)
        }
        Command::Resume => run_online(Request::Resume, false),
        Command::Quit => run_online(Request::Quit, false),
        Command::Watch => run_online(Request::Watch, false),
        Command::Stats { days, json } => stats(days, json),
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut out)?;
            std::io::Write::write_all(&mut std::io::stdout(), &out)?;
            Ok(Exit::Ok)
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let out = &mut std::io::stdout();
            match shell {
                Shell::Bash => clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, "limber", out),
                Shell::Zsh => clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, "limber", out),
                Shell::Fish => clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, "limber", out),
            }
            Ok(Exit::Ok)
        }
        Command::Autostart { action } => autostart(action),
        Command::Exercises(ExercisesCommand::List { json }) => list_exercises(json),
        Command::Exercises(ExercisesCommand::Check { file }) => check_exercises(file),
        Command::Config(ConfigCommand::Check { file }) => check_config(file),
        Command::Config(ConfigCommand::Default) => {
            print!("{}", Settings::default_file());
            Ok(Exit::Ok)
        }
        Command::Config(ConfigCommand::Path) => {
            let p = Places::discover()?;
            println!("settings:   {}", p.settings_file().display());
            println!("exercises:  {}", p.catalogue_file().display());
            for d in &p.system_config {
                println!("system:     {}", d.join("config.json").display());
            }
            println!("state:      {}", p.state.display());
            println!("history:    {}", p.data.display());
            if let Some(r) = &p.runtime {
                println!("socket dir: {}", r.display());
            }
            Ok(Exit::Ok)
        }
    }
}

fn stats(days: u32, json: bool) -> anyhow::Result<Exit> {
    let places = Places::discover()?;
    let store = crate::daemon::store::Store::new(&places.state, &places.data);
    let summary = store.summary(days).map_err(|e| anyhow::anyhow!("{}: {e}", store.history_path().display()))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(Exit::Ok);
    }
    println!(
        "{:<10}  {:>4}  {:>5}  {:>7}  {:>7}  {:>7}  LONGEST SITTING",
        "DAY", "DUE", "TAKEN", "NATURAL", "SKIPPED", "SNOOZED"
    );
    for d in &summary.days {
        let date = crate::daemon::store::day_date(d.day);
        let longest = if d.longest_sitting == 0 {
            "-".to_string()
        } else {
            crate::core::duration::human(Duration::from_secs(d.longest_sitting))
        };
        println!(
            "{:<10}  {:>4}  {:>5}  {:>7}  {:>7}  {:>7}  {}",
            date.strftime("%a %d %b").to_string(),
            d.due,
            d.taken,
            d.natural,
            d.skipped,
            d.snoozed,
            longest
        );
    }
    println!("streak: {} day{}", summary.streak, if summary.streak == 1 { "" } else { "s" });
    Ok(Exit::Ok)
}

fn autostart(action: Toggle) -> anyhow::Result<Exit> {
    let places = Places::discover()?;
    match action {
        Toggle::On => println!("limber starts at login: {}", crate::autostart::enable(&places.config)?.display()),
        Toggle::Off => {
            println!("limber no longer starts at login (removed {})", crate::autostart::disable(&places.config)?.display())
        }
        Toggle::Status => {
            let path = crate::autostart::entry_path(&places.config);
            if crate::autostart::is_enabled(&places.config) {
                println!("on: {}", path.display());
            } else {
                println!("off");
            }
        }
    }
    Ok(Exit::Ok)
}

fn unreachable_run() -> anyhow::Result<Exit> {
    anyhow::bail!("`run` is handled by the daemon, not here")
}

fn current_settings() -> Settings {
    match Places::discover() {
        Ok(p) => files::load_settings(&p).value,
        Err(_) => Settings::default(),
    }
}

fn report(e: &FileError) {
    eprintln!("{e}");
}

fn check_config(file: Option<PathBuf>) -> anyhow::Result<Exit> {
    let path = match file {
        Some(f) => f,
        None => {
            let p = Places::discover()?.settings_file();
            if !p.exists() {
                println!("{}: no such file; limber uses its defaults (see `limber config default`)", p.display());
                return Ok(Exit::Ok);
            }
            p
        }
    };
    match files::check_settings(&path) {
        Ok(s) => {
            println!(
                "{}: ok (sit {}, break {}, idle reset {}, snooze {}, remind again {}, {} snoozes)",
                path.display(),
                crate::core::duration::format(s.sit_limit),
                crate::core::duration::format(s.break_length),
                crate::core::duration::format(s.idle_reset()),
                crate::core::duration::format(s.snooze),
                crate::core::duration::format(s.remind_again),
                s.max_snoozes
            );
            Ok(Exit::Ok)
        }
        Err(e) => {
            report(&e);
            Ok(Exit::Failed)
        }
    }
}

fn check_exercises(file: Option<PathBuf>) -> anyhow::Result<Exit> {
    let settings = current_settings();
    let path = match file {
        Some(f) if f.as_os_str() == "builtin" => None,
        Some(f) => Some(f),
        None => {
            let p = Places::discover()?.catalogue_file();
            if !p.exists() {
                println!("{}: no such file; limber uses its built-in catalogue", p.display());
                return Ok(Exit::Ok);
            }
            Some(p)
        }
    };
    let name = path.as_ref().map_or_else(|| crate::core::catalogue::BUILTIN_NAME.to_string(), |p| p.display().to_string());
    match files::check_catalogue(path.as_deref(), &settings) {
        Ok(f) => {
            println!("{name}: ok ({} exercises, {} tips, mode {:?})", f.exercises.len(), f.tips.len(), f.mode);
            Ok(Exit::Ok)
        }
        Err(e) => {
            report(&e);
            Ok(Exit::Failed)
        }
    }
}

fn list_exercises(json: bool) -> anyhow::Result<Exit> {
    let (catalogue, problems) = match Places::discover() {
        Ok(p) => {
            let settings = files::load_settings(&p).value;
            let c = files::load_catalogue(&p, &settings);
            (c.value, c.problems)
        }
        Err(_) => (Catalogue::builtin(), vec![]),
    };
    for p in &problems {
        eprintln!("warning: {p}\nwarning: using the built-in catalogue");
    }
    if json {
        let doc = serde_json::json!({ "exercises": catalogue.exercises, "tips": catalogue.tips });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(Exit::Ok);
    }
    let id_w = catalogue.exercises.iter().map(|e| e.id.len()).max().unwrap_or(2).max(2);
    let name_w = catalogue.exercises.iter().map(|e| e.name.chars().count()).max().unwrap_or(4).max(4);
    println!("{:id_w$}  {:name_w$}  {:9}  {:11}  FIGURES", "ID", "NAME", "POSITION", "EQUIPMENT");
    for e in &catalogue.exercises {
        println!(
            "{:id_w$}  {:name_w$}  {:9}  {:11}  {}  [{}]",
            e.id,
            e.name,
            format!("{:?}", e.position).to_lowercase(),
            snake(&format!("{:?}", e.equipment)),
            e.figures(),
            e.areas_label()
        );
    }
    println!("\nTips:");
    for t in &catalogue.tips {
        println!("- {}", t.text);
    }
    println!("\nNot medical advice: stop any stretch that hurts, and see a professional if pain persists.");
    Ok(Exit::Ok)
}

fn snake(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}
