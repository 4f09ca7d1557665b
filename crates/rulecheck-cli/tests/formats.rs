//! End-to-end tests of the CI output formats: `--format sarif` (validated with Microsoft's SARIF multitool)
//! and `--format github` (workflow commands).

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
        .output()
        .expect("the rulecheck binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("formats-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch directory can be made");
    dir
}

fn sarif(dir: &Path, paths: &[&str]) -> (Output, Value) {
    let mut args = vec!["lint", "--format", "sarif"];
    args.extend(paths);
    let output = rulecheck(dir, &args);
    let log: Value = serde_json::from_str(&stdout(&output)).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\n{}",
            stdout(&output),
            stderr(&output)
        )
    });
    (output, log)
}

fn results(log: &Value) -> &[Value] {
    log["runs"][0]["results"]
        .as_array()
        .expect("`results` is an array")
}

/// Files whose findings cover related locations, witnesses, every severity and a flow route.
const MIXED: &[&str] = &[
    "rules/RC301-fires.conf",
    "rules/RC401-fires.conf",
    "rules/RC406-fires.conf",
    "examples/dns-drop-2013.conf",
];

#[test]
fn sarif_has_the_shape_code_scanning_reads() {
    let (output, log) = sarif(&fixtures_dir(), MIXED);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().is_some_and(|s| s.contains("2.1.0")));
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "rulecheck");
    assert!(driver["version"].is_string() && driver["informationUri"].is_string());
    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted, "rule ids are not sorted and unique");
    for rule in rules {
        for key in ["name", "shortDescription", "fullDescription"] {
            assert!(!rule[key].is_null(), "rule lacks {key}: {rule}");
        }
        let help = rule["help"]["markdown"].as_str().expect("help.markdown");
        assert!(
            help.contains("## What it does") && help.contains("## Example"),
            "{rule}"
        );
        assert!(rule["help"]["text"].is_string(), "{rule}");
        let level = rule["defaultConfiguration"]["level"].as_str();
        assert!(
            matches!(level, Some("error" | "warning" | "note")),
            "{rule}"
        );
    }
    let results = results(&log);
    assert!(results.len() >= 4, "{log}");
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    for level in ["error", "warning", "note"] {
        assert!(levels.contains(&level), "no {level} among {levels:?}");
    }
    for result in results {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"], "{result}");
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(
            uri.starts_with("rules/") || uri.starts_with("examples/"),
            "the uri is not relative to the working directory: {uri}"
        );
        let region = &location["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[key].as_u64().is_some_and(|n| n >= 1), "{result}");
        }
        let fingerprint = result["partialFingerprints"]["rulecheck/v1"]
            .as_str()
            .expect("a fingerprint");
        assert!(fingerprint.len() > 16, "{fingerprint}");
    }
    let shadowed = results
        .iter()
        .find(|r| r["ruleId"] == "RC301")
        .expect("RC301");
    assert!(!shadowed["relatedLocations"].as_array().unwrap().is_empty());
    assert!(shadowed["properties"]["witness"]["protocol"].is_number());
    assert_eq!(shadowed["properties"]["filter"], "customer-in");
    let crash = results
        .iter()
        .find(|r| r["ruleId"] == "RC101")
        .expect("RC101");
    assert_eq!(crash["properties"]["route"], "173.X.X.X/32-DNS-DROP");
}

#[test]
fn sarif_results_snapshot() {
    let (_, log) = sarif(&fixtures_dir(), MIXED);
    let text = serde_json::to_string_pretty(results(&log)).expect("JSON");
    insta::assert_snapshot!("sarif_results", text);
}

#[test]
fn sarif_is_byte_identical_across_runs() {
    let run = || {
        rulecheck(
            &fixtures_dir(),
            &["lint", "--format", "sarif", "rules", "examples"],
        )
    };
    let (first, second) = (run(), run());
    assert!(!first.stdout.is_empty(), "{}", stderr(&first));
    assert!(first.stdout == second.stdout, "two runs differ");
}

