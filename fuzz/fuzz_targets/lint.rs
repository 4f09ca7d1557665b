//! Arbitrary bytes through the whole lint pipeline with default settings: read, parse, check, apply
//! suppressions and severities, then render JSON (which must parse back, one object, every finding
//! with a code, a severity and a place) and the human report.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rulecheck_cli::run::{self, Read};
use rulecheck_cli::settings::Loaded;
use rulecheck_cli::render;
use rulecheck_syntax::{Code, Diagnostic, Loc, SourceFile, SourceMap, Span, source};

fuzz_target!(|data: &[u8]| {
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    let (text, invalid_at) = source::decode(data.to_vec());
    let id = sources.add(SourceFile::new("fuzz.conf", text));
    if let Some(at) = invalid_at {
        diagnostics.push(Diagnostic::new(
            Code::SyntaxError,
            Loc::new(id, Span::new(at, at + 1)),
            "not UTF-8",
        ));
    }
    let read = Read {
        sources,
        diagnostics,
        units: vec![vec![id]],
    };
    let checked = run::check(read, &Loaded::default());

    let mut json = Vec::new();
    render::json::write(&mut json, &checked.sources, &checked.diagnostics).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&json).expect("the JSON report parses");
    let found = value["diagnostics"].as_array().expect("a diagnostics array");
    assert_eq!(found.len(), checked.diagnostics.len());
    for d in found {
        assert!(d["code"].is_string() && d["severity"].is_string(), "{d}");
        assert!(d["line"].as_u64().is_some_and(|l| l >= 1), "{d}");
        assert!(d["column"].as_u64().is_some_and(|c| c >= 1), "{d}");
    }

    let mut human = Vec::new();
    render::human::write(
        &mut human,
        &checked.sources,
        &checked.diagnostics,
        render::human::Style {
            color: false,
            width: 100,
        },
    )
    .unwrap();
});
