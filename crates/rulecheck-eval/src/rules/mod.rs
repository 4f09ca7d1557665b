//! The rules: one file per rule code, each with its documentation and its check.
//!
//! [`ALL`] is the one table mapping codes to rules; a test walks it and fails if a code lacks a rule, docs,
//! a fixture that fires or a fixture that stays quiet.

use rulecheck_syntax::Code;

/// Declares a rule: its doc comment becomes the text `rulecheck explain` prints.
macro_rules! rule {
    ($(#[doc = $doc:literal])* pub struct $name:ident => $code:ident;) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            /// The rule's code.
            pub const CODE: rulecheck_syntax::Code = rulecheck_syntax::Code::$code;
            /// The rule's documentation.
            pub const DOC: &'static str = concat!($($doc, "\n"),*);
            /// The rule as listed in [`crate::rules::ALL`].
            pub const META: crate::rules::RuleMeta = crate::rules::RuleMeta { code: Self::CODE, raw_doc: Self::DOC };
        }
    };
}

pub mod ambiguous_flow_routes;
pub mod analysis_limit;
pub mod broad_discard;
pub mod change_accepts;
pub mod change_discards;
pub mod change_discards_protected;
pub mod conflicting_conditions;
pub mod control_plane_lockout;
pub mod correlated_terms;
pub mod empty_match;
pub mod filter_over_budget;
pub mod flow_route_without_destination;
pub mod flow_routes_over_budget;
pub mod implicit_discard;
pub mod invalid_suppression;
pub mod invalid_value;
pub mod not_modeled;
pub mod packet_length_impossible;
pub mod packet_length_over_mtu;
pub mod packet_length_too_small;
pub mod protected_flow_discarded;
pub mod rate_limit_zero;
pub mod redundant_term;
pub mod shadowed_term;
pub mod syntax_error;
pub mod term_expansion_over_budget;
pub mod undefined_reference;
pub mod unknown_statement;
pub mod unused_definition;
pub mod unused_suppression;
pub mod value_out_of_range;

