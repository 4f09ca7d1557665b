//! `--format sarif`: SARIF 2.1.0 for code scanning.
//!
//! # Format
//!
//! One SARIF log with one run, built from typed structs and written as one JSON object. The SARIF 2.1.0
//! standard (OASIS) and GitHub's "SARIF support for code scanning" are the references; the output is
//! checked with Microsoft's SARIF multitool (`crates/rulecheck-cli/tests/sarif.rs`).
//!
//! ## Wire format
//!
//! - `runs[0].tool.driver`: `name`, `version`, `informationUri`, and `rules`: every documented rule in code
//!   order (and any other code a result uses), each with `id` (the code, stable), `name`, `shortDescription`
//!   (the first sentence of "What it does"), `fullDescription` ("What it does"), `help` (the whole
//!   documentation as text and as Markdown, as `rulecheck explain` prints it) and
//!   `defaultConfiguration.level`.
//! - `runs[0].columnKind` is `unicodeCodePoints`: columns count characters, as in every rulecheck output.
//! - `results`, in the canonical order of findings: `ruleId`, `ruleIndex`, `level` (`error`, `warning`,
//!   `note` for info), `message.text` (the message, then the help and the example packet on their own
//!   lines), `locations` (a path relative to the working directory with `/`, against `%SRCROOT%`; a file
//!   outside it gets a `file://` URI) with a 1-based `region`, `relatedLocations` for the secondary places,
//!   `partialFingerprints`, and `properties` holding `filter`, `term`, `route` and `witness` as in the JSON
//!   format.
//! - `partialFingerprints."rulecheck/v1"` hashes the code, the file, the filter, the term, the flow route
//!   and the message, not the line: a finding keeps its fingerprint when lines above it move. A `:N`
//!   suffix numbers findings that would otherwise share one.
//!
//! Nothing depends on the time or the machine: the same input gives the same bytes.
//!
//! ## Example
//!
//! ```json
//! { "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
//!   "runs": [ { "tool": { "driver": { "name": "rulecheck", "rules": [ { "id": "RC101", … } ] } },
//!               "columnKind": "unicodeCodePoints",
//!               "results": [ { "ruleId": "RC101", "ruleIndex": 7, "level": "error", … } ] } ] }
//! ```

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

use rulecheck_eval::rules::{self, RuleMeta};
use rulecheck_syntax::{Code, Diagnostic, Loc, Severity, SourceMap};
use serde::Serialize;

use super::json::JsonWitness;
use super::location::{Place, uri_path};

/// The base the relative paths are resolved against: the root of the checkout.
const SRCROOT: &str = "%SRCROOT%";

/// The key of the fingerprint; the version changes if the way it is computed ever does.
const FINGERPRINT: &str = "rulecheck/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [ResultLocation; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<ResultLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    properties: Properties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
struct Properties<'a> {
    filter: Option<&'a str>,
    term: Option<&'a str>,
    route: Option<&'a str>,
    witness: Option<JsonWitness<'a>>,
}

/// The SARIF level of a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule(code: Code, meta: Option<&RuleMeta>) -> Rule {
    let (summary, what, doc) = match meta {
        Some(meta) => (
            meta.summary(),
            meta.section("What it does")
                .unwrap_or_else(|| meta.summary())
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            meta.doc(),
        ),
        None => {
            let text = format!("{} {}", code, code.name());
            (text.clone(), text.clone(), text)
        }
    };
    let heading = format!(
        "{code} {} (default: {})",
        code.name(),
        code.default_severity()
    );
    Rule {
        id: code.as_str(),
        name: code.name(),
        short_description: Text { text: summary },
        full_description: Text { text: what },
        help: Help {
            text: format!("{heading}\n\n{doc}"),
            markdown: format!("# {heading}\n\n{doc}"),
        },
        default_configuration: Configuration {
            level: level(code.default_severity()),
        },
    }
}

fn location(
    sources: &SourceMap,
    loc: Loc,
    cwd: Option<&Path>,
    id: Option<usize>,
    message: Option<String>,
) -> ResultLocation {
    let place = Place::of(sources, loc, cwd);
    let (uri, uri_base_id) = if place.absolute {
        let path = uri_path(&place.path);
        let uri = if path.starts_with('/') {
            format!("file://{path}")
        } else {
            format!("file:///{path}")
        };
        (uri, None)
    } else {
        (uri_path(&place.path), Some(SRCROOT))
    };
    ResultLocation {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation { uri, uri_base_id },
            region: Region {
                start_line: place.line,
                start_column: place.column,
                end_line: place.end_line,
                end_column: place.end_column,
            },
        },
        message: message.map(|text| Text { text }),
    }
}

/// FNV-1a, 64 bits: a hash that is the same on every machine and in every version of Rust, which the
/// standard library's hashers do not promise.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.as_bytes().iter().chain(&[0]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// The message, the help and the example packet, one per line.
fn message_text(d: &Diagnostic) -> String {
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    if let Some(w) = &d.witness {
        text.push_str("\nexample packet: ");
        text.push_str(&w.summary);
    }
    text
}

/// Writes the SARIF log; relative paths are made relative to `cwd`.
pub fn write(
    out: &mut dyn Write,
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    cwd: Option<&Path>,
) -> std::io::Result<()> {
    let mut codes: Vec<Code> = rules::ALL.iter().map(|r| r.code).collect();
    codes.extend(diagnostics.iter().map(|d| d.code));
    codes.sort_unstable();
    codes.dedup();
    let index: HashMap<Code, usize> = codes.iter().enumerate().map(|(i, &c)| (c, i)).collect();
    let mut seen: HashMap<u64, usize> = HashMap::new();
    let results = diagnostics
        .iter()
        .map(|d| {
            let primary = location(sources, d.loc, cwd, None, None);
            let file = primary.physical_location.artifact_location.uri.clone();
            let hash = fnv1a(&[
                d.code.as_str(),
                &file,
                d.filter.as_deref().unwrap_or(""),
                d.term.as_deref().unwrap_or(""),
                d.route.as_deref().unwrap_or(""),
                &d.message,
            ]);
            let occurrence = seen.entry(hash).or_default();
            *occurrence += 1;
            SarifResult {
                rule_id: d.code.as_str(),
                rule_index: index[&d.code],
                level: level(d.severity),
                message: Text {
                    text: message_text(d),
                },
                locations: [primary],
                related_locations: d
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, r)| location(sources, r.loc, cwd, Some(i), Some(r.message.clone())))
                    .collect(),
                partial_fingerprints: BTreeMap::from([(
                    FINGERPRINT,
                    format!("{hash:016x}:{occurrence}"),
                )]),
                properties: Properties {
                    filter: d.filter.as_deref(),
                    term: d.term.as_deref(),
                    route: d.route.as_deref(),
                    witness: d.witness.as_ref().map(JsonWitness::from),
                },
            }
        })
        .collect();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "rulecheck",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules: codes
                        .iter()
                        .map(|&code| rule(code, rules::find(code)))
                        .collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::fnv1a;

    #[test]
    fn fingerprint_hash_is_fixed() {
        // FNV-1a of "a\0": the value must never change, or every alert on GitHub would be reopened.
        assert_eq!(fnv1a(&["a"]), 0x089b_e207_b544_f1e4);
        assert_ne!(fnv1a(&["ab", "c"]), fnv1a(&["a", "bc"]));
    }
}
