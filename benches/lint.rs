//! The stages after parsing, and the whole check, on generated configurations of 1,000 and 10,000 terms:
//! the walk of every filter and flow-route table (`analyse`), the hardware cost model (`cost`), and every
//! rule (`check`, which includes both), and the comparison of a revision that adds one term to one
//! filter with the one before (`diff`). Throughput is in terms per second.
//!
//! `cargo bench -p rulecheck-eval --bench lint`. The inputs come from `generate.rs` and are parsed once,
//! before measuring.

// criterion_group! defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rulecheck_eval::{Settings, check_with_threads, cost, diff, report};

#[allow(dead_code)]
#[path = "generate.rs"]
mod generate;

fn stages(c: &mut Criterion) {
    let mut group = c.benchmark_group("lint");
    group.sample_size(10);
    let settings = Settings::default();
    for terms in [1_000, 10_000] {
        let text = generate::filter_config(terms, 1);
        let (_, parsed) = rulecheck_syntax::parse_str("bench.conf", &text);
        let config = &parsed.config;
        group.throughput(Throughput::Elements(terms as u64));
        group.bench_with_input(BenchmarkId::new("analyse", terms), config, |b, config| {
            b.iter(|| report::analyse(config, settings.bounds.analysis_budget));
        });
        group.bench_with_input(BenchmarkId::new("cost", terms), config, |b, config| {
            b.iter(|| cost::cost(config));
        });
        // A new first term in one filter, as a typical push: the diff compiles and walks only that
        // filter, within what the new term matches.
        let header = "filter edge4-1 {\n";
        let at = text.find(header).expect("the generated filter edge4-1") + header.len();
        let changed = format!(
            "{}term drop-attack-target {{ from {{ destination-address 203.0.113.0/24; protocol udp; }} then discard; }}\n{}",
            &text[..at],
            &text[at..]
        );
        let (_, changed) = rulecheck_syntax::parse_str("bench-new.conf", &changed);
        group.bench_with_input(BenchmarkId::new("diff", terms), config, |b, config| {
            b.iter(|| diff::diff(config, &changed.config, &settings));
        });
        for threads in [1, 2] {
            let name = format!("check-{threads}-thread");
            group.bench_with_input(BenchmarkId::new(name, terms), config, |b, config| {
                b.iter(|| check_with_threads(config, &settings, threads));
            });
        }
    }
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
