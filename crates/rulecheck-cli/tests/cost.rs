//! End-to-end tests of `rulecheck cost`: the numbers it reports for the budget fixtures, its exit codes,
//! and its human and JSON forms.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/rules")
        .canonicalize()
        .expect("the workspace has fixtures/rules")
}

/// Runs the built binary in the rule fixtures' directory.
fn rulecheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rulecheck"))
        .args(args)
        .current_dir(rules_dir())
        .output()
        .expect("the rulecheck binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn json(output: &Output) -> Value {
    let text = stdout(output);
    assert_eq!(
        text.trim_end().lines().count(),
        1,
        "the report is not one line: {text}"
    );
    serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {text}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[test]
fn over_budget_term_is_costed_factor_by_factor() {
    let output = rulecheck(&["cost", "--format", "json", "RC201-fires.conf"]);
    assert_eq!(output.status.code(), Some(1), "over budget exits 1");
    let report = json(&output);
    assert_eq!(report["version"], 1);
    assert_eq!(report["budget"]["term_entries"], 4096);
    assert_eq!(report["budget"]["filter_entries"], 65_536);
    assert_eq!(report["budget"]["flow_routes"], 10_000);
    assert_eq!(report["over_budget"], true);
    let unit = &report["units"][0];
    assert_eq!(unit["files"][0], "RC201-fires.conf");
    assert_eq!(unit["errors"], 0);
    let filter = &unit["filters"][0];
    assert_eq!(filter["name"], "partners-in");
    assert_eq!(filter["family"], "inet");
    assert_eq!(filter["terms"], 2);
    // 8 sources × 8 destinations × 2 protocols × 6 (1024-65535) × 10 (1-1023) × 4 (64-1023), and `rest`.
    let partners: u64 = 8 * 8 * 2 * 6 * 10 * 4;
    assert_eq!(filter["entries"], partners + 1);
    assert_eq!(filter["memory_bytes"], (partners + 1) * 40);
    assert_eq!(
        filter["over_budget"], false,
        "the filter's total is within its budget; its term is not"
    );
    let costliest = filter["costliest"].as_array().expect("an array");
    assert_eq!(costliest.len(), 2);
    let term = &costliest[0];
    assert_eq!(term["name"], "partners");
    assert_eq!(term["entries"], partners);
    assert_eq!(term["share"], 7.5);
    assert_eq!(term["over_budget"], true);
    let factors: Vec<(&str, u64)> = term["factors"]
        .as_array()
        .expect("an array")
        .iter()
        .map(|f| {
            (
                f["field"].as_str().expect("a field"),
                f["entries"].as_u64().expect("a count"),
            )
        })
        .collect();
    assert_eq!(
        factors,
        [
            ("source-address", 8),
            ("destination-address", 8),
            ("protocol", 2),
            ("source-port", 6),
            ("destination-port", 10),
            ("packet-length", 4),
        ]
    );
    assert_eq!(costliest[1]["name"], "rest");
    assert_eq!(costliest[1]["entries"], 1);
}

#[test]
fn within_budget_exits_0() {
    let output = rulecheck(&["cost", "--format", "json", "RC201-quiet.conf"]);
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert_eq!(report["over_budget"], false);
    // 2 partner prefixes × 1 server prefix × 6 source-port entries × 4 packet-length entries, and `rest`.
    assert_eq!(report["units"][0]["filters"][0]["entries"], 2 * 6 * 4 + 1);
}

#[test]
fn flow_route_table_counts_routes_against_the_budget() {
    let output = rulecheck(&[
        "cost",
        "--format",
        "json",
        "--config",
        "RC203.toml",
        "RC203-fires.conf",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["budget"]["flow_routes"], 3);
    let table = &report["units"][0]["flow_tables"][0];
    assert_eq!(table["instance"], Value::Null);
    assert_eq!(table["routes"], 4);
    assert_eq!(table["entries"], 4);
    assert_eq!(table["memory_bytes"], 4 * 40);
    assert_eq!(table["over_budget"], true);
    assert_eq!(table["costliest"][0]["name"], "block-src-1");

    let quiet = rulecheck(&["cost", "--config", "RC203.toml", "RC203-quiet.conf"]);
    assert_eq!(quiet.status.code(), Some(0), "{}", stdout(&quiet));
}

#[test]
fn merged_files_are_one_configuration() {
    let output = rulecheck(&[
        "cost",
        "--format",
        "json",
        "--merge",
        "RC201-quiet.conf",
        "RC203-quiet.conf",
    ]);
    let report = json(&output);
    let units = report["units"].as_array().expect("an array");
    assert_eq!(units.len(), 1);
    assert_eq!(units[0]["files"].as_array().map(Vec::len), Some(2));
    assert_eq!(units[0]["filters"].as_array().map(Vec::len), Some(1));
    assert_eq!(units[0]["flow_tables"].as_array().map(Vec::len), Some(1));
}

#[test]
fn syntax_errors_exit_1_and_are_counted() {
    let output = rulecheck(&["cost", "--format", "json", "RC001-fires.conf"]);
    assert_eq!(output.status.code(), Some(1));
    let errors = json(&output)["units"][0]["errors"]
        .as_u64()
        .expect("a count");
    assert!(errors > 0);
}

#[test]
fn missing_file_exits_2() {
    let output = rulecheck(&["cost", "no-such-file.conf"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

#[test]
fn human_report() {
    let output = rulecheck(&[
        "cost",
        "RC201-fires.conf",
        "RC202-fires.conf",
        "RC203-fires.conf",
    ]);
    let exit = output.status.code().expect("rulecheck exits normally");
    insta::assert_snapshot!(format!("exit code: {exit}\n{}", stdout(&output)));
}