/// A finding keeps its fingerprint when lines are added above it; its region moves.
#[test]
fn sarif_fingerprints_survive_line_shifts() {
    let dir = scratch("fingerprints");
    let text = std::fs::read_to_string(fixtures_dir().join("rules/RC301-fires.conf")).unwrap();
    std::fs::write(dir.join("edge.conf"), &text).unwrap();
    let (_, before) = sarif(&dir, &["edge.conf"]);
    std::fs::write(
        dir.join("edge.conf"),
        format!("/* reviewed */\n\n# three lines added\n{text}"),
    )
    .unwrap();
    let (_, after) = sarif(&dir, &["edge.conf"]);
    let summary = |log: &Value| -> Vec<(String, u64)> {
        results(log)
            .iter()
            .map(|r| {
                (
                    r["partialFingerprints"]["rulecheck/v1"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect()
    };
    let (before, after) = (summary(&before), summary(&after));
    assert!(!before.is_empty());
    assert_eq!(before.len(), after.len());
    for ((fp_before, line_before), (fp_after, line_after)) in before.iter().zip(&after) {
        assert_eq!(fp_before, fp_after);
        assert_eq!(line_before + 3, *line_after);
    }
}

/// Paths given as `./x`, or absolute under the working directory, are written relative to it.
#[test]
fn sarif_and_github_paths_are_relative_with_forward_slashes() {
    let dir = fixtures_dir();
    let absolute = dir.join("rules").join("RC406-fires.conf");
    for path in ["./rules/RC406-fires.conf", absolute.to_str().unwrap()] {
        let (_, log) = sarif(&dir, &[path]);
        let uri = &results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(uri["uri"], "rules/RC406-fires.conf", "{path}");
        assert_eq!(uri["uriBaseId"], "%SRCROOT%", "{path}");
        let github = stdout(&rulecheck(&dir, &["lint", "--format", "github", path]));
        assert!(
            github.contains("file=rules/RC406-fires.conf,"),
            "{path}: {github}"
        );
    }
}

#[test]
fn github_commands_snapshot() {
    let output = rulecheck(
        &fixtures_dir(),
        &[&["lint", "--format", "github"], MIXED].concat(),
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    insta::assert_snapshot!("github_commands", stdout(&output));
}

/// One finding is one line, whatever its message holds, and properties escape `,` and `:`.
#[test]
fn github_commands_escape_properties_and_data() {
    let dir = scratch("github-escape");
    let text = std::fs::read_to_string(fixtures_dir().join("rules/RC301-fires.conf")).unwrap();
    std::fs::write(dir.join("a,b:c%.conf"), text).unwrap();
    let output = rulecheck(&dir, &["lint", "--format", "github", "a,b:c%.conf"]);
    let out = stdout(&output);
    let commands: Vec<&str> = out.lines().filter(|l| l.starts_with("::")).collect();
    assert!(!commands.is_empty(), "{out}");
    for line in &commands {
        assert!(
            line.starts_with("::error file=a%2Cb%3Ac%25.conf,line="),
            "{line}"
        );
        assert!(line.contains(",title=RC301 shadowed-term::"), "{line}");
        // The related term and the example packet are on escaped lines of the same command.
        assert!(line.contains("%0Aexample packet: "), "{line}");
    }
    assert_eq!(
        out.lines().last(),
        Some("rulecheck: 1 error(s), 0 warning(s), 0 info")
    );
}

// --- Microsoft's SARIF multitool -------------------------------------------------------------------------

/// The multitool's executable: `RULECHECK_SARIF_MULTITOOL`, else where `.ci/run` installs it, else
/// `sarif-multitool` on the PATH.
fn multitool() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("RULECHECK_SARIF_MULTITOOL") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "RULECHECK_SARIF_MULTITOOL is {} but there is no such file",
            path.display()
        );
        return Some(path);
    }
    let platform = match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    };
    let installed = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../../.tools/node_modules/@microsoft/sarif-multitool-{platform}/Sarif.Multitool"
    ));
    if installed.is_file() {
        return Some(installed);
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("sarif-multitool"))
            .find(|p| p.is_file())
    });
    assert!(
        on_path.is_some() || std::env::var_os("CI").is_none(),
        "the SARIF multitool is not installed: CI must install it (.ci/run does: npm install \
         @microsoft/sarif-multitool, then sets RULECHECK_SARIF_MULTITOOL)"
    );
    on_path
}

/// What the multitool says about a file: its error and warning lines.
fn validate(tool: &Path, file: &Path) -> (Vec<String>, Vec<String>) {
    let output = Command::new(tool)
        .arg("validate")
        .arg(file)
        // The .NET runtime in the tool needs no ICU for validation; without this it refuses to start on a
        // machine without libicu.
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .expect("the SARIF multitool runs");
    let out = format!("{}{}", stdout(&output), stderr(&output));
    assert!(
        output.status.success() && out.contains("Analysis completed successfully"),
        "the multitool did not complete ({}):\n{out}",
        output.status
    );
    let lines = |kind: &str| {
        out.lines()
            .filter(|l| l.contains(&format!(": {kind} ")))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    (lines("error"), lines("warning"))
}

#[test]
fn sarif_passes_microsofts_multitool() {
    let Some(tool) = multitool() else {
        eprintln!(
            "skipped: the SARIF multitool is not installed (npm install @microsoft/sarif-multitool, \
             or set RULECHECK_SARIF_MULTITOOL); CI runs this test"
        );
        return;
    };
    let dir = scratch("multitool");
    // Every fixture, so that every rule that fires is in the log.
    let output = rulecheck(
        &fixtures_dir(),
        &["lint", "--format", "sarif", "rules", "examples"],
    );
    assert!(!output.stdout.is_empty(), "{}", stderr(&output));
    let log = dir.join("rulecheck.sarif");
    std::fs::write(&log, &output.stdout).unwrap();
    let (errors, warnings) = validate(&tool, &log);
    assert!(
        errors.is_empty(),
        "the multitool reports errors:\n{}",
        errors.join("\n")
    );
    assert!(
        warnings.is_empty(),
        "the multitool reports warnings:\n{}",
        warnings.join("\n")
    );

    // The check above can fail: a log missing required properties is reported as errors.
    let broken = dir.join("broken.sarif");
    std::fs::write(
        &broken,
        r#"{"version":"2.1.0","runs":[{"tool":{"driver":{}},"results":[{"level":"fatal"}]}]}"#,
    )
    .unwrap();
    let (errors, _) = validate(&tool, &broken);
    assert!(errors.len() >= 2, "a broken log passes: {errors:?}");
}
