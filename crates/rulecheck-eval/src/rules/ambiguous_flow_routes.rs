//! RC305 ambiguous-flow-routes.

use rulecheck_syntax::{Code, Diagnostic};

use crate::Context;
use crate::report::witness;

rule! {
    /// ## What it does
    /// Reports two flow routes of one table that overlap — some packet matches both — and act differently,
    /// when the table uses the Junos default `term-order legacy`, under which the order of flow routes is not
    /// the one RFC 8955 §5.1 defines.
    ///
    /// ## Why is this bad?
    /// Which route wins for the overlapping packets depends on an order nobody wrote down: the same rules can
    /// discard a packet on one router and accept it on another. Make the routes disjoint, or configure
    /// `routing-options flow term-order standard` so the RFC order applies.
    ///
    /// ## Example
    /// ```text
    /// route drop-dns  { match { destination 192.0.2.0/24; port 53; } then discard; }
    /// route limit-all { match { destination 192.0.2.0/24; } then rate-limit 1m; }
    /// ```
    pub struct AmbiguousFlowRoutes => AmbiguousFlowRoutes;
}

/// Reports overlapping routes with different actions in tables without a defined order.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for flow in cx.flows.iter().filter(|f| !f.ordered()) {
        for walk in &flow.walks {
            let mut earlier = Vec::new();
            for (j, b) in walk.terms.iter().enumerate() {
                let bounds = walk.index.boxes(j);
                if bounds.is_empty() {
                    continue;
                }
                earlier.clear();
                walk.index.overlapping(bounds, j, &mut earlier);
                for &i in &earlier {
                    let a = &walk.terms[i];
                    if flow.routes[i]
                        .actions
                        .iter()
                        .map(|x| &x.kind)
                        .eq(flow.routes[j].actions.iter().map(|x| &x.kind))
                    {
                        continue;
                    }
                    let overlap = a.compiled.space.intersect(&b.compiled.space);
                    let Some(w) = overlap.witness() else { continue };
                    let (ra, rb) = (flow.routes[i], flow.routes[j]);
                    out.push(
                        Diagnostic::new(
                            Code::AmbiguousFlowRoutes,
                            rb.name.loc,
                            format!("flow routes `{}` and `{}` overlap and act differently, and `term-order legacy` does not define which applies", ra.name.text, rb.name.text),
                        )
                        .with_related(ra.name.loc, format!("flow route `{}` matches the same packets", ra.name.text))
                        .with_help("make the routes disjoint, or set `routing-options flow term-order standard`")
                        .in_route(&rb.name.text)
                        .with_witness(witness(&w)),
                    );
                }
            }
        }
    }
}
