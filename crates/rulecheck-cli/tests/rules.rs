//! End-to-end tests of the rules: every code in `Code::ALL` has documentation, a fixture that fires and a
//! fixture that stays quiet, and the built binary reports them as documented.
//!
//! Fixtures live in `fixtures/rules/` at the workspace root: `RCxxx-fires.conf` must produce `RCxxx`,
//! `RCxxx-quiet.conf` (the same configuration, corrected) must not. A rule that needs settings reads them
//! from `RCxxx.toml` beside its fixtures, passed with `--config`. A rule about changes (`rulecheck diff`)
//! has a third fixture, `RCxxx-old.conf`, the version before the change: its fixtures are checked with
//! `rulecheck diff RCxxx-old.conf RCxxx-fires.conf` (and `-quiet.conf`). The human report of every firing
//! fixture is kept as a snapshot in `tests/snapshots/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rulecheck_syntax::Code;
use serde_json::Value;

/// Codes without fixtures, and why. A code listed here must not have fixtures: when its rule lands, its
/// fixtures replace its entry.
const SKIPPED: &[(Code, &str)] = &[];

fn skipped(code: Code) -> bool {
    SKIPPED.iter().any(|&(c, _)| c == code)
}

/// The codes that have fixtures.
fn tested_codes() -> impl Iterator<Item = Code> {
    Code::ALL.iter().copied().filter(|&c| !skipped(c))
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .canonicalize()
        .expect("the workspace has fixtures/")
}

fn rules_dir() -> PathBuf {
    fixtures_dir().join("rules")
}

fn examples_dir() -> PathBuf {
    fixtures_dir().join("examples")
}

/// Runs the built binary in `dir`, so that file names in its output are the short names given.
fn rulecheck(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rulecheck"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the rulecheck binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

fn has_fixture(code: Code, which: &str) -> bool {
    rules_dir().join(format!("{code}-{which}.conf")).is_file()
}

/// `rulecheck lint --format FORMAT` of a rule fixture, with the rule's config file if it has one; for a
/// rule about changes, `rulecheck diff --format FORMAT RCxxx-old.conf` and the fixture.
fn lint_fixture(code: Code, which: &str, format: &str) -> Output {
    let file = format!("{code}-{which}.conf");
    let config = format!("{code}.toml");
    let old = format!("{code}-old.conf");
    let mut args = vec!["lint", "--format", format];
    if rules_dir().join(&old).is_file() {
        args = vec!["diff", "--format", format, &old];
    }
    if rules_dir().join(&config).is_file() {
        args.extend(["--config", &config]);
    }
    args.push(&file);
    rulecheck(&rules_dir(), &args)
}

/// The JSON report: exactly one object on standard output.
fn report(output: &Output) -> Value {
    let text = stdout(output);
    let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON value ({e}):\n{text}\nstderr:\n{}",
            stderr(output)
        )
    });
    assert!(value.is_object(), "the report is not a JSON object: {text}");
    value
}

fn diagnostics(report: &Value) -> &[Value] {
    report["diagnostics"]
        .as_array()
        .expect("`diagnostics` is an array")
}

fn codes(report: &Value) -> Vec<&str> {
    diagnostics(report)
        .iter()
        .map(|d| d["code"].as_str().expect("`code` is a string"))
        .collect()
}

/// What a finding says, without where it stands.
fn finding(d: &Value) -> (String, String, String, String, String) {
    let field = |key: &str| d[key].as_str().unwrap_or("-").to_owned();
    (
        field("code"),
        field("message"),
        field("filter"),
        field("term"),
        field("route"),
    )
}

