//! The `rulecheck` command.

use std::process::ExitCode;

use clap::Parser;
use rulecheck_cli::{args, run};

/// The checks allocate and free millions of small blocks on every thread (cubes, interval sets, index
/// queries); jemalloc's per-thread caches serve them faster than the system allocator, with less peak
/// memory on large inputs (benches/README.md has the figures).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
