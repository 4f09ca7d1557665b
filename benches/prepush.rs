//! The pre-push check on a rule repository of 1,000 terms: what `rulecheck hook pre-push` does for one
//! pushed commit — read the rule files of the pushed commit and of the remote's commit out of git, lint the
//! new version, and diff it against the old one.
//!
//! `cargo bench -p rulecheck-cli --bench prepush`. The repository is built once, before measuring, in a
//! temporary directory: a commit with the generated configuration (`generate.rs`) and a commit that changes
//! one term's action from accept to discard, as a typical push does.

// criterion_group! defines an undocumented public function.
#![allow(missing_docs)]

use std::path::Path;
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};
use rulecheck_cli::hook::{self, Plan};
use rulecheck_syntax::SourceMap;

// Only the hierarchical form is used here.
#[allow(dead_code)]
#[path = "generate.rs"]
mod generate;

const TERMS: usize = 1_000;

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A repository with two commits: the generated rules, then one term changed. Returns (old, new).
fn repository(dir: &Path) -> (String, String) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("rules")).expect("a scratch directory");
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["config", "user.name", "Bench"]);
    git(dir, &["config", "user.email", "bench@example.invalid"]);
    let text = generate::filter_config(TERMS, 1);
    std::fs::write(dir.join("rules/edge.conf"), &text).unwrap();
    std::fs::write(
        dir.join("rulecheck.toml"),
        "files = [\"rules/**/*.conf\"]\n",
    )
    .unwrap();
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "rules"]);
    let old = git(dir, &["rev-parse", "HEAD"]);
    // A new first term in one filter: drop UDP toward an attacked prefix.
    let header = "filter edge4-1 {\n";
    let at = text.find(header).expect("the generated filter edge4-1") + header.len();
    let term = "term drop-attack-target { from { destination-address 203.0.113.0/24; protocol udp; } then discard; }\n";
    let changed = format!("{}{term}{}", &text[..at], &text[at..]);
    std::fs::write(dir.join("rules/edge.conf"), changed).unwrap();
    git(dir, &["commit", "-q", "-am", "one term discards"]);
    let new = git(dir, &["rev-parse", "HEAD"]);
    (old, new)
}

fn prepush(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("rulecheck-bench-prepush-{}", std::process::id()));
    let (old, new) = repository(&dir);
    std::env::set_current_dir(&dir).expect("the repository is the working directory");
    let plan = Plan {
        commit: new,
        base: Some(old),
        note: String::new(),
    };
    let mut group = c.benchmark_group("prepush");
    group.sample_size(20);
    group.bench_function("1000-terms", |b| {
        b.iter(|| {
            let mut sources = SourceMap::new();
            let compared = hook::check(&plan, &mut sources).expect("the check runs");
            assert!(
                compared
                    .diagnostics
                    .iter()
                    .any(|d| d.code == rulecheck_syntax::Code::ChangeDiscards),
                "the changed term is reported"
            );
            compared
        });
    });
    group.finish();
    // RULECHECK_BENCH_KEEP=1 keeps the repository, to profile `rulecheck hook pre-push` by hand.
    if std::env::var_os("RULECHECK_BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

criterion_group!(benches, prepush);
criterion_main!(benches);
