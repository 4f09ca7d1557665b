//! The `rulecheck` command.

use std::process::ExitCode;

use clap::Parser;
use rulecheck_cli::{args, run};

fn main() -> ExitCode {
    let args = args::Args::parse();
    match run::run(args) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`rulecheck lint | head`) is not an error.
            if err.is_broken_pipe() {
                return ExitCode::SUCCESS;
            }
            eprintln!("rulecheck: {err}");
            ExitCode::from(2)
        }
    }
}
