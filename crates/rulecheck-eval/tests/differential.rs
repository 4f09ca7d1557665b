//! The symbolic evaluator against the per-packet interpreter, on random filters and random packets.
//!
//! For every packet: the term whose decided set contains it is the term the interpreter says decides it,
//! with the same verdict; a packet no term decides falls to the default in both. Witnesses of shadowed
//! terms, of decided sets and of the implicit discard are decided as claimed.

use proptest::prelude::*;
use rulecheck_eval::analysis::{self, Walk};
use rulecheck_eval::compile::PrefixLists;
use rulecheck_eval::interpret::{self, Decision};
use rulecheck_eval::packet::AddressFamily;
use rulecheck_eval::rules::shadowed_term::covered;
use rulecheck_eval::space::{Budget, HeaderSpace};
use rulecheck_syntax::Loc;
use rulecheck_syntax::model::{
    Action, ActionKind, Condition, Config, Family, Filter, MatchField, Term, Verdict,
};

mod strategies;
use strategies::{filter, name, packet, ranges};

/// Short filters find corner cases fast; long ones exercise the index and the divided subtraction.
fn any_length_filter() -> impl Strategy<Value = Filter> {
    filter(prop_oneof![3 => 1usize..7, 1 => 10usize..40])
}

fn walk_of(config: &Config) -> (Vec<&Term>, Walk) {
    let filter = &config.filters[0];
    let terms = analysis::expand_terms(config, filter);
    let walk = analysis::walk(
        &terms,
        AddressFamily::Inet,
        &PrefixLists::new(config),
        analysis::CUBE_BUDGET,
    );
    (terms, walk)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn symbolic_verdicts_agree_with_the_interpreter(filter in any_length_filter(), packets in prop::collection::vec(packet(), 1..40)) {
        let config = Config { filters: vec![filter], ..Config::default() };
        let (_, walk) = walk_of(&config);
        prop_assert!(walk.stopped_at.is_none());
        let accepted = analysis::accepted(&walk).unwrap();
        let decided: Vec<HeaderSpace> = (0..walk.terms.len()).map(|i| walk.decided(i).unwrap()).collect();
        let remaining = walk.remaining().unwrap();
        for p in &packets {
            let trace = interpret::run_filter(&config, &config.filters[0], p);
            let deciding = (0..walk.terms.len()).position(|i| walk.terms[i].verdict != Verdict::NextTerm && decided[i].contains(p));
            match deciding {
                Some(i) => {
                    prop_assert_eq!(trace.decided_by, Decision::Term(i), "packet {} ", p);
                    prop_assert_eq!(trace.verdict, walk.terms[i].verdict);
                }
                None => {
                    prop_assert_eq!(trace.decided_by, Decision::Default, "packet {}", p);
                    prop_assert!(remaining.contains(p));
                }
            }
            prop_assert_eq!(accepted.contains(p), trace.verdict == Verdict::Accept, "packet {}", p);
        }
    }

    #[test]
    fn witnesses_are_decided_as_claimed(filter in any_length_filter()) {
        let config = Config { filters: vec![filter], ..Config::default() };
        let (_, walk) = walk_of(&config);
        for (i, term) in walk.terms.iter().enumerate() {
            let decided = walk.decided(i).unwrap();
            // The walk's example is a member of the set, and there is one exactly when the set is not empty.
            prop_assert_eq!(term.example.is_some(), !decided.is_empty());
            for w in decided.witness().iter().chain(&term.example) {
                prop_assert!(w.is_valid());
                prop_assert!(decided.contains(w));
                if term.verdict != Verdict::NextTerm {
                    let trace = interpret::run_filter(&config, &config.filters[0], w);
                    prop_assert_eq!(trace.decided_by, Decision::Term(i));
                }
            }
        }
        let remaining = walk.remaining().unwrap();
        prop_assert_eq!(walk.remaining_example.is_some(), !remaining.is_empty());
        for w in remaining.witness().iter().chain(&walk.remaining_example) {
            prop_assert_eq!(interpret::run_filter(&config, &config.filters[0], w).decided_by, Decision::Default);
        }
        for c in covered(std::slice::from_ref(&walk)) {
            // A shadowed or redundant term never decides; its witness is decided by a listed blocker.
            if let Some(w) = &c.witness {
                let trace = interpret::run_filter(&config, &config.filters[0], w);
                let Decision::Term(by) = trace.decided_by else { return Err(TestCaseError::fail("witness not decided by a term")) };
                prop_assert!(c.blockers.contains(&by), "decided by {} not in {:?}", by, c.blockers);
                prop_assert!(by < c.index);
            }
        }
    }

    #[test]
    fn deciders_are_the_terms_whose_decided_sets_meet_the_space(filter in any_length_filter(), stop in 1usize..4) {
        let config = Config { filters: vec![filter], ..Config::default() };
        let (_, walk) = walk_of(&config);
        let decided: Vec<HeaderSpace> = (0..walk.terms.len()).map(|i| walk.decided(i).unwrap()).collect();
        for (i, term) in walk.terms.iter().enumerate() {
            let space = &term.compiled.space;
            let found = walk.deciders(space, i).unwrap();
            let expected: Vec<(usize, _)> = (0..i)
                .filter(|&j| walk.terms[j].verdict != Verdict::NextTerm && !walk.terms[j].compiled.uncertain)
                .filter_map(|j| decided[j].intersect(space).witness().map(|w| (j, w)))
                .collect();
            // The same terms, in order, each with the smallest packet of the space it decides.
            prop_assert_eq!(&found, &expected, "term {}", i);
            for (j, w) in &found {
                let trace = interpret::run_filter(&config, &config.filters[0], w);
                prop_assert_eq!(trace.decided_by, Decision::Term(*j));
            }
            // Stopped after `stop` of them: the first `stop` deciders.
            let mut told = 0;
            let (some, all) = walk.deciders_until(space, i, |_| { told += 1; told >= stop }).unwrap();
            prop_assert_eq!(all, found.len() < stop, "term {}", i);
            prop_assert_eq!(&some[..], &found[..found.len().min(stop)], "term {}", i);
        }
    }

    #[test]
    fn a_walk_shared_among_threads_spends_its_budget_as_one_in_order(filter in any_length_filter(), base in 0u64..600) {
        // A small budget runs out in some walks: where it does must not depend on the threads.
        let config = Config { filters: vec![filter], ..Config::default() };
        let terms = analysis::expand_terms(&config, &config.filters[0]);
        let lists = PrefixLists::new(&config);
        let shared = analysis::walk_with_threads(&terms, AddressFamily::Inet, &lists, base, 3);
        // The rules one after the other against one budget, as the walk is specified.
        let mut budget = Budget::new(analysis::budget_for(base, terms.len()));
        let mut stopped_at = None;
        for (i, term) in shared.terms.iter().enumerate() {
            match shared.example_after(&term.compiled.space, i, false, &mut budget) {
                Ok(example) => prop_assert_eq!(&term.example, &example, "term {}", i),
                Err(_) => {
                    stopped_at = Some(i);
                    break;
                }
            }
        }
        if stopped_at.is_some() {
            prop_assert_eq!(shared.stopped_at, stopped_at);
        } else {
            // Then only the final questions (what no term decides) may have run out.
            prop_assert!(shared.stopped_at.is_none() || shared.stopped_at == terms.len().checked_sub(1));
        }
        let one = analysis::walk(&terms, AddressFamily::Inet, &lists, base);
        prop_assert_eq!(one.stopped_at, shared.stopped_at);
        prop_assert_eq!(one.remaining_example, shared.remaining_example);
        prop_assert_eq!(one.remaining_must_example, shared.remaining_must_example);
    }

    #[test]
    fn walks_shared_out_together_are_the_walks_taken_alone(
        filters in prop::collection::vec(any_length_filter(), 1..4),
        base in 0u64..600,
    ) {
        // Several rule lists (each in both families), their rules shared out among threads together,
        // each with its own budget: as if each were walked alone.
        let config = Config { filters, ..Config::default() };
        let lists = PrefixLists::new(&config);
        let terms: Vec<_> = config.filters.iter().map(|f| analysis::expand_terms(&config, f)).collect();
        let jobs: Vec<(&[_], AddressFamily)> = terms
            .iter()
            .flat_map(|t| [(t.as_slice(), AddressFamily::Inet), (t.as_slice(), AddressFamily::Inet6)])
            .collect();
        let together = analysis::walk_all(&jobs, &lists, base, 3);
        prop_assert_eq!(together.len(), jobs.len());
        for (walk, &(rules, family)) in together.iter().zip(&jobs) {
            let alone = analysis::walk(rules, family, &lists, base);
            prop_assert_eq!(walk.family, family);
            prop_assert_eq!(walk.stopped_at, alone.stopped_at);
            prop_assert_eq!(&walk.remaining_example, &alone.remaining_example);
            prop_assert_eq!(&walk.remaining_must_example, &alone.remaining_must_example);
            let examples = |w: &analysis::Walk| w.terms.iter().map(|t| t.example).collect::<Vec<_>>();
            prop_assert_eq!(examples(walk), examples(&alone));
        }
    }

    #[test]
    fn a_covered_term_never_decides(filter in any_length_filter(), packets in prop::collection::vec(packet(), 1..60)) {
        let config = Config { filters: vec![filter], ..Config::default() };
        let (_, walk) = walk_of(&config);
        let covered: Vec<usize> = covered(std::slice::from_ref(&walk)).iter().map(|c| c.index).collect();
        for p in &packets {
            if let Decision::Term(i) = interpret::run_filter(&config, &config.filters[0], p).decided_by {
                prop_assert!(!covered.contains(&i));
            }
        }
    }
}

#[test]
fn union_shadowing_is_found() {
    // Neither earlier term covers `block-ssh` alone; together they do.
    let port = |lo, hi| Condition {
        field: MatchField::DestinationPort,
        except: false,
        loc: Loc::default(),
        values: ranges(vec![(lo, hi)]),
    };
    let t = |n: &str, c: Vec<Condition>, a: ActionKind| Term {
        name: name(n),
        conditions: c,
        actions: vec![Action {
            kind: a,
            loc: Loc::default(),
        }],
        filter: None,
    };
    let filter = Filter {
        name: name("f"),
        family: Family::Inet,
        terms: vec![
            t("low", vec![port(0, 1023)], ActionKind::Accept),
            t("high", vec![port(1024, 65535)], ActionKind::Accept),
            t("block-ssh", vec![port(20, 30)], ActionKind::Discard),
        ],
    };
    let config = Config {
        filters: vec![filter],
        ..Config::default()
    };
    let (_, walk) = walk_of(&config);
    let found = covered(std::slice::from_ref(&walk));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].index, 2);
    assert!(found[0].shadowed);
    assert_eq!(found[0].blockers, vec![0]);
}
