//! Writes a generated configuration to standard output, for measuring the release binary end to end:
//!
//! ```text
//! cargo run --release -p rulecheck-eval --example generate -- 100000 > /tmp/100k.conf
//! cargo run --release -p rulecheck-eval --example generate -- 100000 set > /tmp/100k.set
//! ```
//!
//! Arguments: the number of terms (default 10,000), the form (`hierarchical` or `set`), the seed (default 1).

use std::io::Write as _;

#[path = "generate.rs"]
mod generate;

fn main() {
    let mut args = std::env::args().skip(1);
    let terms = args
        .next()
        .map_or(10_000, |n| n.parse().expect("a number of terms"));
    let form = args.next().unwrap_or_else(|| "hierarchical".to_owned());
    let seed = args.next().map_or(1, |n| n.parse().expect("a seed"));
    let text = match form.as_str() {
        "set" => generate::set_config(terms, seed),
        _ => generate::filter_config(terms, seed),
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .expect("writing to standard output");
}
