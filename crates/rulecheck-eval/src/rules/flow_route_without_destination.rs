//! RC404 flow-route-without-destination.

use rulecheck_syntax::{Code, Diagnostic};

use crate::Context;

rule! {
    /// ## What it does
    /// Reports a flow route with no `destination` prefix in its `match`.
    ///
    /// ## Why is this bad?
    /// RFC 8955 §6 validates a flow specification against the best-match unicast route for its destination
    /// prefix; without one, the route matches traffic to every destination, and a `discard` becomes a
    /// network-wide blackhole for whatever its other components match.
    ///
    /// ## Example
    /// ```text
    /// route block-ntp {
    ///     match { protocol udp; source-port 123; }    # every destination
    ///     then discard;
    /// }
    /// ```
    pub struct FlowRouteWithoutDestination => FlowRouteWithoutDestination;
}

/// Reports routes without a destination.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for flow in &cx.flows {
        for route in flow
            .table
            .routes
            .iter()
            .filter(|r| r.destination().is_none())
        {
            out.push(
                Diagnostic::new(Code::FlowRouteWithoutDestination, route.name.loc, format!("flow route `{}` has no destination prefix: it matches traffic to every destination", route.name.text))
                    .with_help("add `match { destination PREFIX; }` for the traffic under attack")
                    .in_route(&route.name.text),
            );
        }
    }
}
