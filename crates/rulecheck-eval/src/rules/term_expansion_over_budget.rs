//! RC201 term-expansion-over-budget.

use rulecheck_syntax::{Code, Diagnostic};

use crate::Context;
use crate::cost::{TermCost, entries, grouped};

rule! {
    /// ## What it does
    /// Estimates how many hardware (TCAM) entries each filter term and flow route expands to, and reports
    /// one that needs more than `[device] term-entries` (default 4,096), naming the conditions that drive
    /// the cost.
    ///
    /// A router matches a term with ternary entries. A port range needs its minimal prefix cover, up to
    /// 30 entries for a 16-bit field (1-65534); every listed prefix, protocol or range adds entries; and
    /// the conditions of one term multiply, because each combination is an entry of its own. `port` and
    /// `address` match either side and count twice.
    ///
    /// ## Why is this bad?
    /// A term that does not fit is not programmed, or pushes the router out of filter memory. On 2013-03-03
    /// a single flow route made every edge router of a network exhaust its memory and crash, taking 23 data
    /// centres offline. Terms that look small multiply: the eight sources, eight destinations, two
    /// protocols and two port ranges below need 8 × 8 × 2 × 6 × 10 = 7,680 entries.
    ///
    /// ## Example
    /// ```text
    /// term partners {
    ///     from {
    ///         source-prefix-list partners;        # 8 prefixes
    ///         destination-prefix-list servers;    # 8 prefixes
    ///         protocol [ tcp udp ];
    ///         source-port 1024-65535;             # 6 entries
    ///         destination-port 1-1023;            # 10 entries
    ///     }
    ///     then accept;
    /// }
    /// ```
    /// Split the term, use port ranges aligned to powers of two, or move the prefixes into fewer, shorter
    /// prefixes.
    ///
    /// The numbers are an estimate of a straightforward compiler, not a vendor figure: exact minimal
    /// range-to-prefix expansion per field, longest-match prefix lists after `except`, a cross product
    /// across conditions. Hardware with range matching may need fewer entries.
    pub struct TermExpansionOverBudget => TermExpansionOverBudget;
}

/// Reports every term and flow route over the per-term budget.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let budget = cx.settings.device.term_entries;
    for filter in &cx.cost.filters {
        // Terms inlined from a nested filter are reported in the filter they are written in.
        for term in filter.terms.iter().filter(|t| t.nested_in.is_none()) {
            if term.entries() > budget {
                let what = format!("term `{}`", term.name.text);
                out.push(
                    finding(&what, term, budget)
                        .in_term(&filter.filter.name.text, Some(&term.name.text)),
                );
            }
        }
    }
    for table in &cx.cost.flow_tables {
        for route in table.routes.iter().filter(|r| r.entries() > budget) {
            let what = format!("flow route `{}`", route.name.text);
            out.push(finding(&what, route, budget).in_route(&route.name.text));
        }
    }
}

fn finding(what: &str, term: &TermCost<'_>, budget: u64) -> Diagnostic {
    let mut d = Diagnostic::new(
        Code::TermExpansionOverBudget,
        term.name.loc,
        format!(
            "{what} expands to an estimated {} hardware entries, over the budget of {} per term: {}",
            grouped(term.entries()),
            grouped(budget),
            term.expansion.drivers()
        ),
    )
    .with_help(
        "split the term, narrow or align its ranges, or raise `[device] term-entries` if the routers hold more",
    );
    for factor in term.expansion.factors.iter().filter(|f| f.total() > 1) {
        let except = if factor.except { "-except" } else { "" };
        let sides = if factor.sides > 1 {
            format!(" on each of {} sides", factor.sides)
        } else {
            String::new()
        };
        d = d.with_related(
            factor.loc,
            format!(
                "{}{except}: {}{sides}",
                factor.field,
                entries(factor.entries)
            ),
        );
    }
    d
}
