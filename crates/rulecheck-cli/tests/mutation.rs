//! The whole lint pipeline on mutated fixtures, in process: no panic, and a well-formed report.
//!
//! The fixtures are cut, duplicated, sprinkled with bytes, wrapped in deep nesting, given huge numbers and
//! invalid UTF-8; each result goes through read → parse → check → suppressions → severities → the JSON,
//! SARIF and human renderers. The JSON must parse and every finding must carry a code, a severity and a
//! place inside the file. The case count is fixed so the test stays fast (a few seconds).

use std::path::Path;

use proptest::prelude::*;
use rulecheck_cli::render;
use rulecheck_cli::run::{self, Read};
use rulecheck_cli::settings::Loaded;
use rulecheck_syntax::{Code, Diagnostic, Loc, SourceFile, SourceMap, Span, source};

fn fixtures() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut out = Vec::new();
    for dir in ["rules", "examples", "diff"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
            .expect("the fixture directories exist")
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "conf" || e == "set"))
            .collect();
        paths.sort();
        out.extend(paths.iter().map(|p| std::fs::read(p).unwrap()));
    }
    assert!(out.len() > 50, "the fixtures are found");
    out
}

#[derive(Clone, Debug)]
enum Mutation {
    Delete { at: usize, len: usize },
    Duplicate { at: usize, len: usize, to: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Nest { depth: usize },
    HugeNumber { at: usize, digits: usize },
    InvalidUtf8 { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = any::<usize>();
    prop_oneof![
        (at, 1..200usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (at, 1..400usize, any::<usize>()).prop_map(|(at, len, to)| Mutation::Duplicate {
            at,
            len,
            to
        }),
        (
            at,
            prop::collection::vec(
                prop_oneof![
                    Just(b'{'),
                    Just(b'}'),
                    Just(b';'),
                    Just(b'['),
                    Just(b']'),
                    Just(b'"'),
                    Just(b'\n'),
                    Just(b'#'),
                    any::<u8>()
                ],
                1..16
            )
        )
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (1..400usize).prop_map(|depth| Mutation::Nest { depth }),
        (at, 10..60usize).prop_map(|(at, digits)| Mutation::HugeNumber { at, digits }),
        at.prop_map(|at| Mutation::InvalidUtf8 { at }),
    ]
}

fn apply(text: &mut Vec<u8>, m: &Mutation) {
    let place = |at: usize, len: usize| if len == 0 { 0 } else { at % (len + 1) };
    match m {
        Mutation::Delete { at, len } => {
            let start = place(*at, text.len());
            let end = (start + len).min(text.len());
            text.drain(start..end);
        }
        Mutation::Duplicate { at, len, to } => {
            let start = place(*at, text.len());
            let end = (start + len).min(text.len());
            let copy = text[start..end].to_vec();
            let to = place(*to, text.len());
            text.splice(to..to, copy);
        }
        Mutation::Insert { at, bytes } => {
            let at = place(*at, text.len());
            text.splice(at..at, bytes.iter().copied());
        }
        Mutation::Nest { depth } => {
            let mut wrapped = b"system {\n".repeat(*depth);
            wrapped.append(text);
            wrapped.extend(b"}\n".repeat(*depth));
            *text = wrapped;
        }
        Mutation::HugeNumber { at, digits } => {
            // Into the first run of digits at or after `at`, as a value would be.
            let start = place(*at, text.len());
            let found = text[start..].iter().position(u8::is_ascii_digit);
            let at = found.map_or(start, |i| start + i);
            text.splice(at..at, std::iter::repeat_n(b'9', *digits));
        }
        Mutation::InvalidUtf8 { at } => {
            let at = place(*at, text.len());
            text.splice(at..at, [0xff, 0xc3]);
        }
    }
}

/// Runs the pipeline on `bytes` and checks the reports.
fn lint(bytes: Vec<u8>) {
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    let (text, invalid_at) = source::decode(bytes);
    let len = text.len();
    let id = sources.add(SourceFile::new("mutated.conf", text));
    if let Some(at) = invalid_at {
        diagnostics.push(Diagnostic::new(
            Code::SyntaxError,
            Loc::new(id, Span::new(at, at + 1)),
            "the file is not valid UTF-8 here: configuration is text",
        ));
    }
    let read = Read {
        sources,
        diagnostics,
        units: vec![vec![id]],
    };
    let checked = run::check(read, &Loaded::default());
    for d in &checked.diagnostics {
        assert!(
            d.loc.span.start <= d.loc.span.end && d.loc.span.end as usize <= len,
            "{d:?} lies outside the file of {len} bytes"
        );
    }

    let mut out = Vec::new();
    render::json::write(&mut out, &checked.sources, &checked.diagnostics).unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out).expect("the JSON report parses");
    assert_eq!(report["version"], 1);
    let found = report["diagnostics"]
        .as_array()
        .expect("a diagnostics array");
    assert_eq!(found.len(), checked.diagnostics.len());
    for d in found {
        let code = d["code"].as_str().expect("a code");
        assert!(Code::parse(code).is_some(), "{d}");
        assert!(
            matches!(d["severity"].as_str(), Some("error" | "warning" | "info")),
            "{d}"
        );
        assert_eq!(d["file"], "mutated.conf");
        for key in ["line", "column", "end_line", "end_column"] {
            assert!(d[key].as_u64().is_some_and(|n| n >= 1), "{key}: {d}");
        }
    }
    let summary = &report["summary"];
    let total: u64 = ["error", "warning", "info"]
        .iter()
        .map(|s| summary[*s].as_u64().expect("summary counts"))
        .sum();
    assert_eq!(total as usize, found.len());

    out.clear();
    render::sarif::write(&mut out, &checked.sources, &checked.diagnostics, None).unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out).expect("the SARIF log parses");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(found.len())
    );

    out.clear();
    let style = render::human::Style {
        color: false,
        width: 100,
    };
    render::human::write(&mut out, &checked.sources, &checked.diagnostics, style).unwrap();
    assert!(!out.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 96,
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_fixtures_give_a_well_formed_report(
        pick in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let all = fixtures();
        let mut text = all[pick.index(all.len())].clone();
        for m in &mutations {
            apply(&mut text, m);
        }
        lint(text);
    }
}

/// The unmutated fixtures go through the same checks.
#[test]
fn every_fixture_gives_a_well_formed_report() {
    for text in fixtures() {
        lint(text);
    }
}
