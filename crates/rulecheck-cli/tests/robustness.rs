//! End-to-end robustness: resource bounds and `[limits]`, unreadable input (exit 2, the path named,
//! nothing written) and byte-identical output whatever the order of files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
        .output()
        .expect("the rulecheck binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("robustness-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch directory can be made");
    dir
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("the test file can be written");
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(output))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(output), stderr(output)))
}

/// The findings of a JSON report as (code, severity, message).
fn findings(output: &Output) -> Vec<(String, String, String)> {
    json(output)["diagnostics"]
        .as_array()
        .expect("a diagnostics array")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_owned(),
                d["severity"].as_str().unwrap_or_default().to_owned(),
                d["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

const CLEAN: &str = "firewall { family inet { filter f { term t { then accept; } } } }\n";

/// `levels` nested blocks of an unknown stanza, then a real filter.
fn nested(levels: usize) -> String {
    format!(
        "{}{}{CLEAN}",
        "apply-groups-x {\n".repeat(levels),
        "}\n".repeat(levels)
    )
}

// ---------------------------------------------------------------------------------------------------
// Bounds
// ---------------------------------------------------------------------------------------------------

#[test]
fn nesting_beyond_max_depth_is_a_blocking_finding_naming_the_bound() {
    let dir = scratch("depth");
    write(&dir, "deep.conf", &nested(20));
    write(&dir, "rulecheck.toml", "[limits]\nmax-depth = 16\n");
    let output = rulecheck(&dir, &["lint", "--format", "json", "deep.conf"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let found = findings(&output);
    assert!(
        found.iter().any(|(code, severity, message)| code == "RC001"
            && severity == "error"
            && message.contains("[limits] max-depth")),
        "{found:?}"
    );
    // Raised deliberately, the same file passes the parser's bound.
    write(&dir, "rulecheck.toml", "[limits]\nmax-depth = 32\n");
    let output = rulecheck(&dir, &["lint", "--format", "json", "deep.conf"]);
    let found = findings(&output);
    assert!(
        !found.iter().any(|(_, _, m)| m.contains("max-depth")),
        "{found:?}"
    );
}

#[test]
fn the_default_depth_bound_is_64() {
    let dir = scratch("depth-default");
    write(&dir, "ok.conf", &nested(60));
    write(&dir, "deep.conf", &nested(70));
    let ok = rulecheck(&dir, &["lint", "--format", "json", "ok.conf"]);
    assert!(!stdout(&ok).contains("max-depth"), "{}", stdout(&ok));
    let deep = rulecheck(&dir, &["lint", "--format", "json", "deep.conf"]);
    assert_eq!(deep.status.code(), Some(1));
    assert!(stdout(&deep).contains("nested deeper than 64 levels"));
}

#[test]
fn a_file_over_max_file_bytes_is_a_blocking_finding_and_the_others_are_checked() {
    let dir = scratch("file-size");
    write(&dir, "big.conf", &CLEAN.repeat(10));
    write(
        &dir,
        "small.conf",
        "firewall { family inet { filter g { term t { from { destination-port 70000; } then accept; } } } }\n",
    );
    write(&dir, "rulecheck.toml", "[limits]\nmax-file-bytes = 200\n");
    let output = rulecheck(
        &dir,
        &["lint", "--format", "json", "big.conf", "small.conf"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json(&output);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let big = diagnostics
        .iter()
        .find(|d| d["code"] == "RC090")
        .expect("an RC090 finding for big.conf");
    assert_eq!(big["file"], "big.conf");
    assert_eq!(big["severity"], "error");
    assert!(
        big["message"]
            .as_str()
            .unwrap()
            .contains("[limits] max-file-bytes"),
        "{big}"
    );
    assert!(
        diagnostics
            .iter()
            .any(|d| d["code"] == "RC104" && d["file"] == "small.conf"),
        "the other file is still checked: {report}"
    );
}

#[test]
fn a_word_over_the_token_bound_is_a_blocking_finding() {
    let dir = scratch("token");
    let word = "x".repeat(rulecheck_syntax::lexer::MAX_TOKEN_LEN + 1);
    write(&dir, "long.conf", &format!("description {word};\n{CLEAN}"));
    let output = rulecheck(&dir, &["lint", "--format", "json", "long.conf"]);
    assert_eq!(output.status.code(), Some(1));
    let found = findings(&output);
    assert!(
        found.iter().any(|(code, severity, message)| code == "RC001"
            && severity == "error"
            && message.contains(&rulecheck_syntax::lexer::MAX_TOKEN_LEN.to_string())),
        "{found:?}"
    );
}

#[test]
fn limits_are_validated_like_the_other_keys() {
    let dir = scratch("limits-invalid");
    write(&dir, "ok.conf", CLEAN);
    for (toml, expected) in [
        ("[limits]\nmax-depht = 80\n", "max-depht"),
        ("[limits]\nmax-depth = 2\n", "[limits] max-depth = 2"),
        (
            "[limits]\nmax-depth = 100000\n",
            "[limits] max-depth = 100000",
        ),
        (
            "[limits]\nmax-file-bytes = 0\n",
            "[limits] max-file-bytes = 0",
        ),
        (
            "[limits]\nanalysis-budget = 10\n",
            "[limits] analysis-budget = 10",
        ),
        ("[limits]\nanalysis-budget = \"big\"\n", "analysis-budget"),
    ] {
        write(&dir, "rulecheck.toml", toml);
        let output = rulecheck(&dir, &["lint", "ok.conf"]);
        assert_eq!(output.status.code(), Some(2), "{toml}: {}", stderr(&output));
        let err = stderr(&output);
        assert!(err.contains("rulecheck.toml"), "{toml}: {err}");
        assert!(err.contains(expected), "{toml}: {err}");
        assert!(stdout(&output).is_empty());
    }
    // An unknown key is named with its line.
    write(
        &dir,
        "rulecheck.toml",
        "[device]\nflow-routes = 10\n\n[limits]\nmax-terms = 5\n",
    );
    let err = stderr(&rulecheck(&dir, &["lint", "ok.conf"]));
    assert!(err.contains("max-terms") && err.contains('5'), "{err}");
    // Valid values are accepted.
    write(
        &dir,
        "rulecheck.toml",
        "[limits]\nmax-depth = 128\nmax-file-bytes = 1048576\nanalysis-budget = 8000000\n",
    );
    let output = rulecheck(&dir, &["lint", "ok.conf"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

// ---------------------------------------------------------------------------------------------------
// Unreadable input: exit 2, a message naming the path, nothing on standard output
// ---------------------------------------------------------------------------------------------------

fn assert_refused(output: &Output, path: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    assert!(
        stderr(output).contains(path),
        "the message names {path}: {}",
        stderr(output)
    );
    assert!(
        output.stdout.is_empty(),
        "nothing is written: {}",
        stdout(output)
    );
}

#[test]
fn a_missing_file_is_refused() {
    let dir = scratch("missing");
    for format in ["human", "json", "sarif", "github"] {
        let output = rulecheck(&dir, &["lint", "--format", format, "no-such.conf"]);
        assert_refused(&output, "no-such.conf");
    }
    assert_refused(&rulecheck(&dir, &["cost", "no-such.conf"]), "no-such.conf");
    write(&dir, "a.conf", CLEAN);
    assert_refused(
        &rulecheck(&dir, &["diff", "a.conf", "no-such.conf"]),
        "no-such.conf",
    );
}

#[test]
fn a_directory_without_rule_files_is_refused() {
    let dir = scratch("empty-dir");
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    write(&dir.join("rules"), "notes.txt", "not a rule file");
    assert_refused(
        &rulecheck(&dir, &["lint", "--format", "json", "rules"]),
        "rules",
    );
}

#[cfg(unix)]
#[test]
fn a_broken_symbolic_link_is_refused() {
    let dir = scratch("symlink");
    std::os::unix::fs::symlink(dir.join("gone.conf"), dir.join("link.conf")).unwrap();
    assert_refused(&rulecheck(&dir, &["lint", "link.conf"]), "link.conf");
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    write(&dir.join("rules"), "ok.conf", CLEAN);
    std::os::unix::fs::symlink(dir.join("gone.conf"), dir.join("rules/link.conf")).unwrap();
    assert_refused(&rulecheck(&dir, &["lint", "rules"]), "link.conf");
}

/// Permission errors. As root, mode 000 does not stop reading, so a directory where a file is expected
/// (a read error rather than an open error) stands in for that case, and the mode test runs only where
/// the mode is enforced.
#[cfg(unix)]
#[test]
fn an_unreadable_file_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("permissions");
    write(&dir, "secret.conf", CLEAN);
    let path = dir.join("secret.conf");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_err() {
        assert_refused(&rulecheck(&dir, &["lint", "secret.conf"]), "secret.conf");
    } else {
        eprintln!("skipped the mode-000 case: this user (root) can read any file");
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();

    std::fs::create_dir_all(dir.join("folder.conf/inner")).unwrap();
    let output = rulecheck(
        &dir,
        &["lint", "--merge", "secret.conf", "folder.conf/inner"],
    );
    assert_refused(&output, "folder.conf/inner");
}

#[test]
fn a_config_file_that_is_not_toml_is_refused() {
    let dir = scratch("bad-toml");
    write(&dir, "ok.conf", CLEAN);
    write(&dir, "rulecheck.toml", "this is { not toml\n");
    assert_refused(&rulecheck(&dir, &["lint", "ok.conf"]), "rulecheck.toml");
    write(&dir, "other.toml", "[device\n");
    assert_refused(
        &rulecheck(&dir, &["lint", "--config", "other.toml", "ok.conf"]),
        "other.toml",
    );
    std::fs::write(dir.join("binary.toml"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
    assert_refused(
        &rulecheck(&dir, &["lint", "--config", "binary.toml", "ok.conf"]),
        "binary.toml",
    );
    assert_refused(
        &rulecheck(&dir, &["lint", "--config", "missing.toml", "ok.conf"]),
        "missing.toml",
    );
}

// ---------------------------------------------------------------------------------------------------
// Determinism
// ---------------------------------------------------------------------------------------------------

/// rulecheck runs on one thread (no thread pool, no option for one); the determinism that matters is
/// the order of files and of directory entries.
#[test]
fn output_is_byte_identical_whatever_the_order_of_files() {
    let rules = fixtures_dir().join("rules");
    let mut names: Vec<String> = std::fs::read_dir(&rules)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("-fires.conf"))
        .collect();
    names.sort();
    // Two directories holding the same files, created in opposite orders (and so, on most file
    // systems, listed by readdir in different orders).
    let forward = scratch("order-forward");
    let backward = scratch("order-backward");
    for (dir, order) in [
        (&forward, names.clone()),
        (&backward, names.iter().rev().cloned().collect()),
    ] {
        std::fs::create_dir_all(dir.join("rules")).unwrap();
        for name in order {
            std::fs::copy(rules.join(&name), dir.join("rules").join(&name)).unwrap();
        }
    }
    let reversed: Vec<String> = names.iter().rev().map(|n| format!("rules/{n}")).collect();
    let sorted: Vec<String> = names.iter().map(|n| format!("rules/{n}")).collect();
    for format in ["json", "sarif", "human", "github"] {
        let run = |dir: &Path, paths: &[String]| {
            let mut args = vec!["lint", "--format", format];
            args.extend(paths.iter().map(String::as_str));
            let output = rulecheck(dir, &args);
            assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
            output.stdout
        };
        let reference = run(&forward, &["rules".to_owned()]);
        assert!(!reference.is_empty());
        assert_eq!(
            reference,
            run(&backward, &["rules".to_owned()]),
            "{format}: directory order"
        );
        assert_eq!(
            reference,
            run(&forward, &sorted),
            "{format}: files named in order"
        );
        assert_eq!(
            reference,
            run(&forward, &reversed),
            "{format}: files named in reverse"
        );
        assert_eq!(reference, run(&backward, &reversed), "{format}: both");
        assert_eq!(
            reference,
            run(&forward, &["rules".to_owned()]),
            "{format}: a second run"
        );
    }
}
