//! Two configurations through `rulecheck diff`: the first two bytes (big-endian) say where the old
//! configuration ends and the new one starts in the rest of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rulecheck_cli::diff::{self, Snapshot, SnapshotFile};
use rulecheck_cli::settings::Loaded;
use rulecheck_syntax::SourceMap;

fn snapshot(bytes: &[u8]) -> Snapshot {
    Snapshot {
        files: vec![SnapshotFile {
            key: "rules.conf".into(),
            name: "rules.conf".into(),
            bytes: bytes.to_vec(),
        }],
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((head, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let split = usize::from(u16::from_be_bytes(*head)).min(rest.len());
    let (old, new) = rest.split_at(split);
    let mut sources = SourceMap::new();
    let compared = diff::compare(
        &snapshot(old),
        &snapshot(new),
        false,
        &Loaded::default(),
        &mut sources,
    );
    let mut out = Vec::new();
    diff::write_human(&mut out, &sources, &compared, false).unwrap();
});
