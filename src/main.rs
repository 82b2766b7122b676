//! The `limber` binary: parses the command line and hands over to the library.

use clap::Parser;
use limber::cli::{Cli, Command, Exit};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Run);
    let result = match command {
        Command::Run => limber::daemon::run(),
        other => limber::cli::run_command(other),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("limber: {e:#}");
            Exit::Failed.into()
        }
    }
}
