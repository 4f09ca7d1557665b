//! Inline suppression end to end: `/* rulecheck: allow CODE reason: … */` before a term, flow route or
//! filter, `#` comments, comments before `set` commands and Junos `annotate` commands; RC030 for a
//! suppression that cannot take effect and RC031 for one that allows nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// A filter whose term `accept-web` has an RC304 finding (it overlaps `block-scanner`). `{A}` marks the
/// place before `accept-web`, `{B}` before `block-scanner`, `{F}` before the filter, `{M}` inside the
/// term, before `from`.
const FILTER: &str = "firewall {
    family inet {
        {F}
        filter customer-in {
            {B}
            term block-scanner {
                {M}
                from { source-address 198.51.100.0/24; }
                then discard;
            }
            {A}
            term accept-web {
                from { protocol tcp; destination-port 443; }
                then accept;
            }
            term deny-rest {
                then discard;
            }
        }
    }
}
";

fn filter_with(place: &str, directive: &str) -> String {
    let mut text = FILTER.replace(place, directive);
    for other in ["{A}", "{B}", "{F}", "{M}"] {
        text = text.replace(other, "");
    }
    text
}

/// The 2013 flow route and a sound one, `{R}` before the 2013 route, `{S}` before the other.
const FLOW: &str = "routing-options {
    flow {
        {R}
        route 173.X.X.X/32-DNS-DROP {
            match {
                destination 173.245.48.1/32;
                port 53;
                packet-length [ 99971 99985 ];
            }
            then discard;
        }
        {S}
        route ntp-amplification {
            match {
                destination 203.0.113.0/24;
                protocol udp;
                source-port 123;
                packet-length 9000;
            }
            then discard;
        }
    }
}
";

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("suppress-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch directory can be made");
    dir
}

/// Lints `text` as the file `name` (with `toml` as the config file, if any): the exit code and the codes
/// reported, in order, with the line of each.
fn lint(name: &str, text: &str, toml: Option<&str>, extra: &[&str]) -> (i32, Vec<(String, u64)>) {
    let dir = scratch(&name.replace('.', "-"));
    std::fs::write(dir.join(name), text).unwrap();
    let mut args = vec!["lint", "--format", "json"];
    if let Some(toml) = toml {
        std::fs::write(dir.join("rulecheck.toml"), toml).unwrap();
        args.extend(["--config", "rulecheck.toml"]);
    }
    args.extend(extra);
    args.push(name);
    let output = Command::new(env!("CARGO_BIN_EXE_rulecheck"))
        .args(&args)
        .current_dir(&dir)
        .output()
        .expect("the rulecheck binary runs");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let found = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    (output.status.code().unwrap(), found)
}

fn codes(found: &[(String, u64)]) -> Vec<&str> {
    found.iter().map(|(c, _)| c.as_str()).collect()
}

#[test]
fn without_a_suppression_the_term_has_its_finding() {
    let (_, found) = lint("plain.conf", &filter_with("{A}", ""), None, &[]);
    assert_eq!(codes(&found), ["RC304"]);
}

#[test]
fn a_comment_before_the_term_allows_its_code() {
    for directive in [
        "/* rulecheck: allow RC304 reason: the scanner block is meant to win */",
        "# rulecheck: allow correlated-terms reason: the scanner block is meant to win",
        "/* rulecheck: allow RC302, RC304\n   reason: reviewed in change 1234 */\n\n/* another comment */",
    ] {
        let (code, found) = lint("allowed.conf", &filter_with("{A}", directive), None, &[]);
        let expected: &[&str] = if directive.contains("RC302") {
            &["RC031"] // RC302 allows nothing in this term
        } else {
            &[]
        };
        assert_eq!(codes(&found), expected, "{directive}");
        assert_eq!(code, 0);
    }
}

#[test]
fn a_suppression_without_a_reason_is_an_error_and_allows_nothing() {
    for directive in [
        "/* rulecheck: allow RC304 */",
        "/* rulecheck: allow RC304 reason: */",
        "/* rulecheck: allow RC999 reason: no such code */",
        "/* rulecheck: allow RC001 reason: syntax errors cannot be allowed */",
        "/* rulecheck: RC304 reason: the verb is missing */",
    ] {
        let (code, found) = lint("invalid.conf", &filter_with("{A}", directive), None, &[]);
        assert_eq!(codes(&found), ["RC030", "RC304"], "{directive}");
        assert_eq!(code, 1, "RC030 is an error: {directive}");
    }
}

