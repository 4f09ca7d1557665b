//! RC203 flow-routes-over-budget.

use rulecheck_syntax::{Code, Diagnostic};

use crate::Context;
use crate::cost::{grouped, table_name};

rule! {
    /// ## What it does
    /// Counts the active flow routes of each routing instance and reports a table with more than
    /// `[device] flow-routes` (default 10,000) routes, at the first route beyond the budget.
    ///
    /// ## Why is this bad?
    /// Every router that receives the flow routes installs all of them, and each takes memory and filter
    /// entries. Past what the routers accept, routes are dropped or the routers run out of memory: on
    /// 2013-03-03 flow routes pushed network-wide exhausted the memory of every edge router and took 23
    /// data centres offline. A mitigation that grows one route per attacking source grows without bound.
    ///
    /// ## Example
    /// ```text
    /// flow {
    ///     route block-src-1 { match { source 198.51.100.1/32; destination 203.0.113.7/32; } then discard; }
    ///     route block-src-2 { match { source 198.51.100.2/32; destination 203.0.113.7/32; } then discard; }
    ///     # … one route per source, 12,000 of them
    /// }
    /// ```
    /// Aggregate the sources into prefixes, or raise `[device] flow-routes` to what the routers accept.
    ///
    /// The default is a conservative assumption, not a vendor figure; inactive routes are not counted.
    pub struct FlowRoutesOverBudget => FlowRoutesOverBudget;
}

/// Reports flow-route tables with more routes than the budget.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let budget = cx.settings.device.flow_routes;
    for table in &cx.config.flow_tables {
        let count = table.routes.len() as u64;
        let Some(first_over) = usize::try_from(budget)
            .ok()
            .and_then(|b| table.routes.get(b))
        else {
            continue;
        };
        out.push(
            Diagnostic::new(
                Code::FlowRoutesOverBudget,
                first_over.name.loc,
                format!(
                    "{} has {} flow routes, more than the {} a router accepts: route `{}` is number {} and beyond the budget",
                    table_name(table),
                    grouped(count),
                    grouped(budget),
                    first_over.name.text,
                    grouped(budget + 1)
                ),
            )
            .with_help("aggregate routes into fewer prefixes, withdraw stale ones, or raise `[device] flow-routes` to what the routers accept")
            .in_route(&first_over.name.text),
        );
    }
}
