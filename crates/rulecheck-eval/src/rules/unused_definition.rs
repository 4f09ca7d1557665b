//! RC011 unused-definition.

use std::collections::HashSet;

use rulecheck_syntax::model::{ActionKind, DefinitionKind, Values};
use rulecheck_syntax::{Code, Diagnostic};

use crate::Context;

rule! {
    /// ## What it does
    /// Reports a prefix list or policer that nothing uses, and — in a configuration that has interfaces — a
    /// filter that nothing applies: no interface (or interface range) binds it, no other filter nests it,
    /// and it is not a forwarding-table filter (`forwarding-options … filter input|output`, also in routing
    /// instances; `routing-options rib … filter input`). A prefix list is used by a filter or by a routing
    /// policy (`from prefix-list`, `from prefix-list-filter`); a policer by a filter of any family or by an
    /// interface (`policer input|output|arp`, `layer2-policer`).
    ///
    /// ## Why is this bad?
    /// Dead definitions mislead: someone edits the prefix list `bgp-peers` expecting the edge filter to
    /// change, and nothing changes. An unbound filter protects nothing; often the binding was forgotten.
    ///
    /// ## Example
    /// ```text
    /// policy-options {
    ///     prefix-list old-peers { 192.0.2.1/32; }    # referenced nowhere
    /// }
    /// ```
    pub struct UnusedDefinition => UnusedDefinition;
}

/// Reports every unused definition.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let config = cx.config;
    let mut used_lists = HashSet::new();
    let mut used_policers = HashSet::new();
    let mut used_filters = HashSet::new();
    for filter in &config.filters {
        for term in &filter.terms {
            for condition in &term.conditions {
                if let Values::PrefixLists(refs) = &condition.values {
                    used_lists.extend(refs.iter().map(|r| r.name.text.as_str()));
                }
            }
            for action in &term.actions {
                if let ActionKind::Policer(name) = &action.kind {
                    used_policers.insert(name.text.as_str());
                }
            }
            if let Some(nested) = &term.filter {
                used_filters.insert(nested.text.as_str());
            }
        }
    }
    for interface in &config.interfaces {
        for unit in &interface.units {
            used_filters.extend(unit.filters.iter().map(|b| b.filter.text.as_str()));
        }
    }
    // Routing policies, interface policers, forwarding-table filters, interface ranges, filters of
    // families the model leaves out.
    for reference in &config.references {
        let used = match reference.kind {
            DefinitionKind::PrefixList => &mut used_lists,
            DefinitionKind::Policer => &mut used_policers,
            DefinitionKind::Filter => &mut used_filters,
        };
        used.insert(reference.name.text.as_str());
    }
    for list in &config.prefix_lists {
        if !used_lists.contains(list.name.text.as_str()) && list.apply_path.is_none() {
            out.push(Diagnostic::new(
                Code::UnusedDefinition,
                list.name.loc,
                format!(
                    "prefix list `{}` is not used by any filter or routing policy",
                    list.name.text
                ),
            ));
        }
    }
    for policer in &config.policers {
        if !used_policers.contains(policer.name.text.as_str()) {
            out.push(Diagnostic::new(
                Code::UnusedDefinition,
                policer.name.loc,
                format!(
                    "policer `{}` is not used by any filter or interface",
                    policer.name.text
                ),
            ));
        }
    }
    if config.has_interfaces {
        for filter in &config.filters {
            if !used_filters.contains(filter.name.text.as_str()) {
                out.push(Diagnostic::new(
                    Code::UnusedDefinition,
                    filter.name.loc,
                    format!(
                        "filter `{}` is not applied to any interface or forwarding table",
                        filter.name.text
                    ),
                ));
            }
        }
    }
}
