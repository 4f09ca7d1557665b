//! The library behind the `rulecheck` binary: arguments, config file, inputs, output formats, `diff` and
//! the git hook. The binary is `main.rs`; the benchmarks drive the hook's check through this library. It is
//! not a stable API.

pub mod args;
pub mod cost;
pub mod diff;
pub mod git;
pub mod hook;
pub mod inputs;
pub mod render;
pub mod run;
pub mod settings;
pub mod trace;
