//! RC010 undefined-reference.

use std::collections::HashSet;

use rulecheck_syntax::model::{ActionKind, DefinitionKind, Values};
use rulecheck_syntax::{Code, Diagnostic};

use crate::Context;

rule! {
    /// ## What it does
    /// Reports a reference to a prefix list, policer or filter that the configuration does not define: a
    /// `source-prefix-list`, `then policer`, a nested `filter` in a term, an interface's `filter input`,
    /// a policy statement's `from prefix-list`, or an interface's `policer input`. Counters are created by
    /// use and are never undefined.
    ///
    /// ## Why is this bad?
    /// Junos refuses to commit it. Where a fragment is checked alone, the definition may live in another
    /// file: check the files together with `--merge`.
    ///
    /// ## Example
    /// ```text
    /// term bgp {
    ///     from {
    ///         source-prefix-list bgp-peers;    # no `policy-options prefix-list bgp-peers`
    ///     }
    ///     then accept;
    /// }
    /// ```
    pub struct UndefinedReference => UndefinedReference;
}

/// Reports every reference to something undefined.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let config = cx.config;
    let start = out.len();
    let prefix_lists: HashSet<&str> = config
        .prefix_lists
        .iter()
        .map(|p| p.name.text.as_str())
        .collect();
    let policers: HashSet<&str> = config
        .policers
        .iter()
        .map(|p| p.name.text.as_str())
        .collect();
    let filters: HashSet<&str> = config
        .filters
        .iter()
        .map(|f| f.name.text.as_str())
        .collect();
    for filter in &config.filters {
        for term in &filter.terms {
            for condition in &term.conditions {
                if let Values::PrefixLists(refs) = &condition.values {
                    for r in refs
                        .iter()
                        .filter(|r| !prefix_lists.contains(r.name.text.as_str()))
                    {
                        out.push(
                            Diagnostic::new(
                                Code::UndefinedReference,
                                r.name.loc,
                                format!("prefix list `{}` is not defined", r.name.text),
                            )
                            .in_term(&filter.name.text, Some(&term.name.text))
                            .with_help("define it under `policy-options prefix-list`, or check the files together with --merge"),
                        );
                    }
                }
            }
            for action in &term.actions {
                if let ActionKind::Policer(name) = &action.kind {
                    if !policers.contains(name.text.as_str()) {
                        out.push(
                            Diagnostic::new(
                                Code::UndefinedReference,
                                name.loc,
                                format!("policer `{}` is not defined", name.text),
                            )
                            .in_term(&filter.name.text, Some(&term.name.text))
                            .with_help("define it under `firewall policer`"),
                        );
                    }
                }
            }
            if let Some(nested) = &term.filter {
                if !filters.contains(nested.text.as_str()) {
                    out.push(
                        Diagnostic::new(
                            Code::UndefinedReference,
                            nested.loc,
                            format!("filter `{}` is not defined", nested.text),
                        )
                        .in_term(&filter.name.text, Some(&term.name.text)),
                    );
                }
            }
        }
    }
    for interface in &config.interfaces {
        for unit in &interface.units {
            for binding in &unit.filters {
                if !filters.contains(binding.filter.text.as_str()) {
                    out.push(Diagnostic::new(
                        Code::UndefinedReference,
                        binding.filter.loc,
                        format!(
                            "filter `{}` applied to {}.{} is not defined",
                            binding.filter.text, interface.name.text, unit.name.text
                        ),
                    ));
                }
            }
        }
    }
    // Names used elsewhere: policy statements' prefix lists, interface and filter-term policers of
    // every family. Prefix lists and policers are defined once for the whole configuration. Filters
    // named there are not checked: they may be of a family the model does not hold (`family vpls`,
    // `bridge`), and would look undefined.
    let reported: HashSet<rulecheck_syntax::Loc> = out[start..].iter().map(|d| d.loc).collect();
    for reference in &config.references {
        let (defined, what, help) = match reference.kind {
            DefinitionKind::PrefixList => (
                &prefix_lists,
                "prefix list",
                "define it under `policy-options prefix-list`, or check the files together with --merge",
            ),
            DefinitionKind::Policer => (
                &policers,
                "policer",
                "define it under `firewall policer` (or `three-color-policer`, `hierarchical-policer`)",
            ),
            DefinitionKind::Filter => continue,
        };
        let name = &reference.name;
        if defined.contains(name.text.as_str()) || reported.contains(&name.loc) {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::UndefinedReference,
                name.loc,
                format!("{what} `{}` is not defined", name.text),
            )
            .with_help(help),
        );
    }
}