#[test]
fn a_suppression_that_allows_nothing_is_a_warning() {
    let directive = "/* rulecheck: allow RC304 reason: placed before the wrong term */";
    let text = filter_with("{B}", directive);
    let (code, found) = lint("unused.conf", &text, None, &[]);
    assert_eq!(codes(&found), ["RC031", "RC304"]);
    assert_eq!(found[0].1, 5, "RC031 points at the suppression");
    assert_eq!(code, 0);
    let (code, _) = lint("unused.conf", &text, None, &["--fail-on", "warning"]);
    assert_eq!(code, 1);
    // RC031 has a severity like any code.
    let off = "[rules]\nRC031 = \"off\"\n";
    let (_, found) = lint("unused.conf", &text, Some(off), &[]);
    assert_eq!(codes(&found), ["RC304"]);
}

#[test]
fn a_suppression_for_a_code_turned_off_is_still_used() {
    let directive = "/* rulecheck: allow RC304 reason: reviewed */";
    let off = "[rules]\nRC304 = \"off\"\n";
    let (_, found) = lint("off.conf", &filter_with("{A}", directive), Some(off), &[]);
    assert_eq!(codes(&found), Vec::<&str>::new());
}

#[test]
fn a_suppression_before_a_filter_covers_its_terms() {
    let directive = "/* rulecheck: allow RC304 reason: the whole filter was reviewed */";
    let (_, found) = lint("filter.conf", &filter_with("{F}", directive), None, &[]);
    assert_eq!(codes(&found), Vec::<&str>::new());
}

#[test]
fn a_suppression_inside_a_term_is_an_error() {
    let directive = "/* rulecheck: allow RC304 reason: before `from`, not before a term */";
    let (code, found) = lint("inside.conf", &filter_with("{M}", directive), None, &[]);
    assert_eq!(codes(&found), ["RC030", "RC304"]);
    assert_eq!(code, 1);
}

#[test]
fn a_suppression_before_a_flow_route_covers_that_route_only() {
    let text = FLOW
        .replace(
            "{R}",
            "/* rulecheck: allow RC101, RC102 reason: lab routers, never deployed */",
        )
        .replace("{S}", "");
    let toml = "[device]\nmax-packet-length = 4470\n";
    let (_, found) = lint("flow.conf", &text, Some(toml), &[]);
    // RC101 of the 2013 route is allowed; RC102 allows nothing there; the other route keeps its RC102.
    assert_eq!(codes(&found), ["RC031", "RC102"], "{found:?}");
    assert_eq!(found[0].1, 3);
    assert!(found[1].1 > 12, "{found:?}");
}

#[test]
fn in_the_set_form_a_comment_before_a_command_covers_its_term() {
    let text = "set firewall family inet filter customer-in term block-scanner from source-address 198.51.100.0/24
set firewall family inet filter customer-in term block-scanner then discard
set firewall family inet filter customer-in term accept-web from protocol tcp
set firewall family inet filter customer-in term accept-web from destination-port 443
# rulecheck: allow RC304 reason: the scanner block is meant to win
set firewall family inet filter customer-in term accept-web then accept
set firewall family inet filter customer-in term deny-rest then discard
";
    let (_, found) = lint("comment.set", text, None, &[]);
    assert_eq!(codes(&found), Vec::<&str>::new());
    let (_, found) = lint(
        "comment.set",
        &text.replace("# rulecheck", "# (was) rulecheck"),
        None,
        &[],
    );
    assert_eq!(codes(&found), ["RC304"]);
}

#[test]
fn in_the_set_form_annotate_names_the_term() {
    let base = "set firewall family inet filter customer-in term block-scanner from source-address 198.51.100.0/24
set firewall family inet filter customer-in term block-scanner then discard
set firewall family inet filter customer-in term accept-web from protocol tcp
set firewall family inet filter customer-in term accept-web from destination-port 443
set firewall family inet filter customer-in term accept-web then accept
set firewall family inet filter customer-in term deny-rest then discard
annotate firewall family inet filter customer-in term accept-web \"an ordinary annotation\"
";
    let (_, found) = lint("annotate.set", base, None, &[]);
    assert_eq!(codes(&found), ["RC304"]);
    let allowed = format!(
        "{base}annotate firewall family inet filter customer-in term accept-web \"rulecheck: allow RC304 reason: the scanner block is meant to win\"\n"
    );
    let (_, found) = lint("annotate.set", &allowed, None, &[]);
    assert_eq!(codes(&found), Vec::<&str>::new());
    let missing = format!(
        "{base}annotate firewall family inet filter customer-in term no-such-term \"rulecheck: allow RC304 reason: x\"\n"
    );
    let (code, found) = lint("annotate.set", &missing, None, &[]);
    assert_eq!(codes(&found), ["RC304", "RC030"]);
    assert_eq!(code, 1);
}

#[test]
fn a_suppression_of_an_inactive_term_is_ignored() {
    let text = filter_with(
        "{A}",
        "/* rulecheck: allow RC304 reason: the term is not deployed */",
    )
    .replace("term accept-web {", "inactive: term accept-web {");
    let (_, found) = lint("inactive.conf", &text, None, &[]);
    // The deployed filter has no term with an RC304 finding.
    assert_eq!(codes(&found), Vec::<&str>::new());
}
