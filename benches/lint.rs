//! The stages after parsing, and the whole check, on generated configurations of 1,000 and 10,000 terms:
//! the walk of every filter and flow-route table (`analyse`), the hardware cost model (`cost`), and every
//! rule (`check`, which includes both). Throughput is in terms per second.
//!
//! `cargo bench -p rulecheck-eval --bench lint`. The inputs come from `generate.rs` and are parsed once,
//! before measuring.

// criterion_group! defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rulecheck_eval::{Settings, check_with_threads, cost, report};

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
