//! The documentation in the binary: `rulecheck rules`, `rulecheck explain`, shell completions and the
//! manual page, all generated from the same definitions the tool runs on.

use std::path::Path;
use std::process::{Command, Output};

use rulecheck_syntax::Code;

fn rulecheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rulecheck"))
        .args(args)
        .output()
        .expect("the rulecheck binary runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

const SUBCOMMANDS: &[&str] = &["lint", "trace", "rules", "explain", "completions", "man"];

#[test]
fn rules_lists_every_code_with_name_and_default_severity() {
    let out = stdout(&rulecheck(&["rules"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), Code::ALL.len(), "{out}");
    for (&code, line) in Code::ALL.iter().zip(&lines) {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            words[..3],
            [code.as_str(), code.name(), code.default_severity().as_str()],
            "{line}"
        );
        let documented = rulecheck_eval::rules::find(code).is_some();
        assert_eq!(!documented, line.ends_with("(not checked yet)"), "{line}");
    }
}

#[test]
fn explain_prints_name_severity_and_the_three_sections() {
    for &code in Code::ALL {
        for key in [code.as_str().to_owned(), code.name().to_owned()] {
            let out = stdout(&rulecheck(&["explain", &key]));
            let heading = format!(
                "{code} {} (default: {})",
                code.name(),
                code.default_severity()
            );
            assert!(out.starts_with(&heading), "{key}: {out}");
            if rulecheck_eval::rules::find(code).is_some() {
                for section in ["## What it does", "## Why is this bad?", "## Example"] {
                    assert!(out.contains(section), "{key} lacks {section}: {out}");
                }
            } else {
                assert!(out.contains("does not check it yet"), "{key}: {out}");
            }
        }
    }
    let unknown = rulecheck(&["explain", "RC999"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn completions_cover_every_subcommand_in_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout(&rulecheck(&["completions", shell]));
        for word in SUBCOMMANDS.iter().chain(&["format"]) {
            assert!(script.contains(word), "{shell}: no `{word}` in\n{script}");
        }
        // Elvish and PowerShell scripts complete option names, not their values.
        if matches!(shell, "bash" | "zsh" | "fish") {
            for value in ["sarif", "github"] {
                assert!(script.contains(value), "{shell}: no `{value}` in\n{script}");
            }
        }
    }
    assert_eq!(rulecheck(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn manual_page_is_roff_naming_every_subcommand() {
    let page = stdout(&rulecheck(&["man"]));
    assert!(page.contains(".TH rulecheck 1"), "{page}");
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH SUBCOMMANDS",
        ".SH \"EXIT STATUS\"",
    ] {
        assert!(page.contains(section), "no {section} in\n{page}");
    }
    for sub in SUBCOMMANDS {
        assert!(
            page.contains(&format!("rulecheck\\-{sub}(1)")),
            "{sub} is missing:\n{page}"
        );
    }
}

#[test]
fn manual_pages_for_every_subcommand_go_into_a_directory() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("docs-man");
    let _ = std::fs::remove_dir_all(&dir);
    stdout(&rulecheck(&["man", "--dir", dir.to_str().unwrap()]));
    let main = std::fs::read_to_string(dir.join("rulecheck.1")).expect("rulecheck.1");
    assert!(main.contains(".SH \"EXIT STATUS\""), "{main}");
    for sub in SUBCOMMANDS {
        let page = std::fs::read_to_string(dir.join(format!("rulecheck-{sub}.1")))
            .unwrap_or_else(|e| panic!("rulecheck-{sub}.1: {e}"));
        assert!(
            page.contains(&format!(".TH rulecheck-{sub} 1")),
            "{sub}: {page}"
        );
    }
    let lint = std::fs::read_to_string(dir.join("rulecheck-lint.1")).unwrap();
    assert!(
        lint.contains("sarif") && lint.contains("\\-\\-fail\\-on"),
        "{lint}"
    );
}
