//! The semantic diff against the per-packet interpreter, on random pairs of small filters and flow-route
//! tables.
//!
//! Every witness of RC501/RC502 is accepted by the old rules and discarded by the new ones, and the reverse
//! for RC503; every packet the interpreter sees change from accept to discard (or back) lies in a reported
//! change, and every packet of a reported change did change. So the diff is sound and complete on the
//! sample, and a change the interpreter can find is never missed.

use proptest::prelude::*;
use rulecheck_eval::diff::{Outcome, diff};
use rulecheck_eval::interpret;
use rulecheck_eval::packet::{AddressFamily, Packet};
use rulecheck_eval::{Protect, Settings};
use rulecheck_syntax::Code;
use rulecheck_syntax::model::{
    Address, Config, Filter, FlowRoute, FlowTable, MatchField, TermOrder, Verdict,
};

mod strategies;
use strategies::{BASE, filter, packet, term};

fn small_filter() -> impl Strategy<Value = Filter> {
    filter(1usize..7)
}

fn settings() -> Settings {
    Settings {
        protect: vec![Protect {
            name: "dns".into(),
            destination: vec![Address::prefix(false, BASE, 29)],
            protocol: vec![(17, 17)],
            destination_port: vec![(53, 53)],
            ..Protect::default()
        }],
        ..Settings::default()
    }
}

fn filter_config(filter: Filter) -> Config {
    Config {
        filters: vec![filter],
        ..Config::default()
    }
}

/// Flow routes from terms: the same conditions, accept or discard, in standard order.
fn flow_config(filter: Filter) -> Config {
    let routes = filter
        .terms
        .into_iter()
        .filter(|t| t.conditions.iter().all(|c| c.field != MatchField::Address))
        .map(|t| FlowRoute {
            name: t.name,
            conditions: t.conditions,
            actions: t.actions,
        })
        .collect();
    Config {
        flow_tables: vec![FlowTable {
            instance: None,
            term_order: TermOrder::Legacy,
            routes,
        }],
        ..Config::default()
    }
}

fn verdict(config: &Config, packet: &Packet) -> Verdict {
    if let Some(filter) = config.filters.first() {
        interpret::run_filter(config, filter, packet).verdict
    } else if let Some(table) = config.flow_tables.first() {
        let routes = rulecheck_eval::flow_order::ordered(table);
        interpret::run_flow(config, &routes, packet).verdict
    } else {
        Verdict::Accept
    }
}

fn check_outcome(
    old: &Config,
    new: &Config,
    outcome: &Outcome,
    packets: &[Packet],
) -> Result<(), TestCaseError> {
    prop_assert!(
        outcome
            .diagnostics
            .iter()
            .all(|d| d.code != Code::AnalysisLimit),
        "the comparison of small rule lists hit its bound"
    );
    prop_assert_eq!(outcome.changes.len(), outcome.diagnostics.len());
    for change in &outcome.changes {
        let (was, now) = match change.code {
            Code::ChangeDiscards | Code::ChangeDiscardsProtected => {
                (Verdict::Accept, Verdict::Discard)
            }
            Code::ChangeAccepts => (Verdict::Discard, Verdict::Accept),
            other => return Err(TestCaseError::fail(format!("unexpected code {other}"))),
        };
        let w = change.witness.expect("a reported change has a witness");
        prop_assert!(
            change.space.contains(&w),
            "the witness {} is outside its change",
            w
        );
        prop_assert_eq!(verdict(old, &w), was, "witness {} before", w);
        prop_assert_eq!(verdict(new, &w), now, "witness {} after", w);
        if change.code == Code::ChangeDiscardsProtected {
            let protected = rulecheck_eval::rules::protected_flow_discarded::protected_space(
                &settings().protect[0],
                AddressFamily::Inet,
            );
            prop_assert!(
                protected.contains(&w),
                "RC501 witness {} is not protected",
                w
            );
        }
    }
    for p in packets {
        let (before, after) = (verdict(old, p), verdict(new, p));
        let reported = |code: Code| {
            outcome
                .changes
                .iter()
                .any(|c| c.code == code && c.space.contains(p))
        };
        match (before, after) {
            (Verdict::Accept, Verdict::Discard) => {
                prop_assert!(
                    reported(Code::ChangeDiscards),
                    "{} changed to discard, not reported",
                    p
                );
            }
            (Verdict::Discard, Verdict::Accept) => {
                prop_assert!(
                    reported(Code::ChangeAccepts),
                    "{} changed to accept, not reported",
                    p
                );
            }
            _ => {
                prop_assert!(
                    !reported(Code::ChangeDiscards) && !reported(Code::ChangeAccepts),
                    "{} did not change but is reported",
                    p
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn filter_changes_agree_with_the_interpreter(
        old in small_filter(),
        new in small_filter(),
        packets in prop::collection::vec(packet(), 1..60),
    ) {
        let (old, new) = (filter_config(old), filter_config(new));
        let outcome = diff(&old, &new, &settings());
        check_outcome(&old, &new, &outcome, &packets)?;
    }

    #[test]
    fn flow_route_changes_agree_with_the_interpreter(
        old in small_filter(),
        new in small_filter(),
        packets in prop::collection::vec(packet(), 1..60),
    ) {
        let (old, new) = (flow_config(old), flow_config(new));
        let outcome = diff(&old, &new, &settings());
        check_outcome(&old, &new, &outcome, &packets)?;
    }

    #[test]
    fn an_edit_of_one_term_is_found(
        old in small_filter(),
        extra in term(9),
        at in 0usize..8,
        packets in prop::collection::vec(packet(), 1..60),
    ) {
        // Random pairs mostly differ everywhere; inserting one term is the shape of a real change.
        let mut new = old.clone();
        let at = at.min(new.terms.len());
        new.terms.insert(at, extra);
        let (old, new) = (filter_config(old), filter_config(new));
        let outcome = diff(&old, &new, &settings());
        check_outcome(&old, &new, &outcome, &packets)?;
    }

    #[test]
    fn a_filter_compared_with_itself_has_no_change(filter in small_filter()) {
        let config = filter_config(filter);
        let outcome = diff(&config, &config, &settings());
        prop_assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
    }
}