/// A check: reads the context, appends findings.
pub type Check = fn(&crate::Context<'_>, &mut Vec<rulecheck_syntax::Diagnostic>);

/// The checks that read the configuration and the cost model, not the walks: they run once.
pub const CONFIG_CHECKS: &[Check] = &[
    undefined_reference::check,
    unused_definition::check,
    packet_length_impossible::check,
    packet_length_over_mtu::check,
    packet_length_too_small::check,
    term_expansion_over_budget::check,
    filter_over_budget::check,
    flow_routes_over_budget::check,
    control_plane_lockout::check,
];

/// The checks that read the walked filters and flow tables ([`crate::Context::filters`] and
/// [`crate::Context::flows`]), each report on its own: they run on one part of the configuration at a
/// time. Together with [`CONFIG_CHECKS`], every check that runs on a parsed configuration (the syntax
/// rules run in the parser).
pub const WALK_CHECKS: &[Check] = &[
    shadowed_term::check,
    empty_match::check,
    correlated_terms::check,
    ambiguous_flow_routes::check,
    conflicting_conditions::check,
    implicit_discard::check,
    protected_flow_discarded::check,
    broad_discard::check,
    flow_route_without_destination::check,
    rate_limit_zero::check,
    analysis_limit::check,
];

/// A rule as the command line lists it.
#[derive(Clone, Copy, Debug)]
pub struct RuleMeta {
    /// Its code.
    pub code: Code,
    raw_doc: &'static str,
}

impl RuleMeta {
    /// The documentation: "What it does", "Why is this bad?", "Example".
    pub fn doc(&self) -> String {
        self.raw_doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_owned()
    }

    /// The text under one `## ` heading of the documentation, without the heading.
    pub fn section(&self, heading: &str) -> Option<String> {
        let doc = self.doc();
        let marker = format!("## {heading}\n");
        let start = doc.find(&marker)? + marker.len();
        let rest = &doc[start..];
        let end = rest.find("\n## ").unwrap_or(rest.len());
        Some(rest[..end].trim().to_owned())
    }

    /// The first sentence of "What it does", on one line: the rule in a few words.
    pub fn summary(&self) -> String {
        let what = self
            .section("What it does")
            .unwrap_or_else(|| self.code.name().to_owned());
        let what = what.split_whitespace().collect::<Vec<_>>().join(" ");
        // A sentence ends at a full stop followed by a capital letter, or at the end of the section.
        let bytes = what.as_bytes();
        let end = (0..bytes.len())
            .find(|&i| {
                bytes[i] == b'.'
                    && (i + 1 == bytes.len()
                        || (bytes[i + 1] == b' '
                            && bytes.get(i + 2).is_some_and(u8::is_ascii_uppercase)))
            })
            .map_or(what.len(), |i| i + 1);
        what[..end].to_owned()
    }
}

/// Every rule, in code order.
pub const ALL: &[RuleMeta] = &[
    syntax_error::SyntaxError::META,
    unknown_statement::UnknownStatement::META,
    invalid_value::InvalidValue::META,
    undefined_reference::UndefinedReference::META,
    unused_definition::UnusedDefinition::META,
    not_modeled::NotModeled::META,
    invalid_suppression::InvalidSuppression::META,
    unused_suppression::UnusedSuppression::META,
    analysis_limit::AnalysisLimit::META,
    packet_length_impossible::PacketLengthImpossible::META,
    packet_length_over_mtu::PacketLengthOverMtu::META,
    packet_length_too_small::PacketLengthTooSmall::META,
    value_out_of_range::ValueOutOfRange::META,
    term_expansion_over_budget::TermExpansionOverBudget::META,
    filter_over_budget::FilterOverBudget::META,
    flow_routes_over_budget::FlowRoutesOverBudget::META,
    shadowed_term::ShadowedTerm::META,
    redundant_term::RedundantTerm::META,
    empty_match::EmptyMatch::META,
    correlated_terms::CorrelatedTerms::META,
    ambiguous_flow_routes::AmbiguousFlowRoutes::META,
    conflicting_conditions::ConflictingConditions::META,
    implicit_discard::ImplicitDiscard::META,
    protected_flow_discarded::ProtectedFlowDiscarded::META,
    broad_discard::BroadDiscard::META,
    flow_route_without_destination::FlowRouteWithoutDestination::META,
    control_plane_lockout::ControlPlaneLockout::META,
    rate_limit_zero::RateLimitZero::META,
    change_discards_protected::ChangeDiscardsProtected::META,
    change_discards::ChangeDiscards::META,
    change_accepts::ChangeAccepts::META,
];

/// The rule with this code.
pub fn find(code: Code) -> Option<&'static RuleMeta> {
    ALL.iter().find(|r| r.code == code)
}

/// A filter term or a flow route as the per-rule checks see it: its conditions, the families it applies
/// to, and how a finding names it.
pub struct RuleItem<'a> {
    /// Its match conditions.
    pub conditions: &'a [rulecheck_syntax::model::Condition],
    /// The address families it applies to.
    pub families: &'static [crate::packet::AddressFamily],
    filter: Option<(&'a str, &'a str)>,
    route: Option<&'a str>,
}

impl RuleItem<'_> {
    /// Names the term or route on a finding.
    pub fn locate(&self, mut d: rulecheck_syntax::Diagnostic) -> rulecheck_syntax::Diagnostic {
        if let Some((filter, term)) = self.filter {
            d = d.in_term(filter, Some(term));
        }
        if let Some(route) = self.route {
            d = d.in_route(route);
        }
        d
    }
}

/// Every term of every filter (as written, nested filters not inlined) and every flow route, one at a
/// time: a list of them all would be a large allocation to fill and drop for one pass.
pub fn rule_items<'a>(cx: &crate::Context<'a>) -> impl Iterator<Item = RuleItem<'a>> + 'a {
    use crate::packet::AddressFamily;
    let filters = cx.config.filters.iter().flat_map(|filter| {
        filter.terms.iter().map(|term| RuleItem {
            conditions: &term.conditions,
            families: crate::analysis::families(filter.family),
            filter: Some((&filter.name.text, &term.name.text)),
            route: None,
        })
    });
    let routes = cx.config.flow_tables.iter().flat_map(|table| {
        table.routes.iter().map(|route| RuleItem {
            conditions: &route.conditions,
            families: match crate::compile::flow_family(&route.conditions) {
                AddressFamily::Inet => &[AddressFamily::Inet],
                AddressFamily::Inet6 => &[AddressFamily::Inet6],
            },
            filter: None,
            route: Some(&route.name.text),
        })
    });
    filters.chain(routes)
}
