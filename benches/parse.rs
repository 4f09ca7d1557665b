//! Parse throughput: text to configuration tree to rule model, for both input forms.
//!
//! `cargo bench -p rulecheck-syntax --bench parse`. The inputs come from `generate.rs` and are built once,
//! before measuring.

// criterion_group! defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

#[path = "generate.rs"]
mod generate;

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    // Large inputs take long per iteration: the fewest samples criterion allows.
    group.sample_size(10);
    for terms in [10_000, 100_000] {
        for (form, text) in [
            ("hierarchical", generate::filter_config(terms, 1)),
            ("set", generate::set_config(terms, 1)),
        ] {
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_with_input(BenchmarkId::new(form, terms), &text, |b, text| {
                b.iter(|| {
                    let (_, parsed) = rulecheck_syntax::parse_str("bench.conf", text);
                    assert!(parsed.config.filters.len() >= 3);
                    parsed
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
