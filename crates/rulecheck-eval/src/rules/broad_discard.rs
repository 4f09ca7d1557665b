//! RC403 broad-discard.

use rulecheck_syntax::model::{ActionKind, Verdict};
use rulecheck_syntax::{Code, Diagnostic};

use crate::Context;

rule! {
    /// ## What it does
    /// Reports a flow route that discards or rate-limits traffic to a destination prefix shorter than
    /// `[device] broad-discard-prefix` (default /16 for IPv4, `broad-discard-prefix-v6` /48 for IPv6), and a
    /// flow route whose destination prefix has no fixed bits at all.
    ///
    /// ## Why is this bad?
    /// Flow routes are pushed to every edge router at once. A mitigation meant for one victim address that
    /// goes out with a short prefix — a typo, a template with a wildcard — blackholes a whole region of the
    /// network, as in the 2020 outage where a flow route meant for one address matched BGP itself.
    ///
    /// ## Example
    /// ```text
    /// route mitigate-victim {
    ///     match { destination 203.0.0.0/8; protocol udp; }    # meant 203.0.113.7/32
    ///     then discard;
    /// }
    /// ```
    pub struct BroadDiscard => BroadDiscard;
}

/// Reports discarding and rate-limiting routes with short destination prefixes.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let device = &cx.settings.device;
    for flow in &cx.flows {
        for route in &flow.table.routes {
            let limits = route
                .actions
                .iter()
                .any(|a| matches!(a.kind, ActionKind::RateLimit(_)));
            if route.verdict() != Verdict::Discard && !limits {
                continue;
            }
            let Some(destination) = route.destination() else {
                continue;
            };
            let minimum = if destination.address.v6 {
                device.broad_discard_prefix_v6
            } else {
                device.broad_discard_prefix
            };
            let length = destination.address.prefix_len().unwrap_or(0);
            if length >= minimum {
                continue;
            }
            let what = if route.verdict() == Verdict::Discard {
                "discards"
            } else {
                "rate-limits"
            };
            out.push(
                Diagnostic::new(
                    Code::BroadDiscard,
                    destination.loc,
                    format!("flow route `{}` {what} traffic to {}, a /{length}; flow routes that drop traffic must be /{minimum} or longer", route.name.text, destination.address),
                )
                .with_help("narrow the destination to the attacked prefix, or raise `[device] broad-discard-prefix` deliberately")
                .in_route(&route.name.text),
            );
        }
    }
}