#[test]
fn every_rule_code_has_docs_fixtures_and_explain() {
    let mut missing = Vec::new();
    for &code in Code::ALL {
        let (fires, quiet) = (has_fixture(code, "fires"), has_fixture(code, "quiet"));
        if skipped(code) {
            if fires || quiet {
                missing.push(format!(
                    "{code}: has fixtures but is listed in SKIPPED; remove it from the list"
                ));
            }
            continue;
        }
        if !fires {
            missing.push(format!(
                "{code}: no firing fixture fixtures/rules/{code}-fires.conf"
            ));
        }
        if !quiet {
            missing.push(format!(
                "{code}: no quiet fixture fixtures/rules/{code}-quiet.conf"
            ));
        }
        let Some(rule) = rulecheck_eval::rules::find(code) else {
            missing.push(format!("{code}: no rule in rulecheck_eval::rules::ALL"));
            continue;
        };
        let doc = rule.doc();
        for heading in ["## What it does", "## Why is this bad?", "## Example"] {
            if !doc.contains(heading) {
                missing.push(format!("{code}: the documentation lacks `{heading}`"));
            }
        }
        let explain = rulecheck(&rules_dir(), &["explain", code.as_str()]);
        if !explain.status.success() {
            missing.push(format!(
                "{code}: `rulecheck explain` exits with {}: {}",
                explain.status,
                stderr(&explain)
            ));
        } else if !stdout(&explain).contains(&doc) {
            missing.push(format!(
                "{code}: `rulecheck explain` does not print the documentation"
            ));
        }
    }
    assert!(missing.is_empty(), "\n{}\n", missing.join("\n"));
}

