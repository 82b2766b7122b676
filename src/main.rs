//! The `limber` binary: parses the command line and hands over to the library.

use clap::Parser;
use limber::cli::{Cli, Command, Exit};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Run);
    let result = match command {
        Command::Run => limber::daemon::run(),
        other => {
            // A command's output piped into `head` or a closed pager ends it quietly, as it
            // ends any Unix tool, instead of a "failed printing to stdout" panic. The daemon
            // keeps Rust's default (ignored, so a dead client socket is an error, not death).
            // SAFETY: no other thread exists yet, and SIG_DFL is a valid disposition.
            unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
            limber::cli::run_command(other)
        }
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("limber: {e:#}");
            Exit::Failed.into()
        }
    }
}
