//! RC202 filter-over-budget.

use rulecheck_syntax::{Code, Diagnostic};

use crate::Context;
use crate::cost::{TermCost, costliest, entries, grouped, table_name};

/// How many of the costliest terms a finding names.
const NAMED_TERMS: usize = 3;

rule! {
    /// ## What it does
    /// Adds up the estimated hardware (TCAM) entries of every term of a filter, nested filters inlined,
    /// and of every flow route of a routing instance (flow routes form one filter), and reports a filter
    /// or flow-route table that needs more than `[device] filter-entries` (default 65,536). The finding
    /// names the costliest terms and gives the estimated memory.
    ///
    /// ## Why is this bad?
    /// Filter memory is shared and finite. A filter that does not fit fails to program, and a router that
    /// runs out of it can stop forwarding altogether: on 2013-03-03 one flow route exhausted the memory of
    /// every edge router of a network and took 23 data centres offline. Many terms that each fit can still
    /// add up to a filter that does not.
    ///
    /// ## Example
    /// ```text
    /// filter customers-in {
    ///     term c1 { from { source-prefix-list c1; destination-port 1-65534; } then accept; }   # 30 × 100
    ///     term c2 { from { source-prefix-list c2; destination-port 1-65534; } then accept; }   # 30 × 100
    ///     # … 25 more like these: 81,000 entries
    /// }
    /// ```
    ///
    /// The numbers are an estimate of a straightforward compiler, not a vendor figure; memory assumes a
    /// 160-bit key per IPv4 entry and a 640-bit key per IPv6 entry, stored as value and mask (40 and 160
    /// bytes). `rulecheck cost` shows the whole table.
    pub struct FilterOverBudget => FilterOverBudget;
}

/// Reports filters and flow-route tables over the per-filter budget.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let budget = cx.settings.device.filter_entries;
    for filter in cx.cost.filters.iter().filter(|f| f.entries > budget) {
        let name = &filter.filter.name;
        let d = Diagnostic::new(
            Code::FilterOverBudget,
            name.loc,
            format!(
                "filter `{}` expands to an estimated {} hardware entries (about {} bytes), over the budget of {} per filter; the costliest terms: {}",
                name.text,
                grouped(filter.entries),
                grouped(filter.bytes),
                grouped(budget),
                listing(&filter.terms)
            ),
        )
        .with_help("split the filter, shrink its costliest terms, or raise `[device] filter-entries` if the routers hold more")
        .in_term(&name.text, None);
        out.push(name_costliest(d, &filter.terms, "term"));
    }
    for table in cx.cost.flow_tables.iter().filter(|t| t.entries > budget) {
        // Point at the route that takes the table over the budget.
        let mut running: u64 = 0;
        let Some(first_over) = table.routes.iter().find(|r| {
            running = running.saturating_add(r.entries());
            running > budget
        }) else {
            continue;
        };
        let d = Diagnostic::new(
            Code::FilterOverBudget,
            first_over.name.loc,
            format!(
                "the flow routes of {} expand to an estimated {} hardware entries (about {} bytes), over the budget of {} per filter from route `{}` on; the costliest routes: {}",
                table_name(table.table),
                grouped(table.entries),
                grouped(table.bytes),
                grouped(budget),
                first_over.name.text,
                listing(&table.routes)
            ),
        )
        .with_help("withdraw flow routes, shrink the costliest ones, or raise `[device] filter-entries` if the routers hold more")
        .in_route(&first_over.name.text);
        out.push(name_costliest(d, &table.routes, "route"));
    }
}

/// `a (4,608), b (1,200), c (30)`.
fn listing(terms: &[TermCost<'_>]) -> String {
    costliest(terms, NAMED_TERMS)
        .iter()
        .map(|t| format!("`{}` ({})", t.name.text, grouped(t.entries())))
        .collect::<Vec<_>>()
        .join(", ")
}

fn name_costliest(mut d: Diagnostic, terms: &[TermCost<'_>], kind: &str) -> Diagnostic {
    for t in costliest(terms, NAMED_TERMS) {
        d = d.with_related(
            t.name.loc,
            format!("{kind} `{}`: {}", t.name.text, entries(t.entries())),
        );
    }
    d
}
