//! RC406 rate-limit-zero.

use rulecheck_syntax::model::ActionKind;
use rulecheck_syntax::{Code, Diagnostic};

use crate::Context;

rule! {
    /// ## What it does
    /// Points out a flow route with `then rate-limit 0`, which RFC 8955 §7.1 defines as discarding all
    /// matching traffic. rulecheck evaluates it as a discard.
    ///
    /// ## Why is this bad?
    /// It is not wrong, but it reads like a limit and acts like a wall. Writing `then discard` says what
    /// happens.
    ///
    /// ## Example
    /// ```text
    /// route mitigate { match { destination 192.0.2.1/32; protocol udp; } then rate-limit 0; }
    /// ```
    pub struct RateLimitZero => RateLimitZero;
}

/// Reports every `rate-limit 0`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for flow in &cx.flows {
        for route in &flow.table.routes {
            for action in route
                .actions
                .iter()
                .filter(|a| a.kind == ActionKind::RateLimit(0))
            {
                out.push(
                    Diagnostic::new(Code::RateLimitZero, action.loc, format!("flow route `{}` has `rate-limit 0`, which discards all matching traffic", route.name.text))
                        .with_help("write `then discard` to say so")
                        .in_route(&route.name.text),
                );
            }
        }
    }
}
