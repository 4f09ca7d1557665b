//! RC010 on names used outside filter terms and interface filter bindings: policy statements'
//! prefix lists, interface policers.

use rulecheck_eval::{Settings, check};
use rulecheck_syntax::{Code, parse_str};

#[test]
fn undefined_prefix_lists_and_policers_used_elsewhere_are_reported_once() {
    let text = "
policy-options {
    prefix-list peers { 192.0.2.1/32; }
    policy-statement import {
        term known { from { prefix-list peers; } then accept; }
        term typo { from { prefix-list peer; } then accept; }
    }
}
firewall {
    policer slow { if-exceeding { bandwidth-limit 1m; burst-size-limit 10k; } then discard; }
    family inet {
        filter edge {
            term limited { from { protocol udp; } then { policer fast; accept; } }
            term rest { then accept; }
        }
    }
}
forwarding-options { family vpls { filter { input bridge-only; } } }
interfaces {
    xe-0/0/0 { unit 0 { family inet { policer { input slow; output missing; } filter { input edge; } } } }
}
";
    let (_, parsed) = parse_str("refs.conf", text);
    let found: Vec<String> = check(&parsed.config, &Settings::default())
        .into_iter()
        .filter(|d| d.code == Code::UndefinedReference)
        .map(|d| d.message)
        .collect();
    // `fast` is named in a term: reported once, as before. A vpls filter is not the model's to judge.
    assert_eq!(
        found,
        [
            "policer `fast` is not defined",
            "prefix list `peer` is not defined",
            "policer `missing` is not defined",
        ],
        "{found:?}"
    );
}