#[test]
fn firing_fixtures_report_their_code() {
    let mut failures = Vec::new();
    // A missing fixture is reported by `every_rule_code_has_docs_fixtures_and_explain`.
    for code in tested_codes().filter(|&c| has_fixture(c, "fires")) {
        let output = lint_fixture(code, "fires", "json");
        let report = report(&output);
        let found = codes(&report);
        if !found.contains(&code.as_str()) {
            failures.push(format!(
                "{code}-fires.conf does not report {code}; it reports {found:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n"));
}

#[test]
fn quiet_fixtures_do_not_report_their_code() {
    let mut failures = Vec::new();
    for code in tested_codes().filter(|&c| has_fixture(c, "quiet")) {
        let output = lint_fixture(code, "quiet", "json");
        let report = report(&output);
        let noisy: Vec<String> = diagnostics(&report)
            .iter()
            .filter(|d| d["code"] == code.as_str())
            .map(|d| format!("line {}: {}", d["line"], d["message"]))
            .collect();
        if !noisy.is_empty() {
            failures.push(format!(
                "{code}-quiet.conf reports {code}: {}",
                noisy.join("; ")
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n"));
}

#[test]
fn human_reports_of_firing_fixtures() {
    for code in tested_codes().filter(|&c| has_fixture(c, "fires")) {
        // Standard output is not a terminal here, so the report has no colour; its width is fixed at 100.
        let output = lint_fixture(code, "fires", "human");
        let exit = output.status.code().expect("rulecheck exits normally");
        let text = format!("exit code: {exit}\n{}", stdout(&output));
        insta::assert_snapshot!(code.as_str(), text);
    }
}

/// The 2013-03-03 outage: a flow route with packet lengths no IP packet can have.
#[test]
fn flow_route_of_2013_is_refused_at_its_packet_length() {
    let name = "dns-drop-2013.conf";
    let text = std::fs::read_to_string(examples_dir().join(name)).expect("the example exists");
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("packet-length"))
        .expect("the example has a packet-length")
        + 1;
    let output = rulecheck(&examples_dir(), &["lint", "--format", "json", name]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let report = report(&output);
    let impossible: Vec<&Value> = diagnostics(&report)
        .iter()
        .filter(|d| d["code"] == "RC101")
        .collect();
    assert!(!impossible.is_empty(), "no RC101 in {report}");
    for d in impossible {
        assert_eq!(
            d["line"], line,
            "RC101 is not on the packet-length line: {d}"
        );
        assert_eq!(d["route"], "173.X.X.X/32-DNS-DROP", "{d}");
        assert_eq!(d["severity"], "error", "{d}");
    }
}

#[test]
fn edge_example_is_clean_and_the_same_in_both_forms() {
    let mut findings = Vec::new();
    for name in ["edge.conf", "edge.set"] {
        let output = rulecheck(&examples_dir(), &["lint", "--format", "json", name]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{name}: {}{}",
            stdout(&output),
            stderr(&output)
        );
        let report = report(&output);
        assert_eq!(report["summary"]["error"], 0, "{name}: {report}");
        let set: BTreeSet<_> = diagnostics(&report).iter().map(finding).collect();
        assert_eq!(
            set.len(),
            diagnostics(&report).len(),
            "{name}: a finding is reported twice: {report}"
        );
        findings.push(set);
    }
    assert_eq!(
        findings[0], findings[1],
        "edge.conf and edge.set are one configuration but their findings differ"
    );
}

#[test]
fn missing_file_exits_2_naming_the_path() {
    let path = "no-such-dir/missing.conf";
    let output = rulecheck(&examples_dir(), &["lint", path]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(path),
        "the message does not name {path}: {}",
        stderr(&output)
    );
    assert!(
        output.stdout.is_empty(),
        "a failed run writes no report: {}",
        stdout(&output)
    );
}

#[test]
fn json_report_is_one_object_with_version_and_summary() {
    let output = rulecheck(
        &rules_dir(),
        &[
            "lint",
            "--format",
            "json",
            "RC301-fires.conf",
            "RC401-fires.conf",
            "RC406-fires.conf",
        ],
    );
    let text = stdout(&output);
    assert_eq!(
        text.trim_end().lines().count(),
        1,
        "the report is not one line: {text}"
    );
    let report = report(&output);
    let keys: Vec<&str> = report
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 3, "unexpected keys: {keys:?}");
    assert_eq!(report["version"], 1);
    let mut counted = [0u64; 3];
    for d in diagnostics(&report) {
        let slot = match d["severity"].as_str() {
            Some("error") => 0,
            Some("warning") => 1,
            Some("info") => 2,
            other => panic!("unknown severity {other:?} in {d}"),
        };
        counted[slot] += 1;
    }
    let summary = &report["summary"];
    assert_eq!(
        ["error", "warning", "info"].map(|s| summary[s].as_u64()),
        counted.map(Some),
        "the summary does not count the findings: {report}"
    );
    assert!(counted.iter().all(|&n| n > 0), "{report}");
}

#[test]
fn output_is_byte_identical_across_runs() {
    for format in ["json", "human"] {
        let run = || {
            rulecheck(
                &fixtures_dir(),
                &["lint", "--format", format, "rules", "examples"],
            )
        };
        let (first, second) = (run(), run());
        assert_eq!(first.status.code(), second.status.code());
        assert!(
            !first.stdout.is_empty(),
            "{format}: no output: {}",
            stderr(&first)
        );
        assert!(
            first.stdout == second.stdout,
            "{format}: two runs on the same input differ"
        );
    }
}

/// RC011 used to report prefix lists used only by routing policies, policers used only by interfaces or by
/// filters of families rulecheck does not model, and filters applied only to forwarding tables or through
/// interface ranges. `fixtures/references/uses.conf` uses a definition in each of those ways;
/// `unused.conf` has the same statements deactivated or naming something else.
#[test]
fn rc011_knows_the_uses_outside_filters_and_interface_bindings() {
    let dir = fixtures_dir().join("references");
    let unused = |file: &str| -> BTreeSet<String> {
        let output = rulecheck(&dir, &["lint", "--format", "json", file]);
        let report = report(&output);
        let found = diagnostics(&report);
        assert!(
            !found
                .iter()
                .any(|d| d["code"] == "RC001" || d["code"] == "RC002"),
            "{file} does not read cleanly: {found:?}"
        );
        found
            .iter()
            .filter(|d| d["code"] == "RC011")
            .map(|d| d["message"].as_str().unwrap().to_owned())
            .collect()
    };
    let uses = unused("uses.conf");
    assert!(uses.is_empty(), "{uses:#?}");
    let expected: BTreeSet<String> = [
        "policer `police-unused` is not used by any filter or interface",
        "filter `fwd-unused` is not applied to any interface or forwarding table",
        "prefix list `customers` is not used by any filter or routing policy",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(unused("unused.conf"), expected);
}
