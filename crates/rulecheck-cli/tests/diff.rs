//! End-to-end tests of `rulecheck diff`: the built binary on pairs of files, directories and git revisions.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .canonicalize()
        .expect("the workspace has fixtures/")
}

fn rulecheck(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rulecheck"))
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("the rulecheck binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn report(output: &Output) -> Value {
    serde_json::from_str(&stdout(output)).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON value ({e}):\n{}\nstderr:\n{}",
            stdout(output),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn diagnostics(report: &Value) -> Vec<Value> {
    report["diagnostics"].as_array().expect("an array").clone()
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rulecheck-diff-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

fn in_prefix(address: &str, prefix: Ipv4Addr, len: u32) -> bool {
    let a: Ipv4Addr = address.parse().expect("an IPv4 address");
    let mask = u32::MAX << (32 - len);
    u32::from(a) & mask == u32::from(prefix) & mask
}

#[test]
fn a_discard_added_for_203_0_113_0_24_is_reported_with_a_witness_inside_it() {
    let dir = fixtures_dir().join("rules");
    let output = rulecheck(
        &dir,
        &[
            "diff",
            "--format",
            "json",
            "RC502-old.conf",
            "RC502-fires.conf",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "RC502 is info: {}",
        stdout(&output)
    );
    let found = diagnostics(&report(&output));
    assert_eq!(found.len(), 1, "{found:?}");
    let d = &found[0];
    assert_eq!(d["code"], "RC502");
    assert_eq!(d["file"], "RC502-fires.conf");
    assert_eq!(d["filter"], "edge-in");
    assert_eq!(d["term"], "drop-attack-target");
    assert_eq!(d["related"][0]["file"], "RC502-old.conf", "{d}");
    let witness = &d["witness"];
    assert_eq!(witness["protocol"], 17, "{d}");
    let destination = witness["destination"].as_str().expect("a destination");
    assert!(
        in_prefix(destination, Ipv4Addr::new(203, 0, 113, 0), 24),
        "the witness {destination} is outside 203.0.113.0/24"
    );
    // Before the change the witness's source was not a bogon, or it would have been discarded already.
    let source = witness["source"].as_str().expect("a source");
    assert!(
        !in_prefix(source, Ipv4Addr::new(10, 0, 0, 0), 8),
        "{source}"
    );

    let human = rulecheck(&dir, &["diff", "RC502-old.conf", "RC502-fires.conf"]);
    let text = stdout(&human);
    assert!(
        text.contains("now discards UDP from anywhere but 0.0.0.0/8, 10.0.0.0/8, 192.168.0.0/16 to 203.0.113.0/24 (term `drop-attack-target`)"),
        "{text}"
    );
    assert!(text.contains("example: udp "), "{text}");
}

#[test]
fn a_change_that_touches_nothing_semantic_reports_nothing() {
    // Reordered prefix-list entries, comments, another layout; the same configuration in both forms.
    for (dir, old, new) in [
        ("rules", "RC502-old.conf", "RC502-quiet.conf"),
        ("rules", "RC503-old.conf", "RC503-quiet.conf"),
        ("examples", "edge.conf", "edge.set"),
        ("examples", "edge.set", "edge.conf"),
    ] {
        let dir = fixtures_dir().join(dir);
        let output = rulecheck(&dir, &["diff", "--format", "json", old, new]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{old} → {new}: {}",
            stdout(&output)
        );
        let found = diagnostics(&report(&output));
        assert!(found.is_empty(), "{old} → {new}: {found:?}");
        let human = stdout(&rulecheck(&dir, &["diff", old, new]));
        assert!(
            human.starts_with("no change in what the rules accept or discard\n"),
            "{old} → {new}: {human}"
        );
    }
}

#[test]
fn protected_traffic_newly_discarded_fails_the_diff() {
    let dir = fixtures_dir().join("rules");
    let output = rulecheck(
        &dir,
        &[
            "diff",
            "--format",
            "json",
            "--config",
            "RC501.toml",
            "RC501-old.conf",
            "RC501-fires.conf",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let found = diagnostics(&report(&output));
    let protected: Vec<&Value> = found.iter().filter(|d| d["code"] == "RC501").collect();
    assert_eq!(protected.len(), 1, "{found:?}");
    assert_eq!(protected[0]["severity"], "error");
    assert_eq!(protected[0]["witness"]["destination-port"], 443);
    assert!(in_prefix(
        protected[0]["witness"]["destination"].as_str().unwrap(),
        Ipv4Addr::new(198, 51, 100, 0),
        25
    ));
}

#[test]
fn directories_pair_files_and_a_new_flow_route_discards() {
    let tmp = scratch("dirs");
    let (old, new) = (tmp.join("old"), tmp.join("new"));
    for side in [&old, &new] {
        std::fs::create_dir_all(side.join("rules")).unwrap();
    }
    let diff_fixtures = fixtures_dir().join("diff");
    std::fs::copy(
        diff_fixtures.join("flow-old.conf"),
        old.join("rules/flow.conf"),
    )
    .unwrap();
    std::fs::copy(
        diff_fixtures.join("flow-new.conf"),
        new.join("rules/flow.conf"),
    )
    .unwrap();
    let output = rulecheck(&tmp, &["diff", "--format", "json", "old", "new"]);
    let found = diagnostics(&report(&output));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["code"], "RC502");
    assert_eq!(found[0]["route"], "drop-dns-flood");
    assert_eq!(found[0]["witness"]["destination"], "203.0.113.53");
    assert_eq!(found[0]["witness"]["destination-port"], 53);
    // Removing the route again accepts what it discarded.
    let back = report(&rulecheck(
        &tmp,
        &["diff", "--format", "json", "new", "old"],
    ));
    let codes: Vec<&Value> = back["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["code"])
        .collect();
    assert_eq!(codes, ["RC503"]);
    // A file cannot be compared with a directory.
    let mixed = rulecheck(&tmp, &["diff", "old", "new/rules/flow.conf"]);
    assert_eq!(mixed.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&tmp);
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[test]
fn git_revisions_are_read_from_the_commits_not_the_work_tree() {
    let tmp = scratch("git");
    git(&tmp, &["init", "-q", "-b", "main"]);
    git(&tmp, &["config", "user.name", "Rule Author"]);
    git(&tmp, &["config", "user.email", "author@example.invalid"]);
    std::fs::create_dir_all(tmp.join("rules")).unwrap();
    std::fs::write(tmp.join("README.md"), "not a rule file\n").unwrap();
    let rules = fixtures_dir().join("rules");
    std::fs::copy(rules.join("RC502-old.conf"), tmp.join("rules/edge.conf")).unwrap();
    git(&tmp, &["add", "."]);
    git(&tmp, &["commit", "-q", "-m", "edge filter"]);
    std::fs::copy(rules.join("RC502-fires.conf"), tmp.join("rules/edge.conf")).unwrap();
    git(&tmp, &["commit", "-q", "-am", "drop the attack target"]);
    // The work tree goes back to the old version: the revisions, not the files on disk, are compared.
    std::fs::copy(rules.join("RC502-old.conf"), tmp.join("rules/edge.conf")).unwrap();
    let output = rulecheck(
        &tmp,
        &["diff", "--git", "--format", "json", "HEAD~1", "HEAD"],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let found = diagnostics(&report(&output));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["code"], "RC502");
    assert_eq!(found[0]["file"], "HEAD:rules/edge.conf");
    let bad = rulecheck(&tmp, &["diff", "--git", "HEAD~1", "no-such-revision"]);
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&tmp);
}

/// The line of the first finding in lint's JSON form of the same diff, to compare the other formats with.
fn first_line_in_json(dir: &Path, old: &str, new: &str) -> u64 {
    let json = report(&rulecheck(dir, &["diff", "--format", "json", old, new]));
    diagnostics(&json)[0]["line"]
        .as_u64()
        .expect("a line number")
}

#[test]
fn diff_findings_come_out_as_sarif() {
    let dir = fixtures_dir().join("rules");
    let output = rulecheck(
        &dir,
        &[
            "diff",
            "--format",
            "sarif",
            "RC502-old.conf",
            "RC502-fires.conf",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let log = report(&output);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{results:?}");
    let result = &results[0];
    assert_eq!(result["ruleId"], "RC502");
    assert_eq!(result["level"], "note");
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(run["tool"]["driver"]["rules"][index]["id"], "RC502");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "RC502-fires.conf");
    assert_eq!(
        location["region"]["startLine"].as_u64(),
        Some(first_line_in_json(
            &dir,
            "RC502-old.conf",
            "RC502-fires.conf"
        ))
    );
    assert!(in_prefix(
        result["properties"]["witness"]["destination"]
            .as_str()
            .unwrap(),
        Ipv4Addr::new(203, 0, 113, 0),
        24
    ));
    assert!(
        result["message"]["text"]
            .as_str()
            .unwrap()
            .contains("example packet: udp "),
        "{result}"
    );
}

#[test]
fn diff_findings_come_out_as_github_workflow_commands() {
    let dir = fixtures_dir().join("rules");
    let output = rulecheck(
        &dir,
        &[
            "diff",
            "--format",
            "github",
            "--config",
            "RC501.toml",
            "RC501-old.conf",
            "RC501-fires.conf",
        ],
    );
    // RC501 is an error: the exit code does not depend on the format.
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let text = stdout(&output);
    let commands: Vec<&str> = text.lines().filter(|l| l.starts_with("::")).collect();
    assert!(!commands.is_empty(), "{text}");
    let protected = commands
        .iter()
        .find(|l| l.contains("title=RC501 change-discards-protected::"))
        .unwrap_or_else(|| panic!("no RC501 command:\n{text}"));
    assert!(
        protected.starts_with("::error file=RC501-fires.conf,line="),
        "{protected}"
    );
    // Everything is in the one line of the command; the help and the example are escaped line feeds.
    assert!(protected.contains("%0Aexample packet: tcp "), "{protected}");
}

#[test]
fn git_diff_in_ci_formats_names_the_checkout_files_by_their_paths() {
    let tmp = scratch("git-ci");
    git(&tmp, &["init", "-q", "-b", "main"]);
    git(&tmp, &["config", "user.name", "Rule Author"]);
    git(&tmp, &["config", "user.email", "author@example.invalid"]);
    std::fs::create_dir_all(tmp.join("rules")).unwrap();
    let rules = fixtures_dir().join("rules");
    std::fs::copy(rules.join("RC502-old.conf"), tmp.join("rules/edge.conf")).unwrap();
    git(&tmp, &["add", "."]);
    git(&tmp, &["commit", "-q", "-m", "edge filter"]);
    std::fs::copy(rules.join("RC502-fires.conf"), tmp.join("rules/edge.conf")).unwrap();
    git(&tmp, &["commit", "-q", "-am", "drop the attack target"]);

    let output = rulecheck(
        &tmp,
        &["diff", "--git", "--format", "sarif", "HEAD~1", "HEAD"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let log = report(&output);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "RC502");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "rules/edge.conf"
    );
    // The terms that decided the packets before are places in the old revision, and say so.
    let related = result["relatedLocations"].as_array().unwrap();
    assert!(!related.is_empty(), "{result}");
    for related in related {
        let uri = related["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.starts_with("HEAD~1%3A"), "{uri}");
    }

    let output = rulecheck(
        &tmp,
        &["diff", "--git", "--format", "github", "HEAD~1", "HEAD"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(
        text.lines()
            .any(|l| l.starts_with("::notice file=rules/edge.conf,line=")
                && l.contains("title=RC502 change-discards::")),
        "{text}"
    );
    // JSON keeps naming both sides by revision, as before.
    let json = report(&rulecheck(
        &tmp,
        &["diff", "--git", "--format", "json", "HEAD~1", "HEAD"],
    ));
    assert_eq!(diagnostics(&json)[0]["file"], "HEAD:rules/edge.conf");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn a_change_to_a_prefix_list_alone_is_found() {
    // The terms read the same on both sides; what they match changed with the list they name.
    let dir = scratch("prefix-list-only");
    let config = |extra: &str| {
        format!(
            "policy-options {{ prefix-list blocked {{ 192.0.2.0/24; {extra} }} }}
firewall {{ family inet {{ filter edge {{
    term block {{ from {{ source-prefix-list {{ blocked; }} }} then discard; }}
    term rest {{ then accept; }}
}} }} }}
"
        )
    };
    std::fs::write(dir.join("old.conf"), config("")).unwrap();
    std::fs::write(dir.join("new.conf"), config("198.51.100.0/24;")).unwrap();
    let output = rulecheck(&dir, &["diff", "--format", "json", "old.conf", "new.conf"]);
    let found = diagnostics(&report(&output));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["code"], "RC502");
    let source = found[0]["witness"]["source"]
        .as_str()
        .expect("a witness source");
    assert!(
        in_prefix(source, Ipv4Addr::new(198, 51, 100, 0), 24),
        "{source}"
    );
}
