//! RC405 control-plane-lockout.

use rulecheck_syntax::model::{Direction, Family, Term};
use rulecheck_syntax::{Code, Diagnostic};

use crate::Context;
use crate::analysis;
use crate::compile::{PrefixLists, address_set};
use crate::packet::AddressFamily;
use crate::report::witness;
use crate::space::{Cube, Field, HeaderSpace, IntervalSet};

rule! {
    /// ## What it does
    /// Checks the input filters of the loopback interface `lo0`, which protect the routing engine. It
    /// reports when they discard every packet of one direction of a BGP session with a configured neighbor
    /// (to port 179, or from port 179), or every packet of a management service the configuration enables
    /// (`system services ssh`, `netconf`, `telnet`, `web-management`, `snmp`). The finding gives a packet of
    /// the session that is discarded.
    ///
    /// ## Why is this bad?
    /// The router drops its own BGP sessions — routes are withdrawn network-wide — or locks out the
    /// operators who would fix it, and recovering needs console access. This is how a filter change turns
    /// into an outage that outlives the change window.
    ///
    /// ## Example
    /// ```text
    /// interfaces { lo0 { unit 0 { family inet { filter { input protect-re; } } } } }
    /// protocols { bgp { group peers { neighbor 192.0.2.1; } } }
    /// firewall { filter protect-re {
    ///     term ssh { from { protocol tcp; destination-port 22; } then accept; }
    ///     # no term accepts BGP: sessions with 192.0.2.1 cannot establish
    /// } }
    /// ```
    pub struct ControlPlaneLockout => ControlPlaneLockout;
}

fn family_of(family: Family) -> Option<AddressFamily> {
    match family {
        Family::Inet => Some(AddressFamily::Inet),
        Family::Inet6 => Some(AddressFamily::Inet6),
        Family::Any => None,
    }
}

/// Reports sessions the loopback filters discard entirely.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let lists = PrefixLists::new(cx.config);
    for interface in cx.config.interfaces.iter().filter(|i| i.is_loopback()) {
        for family in [Family::Inet, Family::Inet6] {
            let Some(af) = family_of(family) else {
                continue;
            };
            let chain: Vec<_> = interface
                .units
                .iter()
                .flat_map(|u| u.filters.iter())
                .filter(|b| b.direction == Direction::Input && b.family == family)
                .collect();
            if chain.is_empty() {
                continue;
            }
            // An input list runs its filters in order; modeled as their terms in order (a filter's end does
            // not discard while another filter follows; Junos "Guidelines for Applying Filter Lists").
            let mut terms: Vec<&Term> = Vec::new();
            let mut first_filter = None;
            for binding in &chain {
                if let Some(filter) = cx
                    .config
                    .filters
                    .iter()
                    .find(|f| f.name.text == binding.filter.text)
                {
                    terms.extend(analysis::expand_terms(cx.config, filter));
                    first_filter.get_or_insert(binding.filter.clone());
                }
            }
            let Some(binding_name) = first_filter else {
                continue;
            };
            let budget = cx.settings.bounds.analysis_budget;
            let walk = analysis::walk(&terms, af, &lists, budget);
            let sessions = sessions(cx, af);
            // Too complex to decide: the check is not passed (an input list of several filters is walked
            // as one, so the RC090 of each filter alone need not cover it).
            let unanswered = |what: &str| {
                super::analysis_limit::unanswered(
                    binding_name.loc,
                    &format!(
                        "whether the lo0 input filter `{}` discards {what}",
                        binding_name.text
                    ),
                    walk.budget,
                )
            };
            if walk.stopped_at.is_some() {
                if !sessions.is_empty() {
                    out.push(unanswered("the device's own sessions"));
                }
                continue;
            }
            for session in sessions {
                if session.space.is_empty() {
                    continue;
                }
                let Ok(accepted) = analysis::accepted_within(&walk, &session.space) else {
                    out.push(unanswered(&session.what));
                    continue;
                };
                if !accepted.is_empty() {
                    continue;
                }
                let mut d = Diagnostic::new(
                    Code::ControlPlaneLockout,
                    binding_name.loc,
                    format!("the lo0 input filter `{}` discards every packet of {}", binding_name.text, session.what),
                )
                .with_related(session.loc, format!("{} configured here", session.kind))
                .with_help("accept this traffic in a term before any discard, from the addresses that need it");
                if let Some(w) = session.space.witness() {
                    d = d.with_witness(witness(&w));
                }
                out.push(d);
            }
        }
    }
}

struct Session {
    what: String,
    kind: &'static str,
    loc: rulecheck_syntax::Loc,
    space: HeaderSpace,
}

fn sessions(cx: &Context<'_>, family: AddressFamily) -> Vec<Session> {
    let v6 = family == AddressFamily::Inet6;
    let tcp = |cube: Cube| cube.with(Field::Protocol, IntervalSet::single(6));
    let mut out = Vec::new();
    for neighbor in cx
        .config
        .bgp_neighbors
        .iter()
        .filter(|n| n.address.v6 == v6 && n.instance.is_none())
    {
        let Some(peer) = address_set(neighbor.address) else {
            continue;
        };
        let mut base = tcp(Cube::full(family)).with(Field::SourceAddress, peer);
        // The lo0 filter sees every packet to the routing engine, whatever local address it targets; only a
        // configured `local-address` narrows the session.
        if let Some(local) = neighbor.local_address.and_then(address_set) {
            base = base.with(Field::DestinationAddress, local);
        }
        for (field, direction) in [
            (Field::DestinationPort, "to port 179"),
            (Field::SourcePort, "from port 179"),
        ] {
            out.push(Session {
                what: format!("the BGP session with {} ({direction})", neighbor.address),
                kind: "BGP neighbor",
                loc: neighbor.loc,
                space: HeaderSpace::from_cube(
                    family,
                    &base.clone().with(field, IntervalSet::single(179)),
                ),
            });
        }
    }
    for service in &cx.config.management {
        let cube = Cube::full(family)
            .with(
                Field::Protocol,
                IntervalSet::single(u128::from(service.protocol)),
            )
            .with(
                Field::DestinationPort,
                IntervalSet::single(u128::from(service.port)),
            );
        out.push(Session {
            what: format!("{} management access (port {})", service.name, service.port),
            kind: "management service",
            loc: service.loc,
            space: HeaderSpace::from_cube(family, &cube),
        });
    }
    out
}
