//! Arbitrary bytes through the parser and the model builder, as `rulecheck lint` reads a file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rulecheck_syntax::{Limits, SourceFile, SourceMap, source};

fuzz_target!(|data: &[u8]| {
    let (text, _) = source::decode(data.to_vec());
    let mut sources = SourceMap::new();
    let id = sources.add(SourceFile::new("fuzz.conf", text));
    let parsed = rulecheck_syntax::parse_unit(&sources, &[id], Limits::default());
    let len = sources.get(id).text.len() as u32;
    for d in &parsed.diagnostics {
        assert!(d.loc.span.start <= d.loc.span.end, "inverted span: {d:?}");
        assert!(d.loc.span.end <= len, "span beyond the file: {d:?}");
    }
});
