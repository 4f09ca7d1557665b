//! Lowers the configuration tree into the typed model, reporting RC002, RC003, RC104 and RC020 on the way.

use crate::diagnostic::{Code, Diagnostic};
use crate::keywords::{
    self, ANY, ActionShape, ConditionKeyword, FLOW, INET, INET6, Names, ValueKind, did_you_mean,
};
use crate::model::{
    Action, ActionKind, Address, AddressEntry, BgpNeighbor, BitSet256, Condition, Config,
    DefinitionKind, Direction, Family, Filter, FilterBinding, FlowRoute, FlowTable, FragmentKind,
    Interface, ManagementService, Name, Policer, PrefixList, PrefixListRef, Reference, Term,
    TermOrder, Unit, ValueRange, Values,
};
use crate::parse::Limits;
use crate::source::SourceMap;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use crate::span::{FileId, Loc};
use crate::suppress::{self, Suppression};
use crate::tree::{ConfigTree, NodeId};
use crate::values::{self, NumberError};

/// Builds the model of `tree`, appending findings to `diagnostics`.
pub fn lower(tree: &ConfigTree, sources: &SourceMap, diagnostics: &mut Vec<Diagnostic>) -> Config {
    let unterminated = tree.unterminated.iter().map(|&(node, _)| node).collect();
    let mut lowering = Lowering {
        tree,
        sources,
        config: Config::default(),
        diagnostics,
        unterminated: &unterminated,
        verbatim: HashSet::new(),
        filters: Vec::new(),
    };
    lowering.root();
    // A statement without `;` at the end of its line is a syntax error, unless it was unknown text
    // (generators paste "verbatim" lines into filters), which has been reported as not modeled instead.
    // Like the parser's, these reports stop at the per-file limit.
    let limit = Limits::default().max_errors;
    let mut reported: HashMap<FileId, usize> = HashMap::new();
    for &(node, missing) in &tree.unterminated {
        if lowering.verbatim.contains(&node) {
            continue;
        }
        let count = reported.entry(missing.file).or_default();
        *count += 1;
        let message = match (*count).cmp(&(limit + 1)) {
            Ordering::Less => "expected `;` at the end of this statement".to_owned(),
            Ordering::Equal => format!(
                "more than {limit} statements in this file lack their `;`; the rest are not shown"
            ),
            Ordering::Greater => continue,
        };
        lowering
            .diagnostics
            .push(Diagnostic::new(Code::SyntaxError, missing, message));
    }
    lowering.config
}

/// One step of a path through the configuration to a use of a definition.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// This keyword.
    Word(&'static str),
    /// One of these keywords.
    OneOf(&'static [&'static str]),
    /// Any word: a name, or a family.
    Any,
}

use Step::{Any, OneOf, Word};

const FILTER_DIRECTIONS: Step = OneOf(&["input", "output", "input-list", "output-list"]);
const INTERFACE_POLICERS: Step = OneOf(&["input", "output", "arp"]);
const LAYER2_POLICERS: Step = OneOf(&[
    "input-policer",
    "output-policer",
    "input-three-color",
    "output-three-color",
]);

/// Where Junos lets a prefix list, a policer or a filter be used by name outside what the model holds
/// (filter terms, interface filter bindings). The words below the last step are the names used. From
/// Juniper's documentation: "Routing Policies, Firewall Filters, and Traffic Policers User Guide"
/// (`from prefix-list`, `from prefix-list-filter`; interface `policer input|output|arp`; `layer2-policer`),
/// "Applying Forwarding Table Filters" (`forwarding-options family F filter input|output`, also in routing
/// instances and bridge domains; `family vpls flood input`), "filter (Routing Options RIB)"
/// (`routing-options rib R filter input`). `from route-filter-list` names a `policy-options
/// route-filter-list`, not a prefix list, and is not one of these.
const REFERENCE_PATHS: &[(&[Step], DefinitionKind)] = &[
    (
        &[
            Word("policy-options"),
            Word("policy-statement"),
            Any,
            Word("from"),
            OneOf(&["prefix-list", "prefix-list-filter"]),
        ],
        DefinitionKind::PrefixList,
    ),
    (
        &[
            Word("policy-options"),
            Word("policy-statement"),
            Any,
            Word("term"),
            Any,
            Word("from"),
            OneOf(&["prefix-list", "prefix-list-filter"]),
        ],
        DefinitionKind::PrefixList,
    ),
    (
        &[
            Word("interfaces"),
            Any,
            Word("unit"),
            Any,
            Word("family"),
            Any,
            Word("policer"),
            INTERFACE_POLICERS,
        ],
        DefinitionKind::Policer,
    ),
    (
        &[
            Word("interfaces"),
            Any,
            Word("unit"),
            Any,
            Word("layer2-policer"),
            LAYER2_POLICERS,
        ],
        DefinitionKind::Policer,
    ),
    // Interface ranges configure their member interfaces; the model does not expand them.
    (
        &[
            Word("interfaces"),
            Word("interface-range"),
            Any,
            Word("unit"),
            Any,
            Word("family"),
            Any,
            Word("policer"),
            INTERFACE_POLICERS,
        ],
        DefinitionKind::Policer,
    ),
    (
        &[
            Word("interfaces"),
            Word("interface-range"),
            Any,
            Word("unit"),
            Any,
            Word("layer2-policer"),
            LAYER2_POLICERS,
        ],
        DefinitionKind::Policer,
    ),
    (
        &[
            Word("interfaces"),
            Word("interface-range"),
            Any,
            Word("unit"),
            Any,
            Word("family"),
            Any,
            Word("filter"),
            FILTER_DIRECTIONS,
        ],
        DefinitionKind::Filter,
    ),
    // Filters of every family, those rulecheck does not model (bridge, mpls, …) included.
    (
        &[
            Word("firewall"),
            Word("family"),
            Any,
            Word("filter"),
            Any,
            Word("term"),
            Any,
            Word("then"),
            OneOf(&["policer", "hierarchical-policer"]),
        ],
        DefinitionKind::Policer,
    ),
    (
        &[
            Word("firewall"),
            Word("family"),
            Any,
            Word("filter"),
            Any,
            Word("term"),
            Any,
            Word("then"),
            Word("three-color-policer"),
            OneOf(&["single-rate", "two-rate"]),
        ],
        DefinitionKind::Policer,
    ),
    (
        &[
            Word("forwarding-options"),
            Word("family"),
            Any,
            Word("filter"),
            OneOf(&["input", "output"]),
        ],
        DefinitionKind::Filter,
    ),
    (
        &[
            Word("forwarding-options"),
            Word("family"),
            Any,
            Word("flood"),
            Word("input"),
        ],
        DefinitionKind::Filter,
    ),
    (
        &[
            Word("routing-instances"),
            Any,
            Word("forwarding-options"),
            Word("family"),
            Any,
            Word("filter"),
            OneOf(&["input", "output"]),
        ],
        DefinitionKind::Filter,
    ),
    (
        &[
            Word("bridge-domains"),
            Any,
            Word("forwarding-options"),
            Word("filter"),
            Word("input"),
        ],
        DefinitionKind::Filter,
    ),
    (
        &[
            Word("routing-instances"),
            Any,
            Word("bridge-domains"),
            Any,
            Word("forwarding-options"),
            Word("filter"),
            Word("input"),
        ],
        DefinitionKind::Filter,
    ),
    (
        &[
            Word("routing-options"),
            Word("rib"),
            Any,
            Word("filter"),
            Word("input"),
        ],
        DefinitionKind::Filter,
    ),
    (
        &[
            Word("routing-instances"),
            Any,
            Word("routing-options"),
            Word("rib"),
            Any,
            Word("filter"),
            Word("input"),
        ],
        DefinitionKind::Filter,
    ),
];

struct Lowering<'a, 'd> {
    tree: &'a ConfigTree,
    sources: &'a SourceMap,
    config: Config,
    diagnostics: &'d mut Vec<Diagnostic>,
    /// The first nodes of statements that ended at a line break instead of at `;`.
    unterminated: &'a HashSet<NodeId>,
    /// Unterminated unknown statements, reported as verbatim text.
    verbatim: HashSet<NodeId>,
    /// Filters met, lowered after the rest (see [`Lowering::filters`]).
    filters: Vec<PendingFilter>,
}

impl<'a, 'd> Lowering<'a, 'd> {
    /// A lowering of a part of the tree on a thread of its own, beside the main one: its findings go to
    /// `diagnostics`, its model starts empty.
    fn beside(
        tree: &'a ConfigTree,
        sources: &'a SourceMap,
        unterminated: &'a HashSet<NodeId>,
        diagnostics: &'d mut Vec<Diagnostic>,
    ) -> Self {
        Self {
            tree,
            sources,
            config: Config::default(),
            diagnostics,
            unterminated,
            verbatim: HashSet::new(),
            filters: Vec::new(),
        }
    }
}

/// A filter to lower, and where its findings go among the others: before the finding `at`.
struct PendingFilter {
    name: NodeId,
    family: Family,
    at: usize,
}

/// Terms of filters lowered together on one thread.
const FILTER_CHUNK_TERMS: usize = 2048;

/// Trees of at least this many nodes gather their references on a thread of their own: the pass takes
/// about 0.2 ms per 10,000 nodes, a thread some tens of microseconds.
const REFERENCES_BESIDE_NODES: usize = 10_000;

impl<'a> Lowering<'a, '_> {
    fn text(&self, node: NodeId) -> &'a str {
        self.sources.text(self.tree.node(node).word)
    }

    fn loc(&self, node: NodeId) -> Loc {
        self.tree.node(node).word
    }

    fn name(&self, node: NodeId) -> Name {
        Name {
            text: self.text(node).to_owned(),
            loc: self.loc(node),
        }
    }

    /// The children that are part of the deployed configuration.
    ///
    /// The iterator borrows the tree, not the builder, so that the loop body may report findings.
    fn children(&self, node: NodeId) -> impl Iterator<Item = NodeId> + use<'a> {
        let tree = self.tree;
        tree.children(node).filter(move |&c| !tree.node(c).inactive)
    }

    /// Whether a node has deployed children.
    fn has_children(&self, node: NodeId) -> bool {
        self.children(node).next().is_some()
    }

    fn report(&mut self, code: Code, node: NodeId, message: String) {
        self.diagnostics
            .push(Diagnostic::new(code, self.loc(node), message));
    }

    fn unknown(&mut self, node: NodeId, place: &str, candidates: &[&str]) {
        self.unknown_among(node, place, candidates.iter().copied());
    }

    fn unknown_among<'c>(
        &mut self,
        node: NodeId,
        place: &str,
        candidates: impl IntoIterator<Item = &'c str>,
    ) {
        let word = self.text(node);
        let suggestion = did_you_mean(word, candidates);
        // A near miss of a keyword is a typo, not verbatim text: `discrad` without `;` is two errors.
        if suggestion.is_none() && self.unterminated.contains(&node) {
            self.verbatim.insert(node);
            let text = self.tree.node(node).statement();
            self.diagnostics.push(Diagnostic::new(
                Code::NotModeled,
                text,
                format!("`{}` is not configuration rulecheck can read (verbatim text without `;`); it is skipped", self.sources.text(text).trim()),
            ));
            return;
        }
        let mut diagnostic = Diagnostic::new(
            Code::UnknownStatement,
            self.loc(node),
            format!("`{word}` is not a statement Junos accepts in {place}"),
        );
        if let Some(suggestion) = suggestion {
            diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
        }
        self.diagnostics.push(diagnostic);
    }

    /// Reports every child of a statement that should have none. `what` names the statement; it is only
    /// formatted when there is something to report.
    fn no_children(&mut self, node: NodeId, what: std::fmt::Arguments<'_>) {
        for child in self.children(node) {
            let word = self.text(child);
            self.report(
                Code::UnknownStatement,
                child,
                format!("unexpected `{word}` after {what}"),
            );
        }
    }

    /// The single value of a leaf statement such as `mtu 1500`.
    fn single_value(&mut self, node: NodeId) -> Option<NodeId> {
        let mut children = self.children(node);
        match children.next() {
            None => {
                let word = self.text(node);
                self.report(Code::SyntaxError, node, format!("`{word}` needs a value"));
                None
            }
            Some(value) => {
                // `count c discard;` is not a counter named `c` with a child `discard`: that word is a
                // statement whose `;` is missing, and silently dropping it could turn a discard into an accept.
                self.no_children(
                    value,
                    format_args!("`{} {}`", self.text(node), self.text(value)),
                );
                for extra in children {
                    let word = self.text(extra);
                    self.report(
                        Code::InvalidValue,
                        extra,
                        format!(
                            "`{}` takes one value; `{word}` is one too many",
                            self.text(node)
                        ),
                    );
                }
                Some(value)
            }
        }
    }

    fn root(&mut self) {
        for top in self.children(ConfigTree::ROOT) {
            match self.text(top) {
                "firewall" => self.firewall(top),
                "routing-options" => self.routing_options(top, None),
                "routing-instances" => self.routing_instances(top),
                "policy-options" => self.policy_options(top),
                "interfaces" => self.interfaces(top),
                "protocols" => self.protocols(top, None),
                "system" => self.system(top),
                "snmp" => self.snmp(top),
                "apply-groups" => self.report(
                    Code::NotModeled,
                    top,
                    "`apply-groups` inheritance is not modeled: statements inherited from groups are not checked"
                        .into(),
                ),
                word if keywords::TOP_LEVEL.contains(&word) => {}
                _ => self.unknown(top, "a configuration's top level", keywords::TOP_LEVEL),
            }
        }
        // The references only read the tree: in a large one they are gathered beside the filters'
        // lowering.
        let (tree, sources, unterminated) = (self.tree, self.sources, self.unterminated);
        let gather = move || {
            let mut diagnostics = Vec::new();
            let mut part = Lowering::beside(tree, sources, unterminated, &mut diagnostics);
            for &(path, kind) in REFERENCE_PATHS {
                part.references(ConfigTree::ROOT, path, kind);
            }
            part.config.references
        };
        let references = if tree.len() < REFERENCES_BESIDE_NODES {
            self.filters();
            gather()
        } else {
            crate::parallel::join(gather, || self.filters()).0
        };
        self.config.references.extend(references);
    }

    fn defer_filter(&mut self, name: NodeId, family: Family) {
        let at = self.diagnostics.len();
        self.filters.push(PendingFilter { name, family, at });
    }

    /// Lowers the filters met, on the machine's cores: a filter's model and findings depend on its own
    /// part of the tree only. The filters come out in the order they were met, and their findings where
    /// lowering each when it was met would have put them, so the result is the same on any number of
    /// threads.
    fn filters(&mut self) {
        let pending = std::mem::take(&mut self.filters);
        // Chunks of whole filters, of about FILTER_CHUNK_TERMS terms.
        let mut chunks: Vec<&[PendingFilter]> = Vec::new();
        let (mut start, mut terms) = (0, 0);
        for (i, filter) in pending.iter().enumerate() {
            terms += self.term_count(filter.name);
            if terms >= FILTER_CHUNK_TERMS || i + 1 == pending.len() {
                chunks.push(&pending[start..=i]);
                (start, terms) = (i + 1, 0);
            }
        }
        let (tree, sources, unterminated) = (self.tree, self.sources, self.unterminated);
        let lowered = crate::parallel::parallel_map(&chunks, crate::parallel::threads(), |chunk| {
            let mut diagnostics = Vec::new();
            let mut part = Lowering::beside(tree, sources, unterminated, &mut diagnostics);
            let ends: Vec<usize> = chunk
                .iter()
                .map(|f| {
                    part.filter(f.name, f.family);
                    part.diagnostics.len()
                })
                .collect();
            let (filters, verbatim) = (part.config.filters, part.verbatim);
            (filters, verbatim, diagnostics, ends)
        });
        let earlier = std::mem::take(self.diagnostics);
        let mut earlier = earlier.into_iter().enumerate().peekable();
        let mut pending = pending.iter();
        for (filters, verbatim, diagnostics, ends) in lowered {
            let mut diagnostics = diagnostics.into_iter();
            let mut taken = 0;
            for (filter, end) in filters.into_iter().zip(ends) {
                let at = pending.next().expect("one pending entry per filter").at;
                while let Some((_, d)) = earlier.next_if(|&(i, _)| i < at) {
                    self.diagnostics.push(d);
                }
                self.diagnostics
                    .extend(diagnostics.by_ref().take(end - taken));
                taken = end;
                self.config.filters.push(filter);
            }
            self.verbatim.extend(verbatim);
        }
        self.diagnostics.extend(earlier.map(|(_, d)| d));
    }

    /// The terms written in filter `name`.
    fn term_count(&self, name: NodeId) -> usize {
        self.children(name)
            .filter(|&child| self.text(child) == "term")
            .map(|child| self.children(child).count())
            .sum::<usize>()
            .max(1)
    }

    /// Records as references of `kind` the deployed children of every node that `path` reaches from
    /// `node`.
    fn references(&mut self, node: NodeId, path: &[Step], kind: DefinitionKind) {
        let Some((step, rest)) = path.split_first() else {
            for name in self.children(node) {
                let name = self.name(name);
                self.config.references.push(Reference { kind, name });
            }
            return;
        };
        for child in self.children(node) {
            let word = self.text(child);
            let matches = match step {
                Step::Word(w) => word == *w,
                Step::OneOf(words) => words.contains(&word),
                Step::Any => true,
            };
            if matches {
                self.references(child, rest, kind);
            }
        }
    }

    fn firewall(&mut self, node: NodeId) {
        for child in self.children(node) {
            match self.text(child) {
                "family" => {
                    for family in self.children(child) {
                        match self.text(family) {
                            "inet" => self.family(family, Family::Inet),
                            "inet6" => self.family(family, Family::Inet6),
                            "any" => self.family(family, Family::Any),
                            "bridge" | "ethernet-switching" | "mpls" | "vpls" | "ccc" | "evpn"
                            | "inet-mpls" | "inet6-mpls" => self.unmodeled_family(family),
                            _ => self.unknown(
                                family,
                                "`firewall family`",
                                &[
                                    "inet",
                                    "inet6",
                                    "any",
                                    "bridge",
                                    "ethernet-switching",
                                    "mpls",
                                    "vpls",
                                    "ccc",
                                ],
                            ),
                        }
                    }
                }
                // `firewall filter NAME` without a family is an IPv4 filter.
                "filter" => {
                    for name in self.children(child) {
                        self.defer_filter(name, Family::Inet);
                    }
                }
                // Three-color and hierarchical policers are defined for their references; their rates
                // are not modeled.
                "policer" | "three-color-policer" | "hierarchical-policer" => {
                    for name in self.children(child) {
                        self.policer(name);
                    }
                }
                word if keywords::FIREWALL.contains(&word) => {}
                _ => self.unknown(child, "`firewall`", keywords::FIREWALL),
            }
        }
    }

    fn unmodeled_family(&mut self, family: NodeId) {
        let family_name = self.text(family);
        for child in self.children(family) {
            if self.text(child) == "filter" {
                for name in self.children(child) {
                    let filter = self.text(name);
                    self.report(
                        Code::NotModeled,
                        name,
                        format!("filter `{filter}` is a family {family_name} filter; rulecheck models only inet, inet6 and any filters"),
                    );
                }
            }
        }
    }

    fn family(&mut self, node: NodeId, family: Family) {
        for child in self.children(node) {
            match self.text(child) {
                "filter" => {
                    for name in self.children(child) {
                        self.defer_filter(name, family);
                    }
                }
                kind @ ("service-filter" | "simple-filter" | "fast-update-filter") => {
                    for name in self.children(child) {
                        let filter = self.text(name);
                        self.report(
                            Code::NotModeled,
                            name,
                            format!("`{kind} {filter}` is not modeled; only firewall filters are checked"),
                        );
                    }
                }
                word if keywords::FAMILY.contains(&word) => {}
                _ => self.unknown(child, "`firewall family`", keywords::FAMILY),
            }
        }
    }

    /// Names `filter`, `term` or `route` in the findings reported since `first` that name none yet, so
    /// that a bad value points at its term in JSON as well as by line.
    fn scope_findings(
        &mut self,
        first: usize,
        filter: Option<NodeId>,
        term: Option<NodeId>,
        route: Option<NodeId>,
    ) {
        let text = |node: Option<NodeId>| node.map(|n| self.text(n).to_owned());
        let (filter, term, route) = (text(filter), text(term), text(route));
        for d in &mut self.diagnostics[first..] {
            if d.filter.is_none() {
                d.filter.clone_from(&filter);
            }
            if d.term.is_none() {
                d.term.clone_from(&term);
            }
            if d.route.is_none() {
                d.route.clone_from(&route);
            }
        }
    }

    fn filter(&mut self, name: NodeId, family: Family) {
        let first = self.diagnostics.len();
        let mut terms = Vec::new();
        for child in self.children(name) {
            match self.text(child) {
                "term" => {
                    // A long filter's terms are megabytes: grown by doubling, each copy is memory
                    // touched for the first time.
                    terms.reserve(self.children(child).count());
                    for term in self.children(child) {
                        terms.push(self.term(term, family));
                    }
                }
                word if keywords::FILTER.contains(&word) => {}
                _ => self.unknown(child, "a filter", keywords::FILTER),
            }
        }
        self.scope_findings(first, Some(name), None, None);
        self.config.filters.push(Filter {
            name: self.name(name),
            family,
            terms,
        });
    }

    fn term(&mut self, name: NodeId, family: Family) -> Term {
        let place = match family {
            Family::Inet => INET,
            Family::Inet6 => INET6,
            Family::Any => ANY,
        };
        let first = self.diagnostics.len();
        let mut term = Term {
            name: self.name(name),
            conditions: Vec::new(),
            actions: Vec::new(),
            filter: None,
        };
        for child in self.children(name) {
            match self.text(child) {
                "from" => term.conditions = self.conditions(child, place, family),
                "then" => {
                    term.actions =
                        self.actions(child, keywords::FILTER_ACTIONS, "a filter term's `then`");
                }
                "filter" => term.filter = self.single_value(child).map(|v| self.name(v)),
                word if keywords::TERM.contains(&word) => {}
                _ => self.unknown(child, "a term", keywords::TERM),
            }
        }
        self.scope_findings(first, None, Some(name), None);
        term
    }

    fn conditions(&mut self, node: NodeId, place: u8, family: Family) -> Vec<Condition> {
        let mut conditions = Vec::with_capacity(self.children(node).count());
        for child in self.children(node) {
            let word = self.text(child);
            let Some(keyword) = keywords::condition(word, place) else {
                self.unknown_condition(child, place, family);
                continue;
            };
            if let Some(condition) = self.condition(child, keyword, family) {
                conditions.push(condition);
            }
        }
        conditions
    }

    fn unknown_condition(&mut self, node: NodeId, place: u8, family: Family) {
        let word = self.text(node);
        let elsewhere = keywords::CONDITIONS.iter().find(|c| c.name == word);
        if keywords::LAYER2_CONDITIONS.contains(&word) && place != FLOW {
            self.report(
                Code::NotModeled,
                node,
                format!("`{word}` is a match condition of layer-2 filters (bridge, vpls, ethernet-switching); in a family {} filter it is not modeled", family.as_str()),
            );
            return;
        }
        match elsewhere {
            Some(c) if place != FLOW => {
                let valid_in = [(INET, "inet"), (INET6, "inet6"), (ANY, "any")]
                    .iter()
                    .filter(|(bit, _)| c.places & bit != 0)
                    .map(|(_, name)| *name)
                    .collect::<Vec<_>>()
                    .join(", ");
                let valid_in = if valid_in.is_empty() {
                    "flow routes".to_owned()
                } else {
                    format!("family {valid_in} filters")
                };
                self.report(
                    Code::UnknownStatement,
                    node,
                    format!("`{word}` is not a match condition of family {} filters; it is valid in {valid_in}", family.as_str()),
                );
            }
            _ => {
                let place_name = if place == FLOW {
                    "a flow route's `match`".to_owned()
                } else {
                    format!("a family {} filter's `from`", family.as_str())
                };
                self.unknown_among(node, &place_name, keywords::conditions_in(place));
            }
        }
    }

    fn condition(
        &mut self,
        node: NodeId,
        keyword: &ConditionKeyword,
        family: Family,
    ) -> Option<Condition> {
        let loc = self.loc(node);
        let values = match keyword.kind {
            ValueKind::Addresses => {
                Values::Addresses(self.addresses(node, family, keyword.places == FLOW))
            }
            ValueKind::PrefixLists => Values::PrefixLists(self.prefix_list_refs(node)),
            ValueKind::Numbers(names, max) => {
                let names = match (names, family) {
                    (Names::IcmpTypes, Family::Inet6) => Names::Icmp6Types,
                    _ => names,
                };
                let mut ranges = self.numbers(node, names, Some(max));
                if names == Names::Precedence {
                    // Precedence is the top three bits of the DSCP field (RFC 2474 §4.2.2.1).
                    for r in &mut ranges {
                        r.lo <<= 3;
                        r.hi = (r.hi << 3) | 7;
                    }
                }
                Values::Ranges(ranges)
            }
            ValueKind::Length => Values::Ranges(self.numbers(node, Names::None, None)),
            ValueKind::TcpFlags => {
                Values::Bits(self.bit_expressions(node, keywords::TCP_FLAG_NAMES)?)
            }
            ValueKind::FragmentFlags => {
                Values::Bits(self.bit_expressions(node, keywords::FRAGMENT_FLAG_NAMES)?)
            }
            ValueKind::Flag => {
                self.no_children(node, format_args!("`{}`", keyword.name));
                match keyword.name {
                    // "tcp-established" is an alias for tcp-flags "(ack | rst)", "tcp-initial" for
                    // "(syn & !ack)" (Junos "Firewall Filter Match Conditions for IPv4 Traffic").
                    "tcp-established" => Values::Bits(BitSet256::from_fn(|f| f & 0x14 != 0)),
                    "tcp-initial" => {
                        Values::Bits(BitSet256::from_fn(|f| f & 0x02 != 0 && f & 0x10 == 0))
                    }
                    "is-fragment" => Values::Fragments(vec![FragmentKind::IsFragment]),
                    "first-fragment" => Values::Fragments(vec![FragmentKind::FirstFragment]),
                    _ => Values::Fragments(vec![FragmentKind::LastFragment]),
                }
            }
            ValueKind::Fragments => Values::Fragments(self.fragments(node)),
            ValueKind::Opaque => {
                let word = self.text(node);
                self.report(
                    Code::NotModeled,
                    node,
                    format!("`{word}` is not modeled: rulecheck treats the term as matching some unknown part of the traffic it would otherwise match"),
                );
                Values::Opaque(self.opaque(node))
            }
        };
        Some(Condition {
            field: keyword.field,
            except: keyword.except,
            loc,
            values,
        })
    }

    fn opaque(&self, node: NodeId) -> Vec<Name> {
        let mut out = Vec::new();
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            for c in self.children(n) {
                out.push(self.name(c));
                if out.len() < 10_000 {
                    stack.push(c);
                }
            }
        }
        out
    }

    fn addresses(&mut self, node: NodeId, family: Family, flow: bool) -> Vec<AddressEntry> {
        let mut entries = Vec::new();
        let want_v6 = match family {
            Family::Inet => Some(false),
            Family::Inet6 => Some(true),
            Family::Any => None,
        };
        for value in self.children(node) {
            let text = self.text(value);
            let except = self.except_flag(value);
            match values::parse_address(text) {
                Ok((address, host_bits)) => {
                    if let Some(v6) = want_v6 {
                        if address.v6 != v6 {
                            self.report(
                                Code::InvalidValue,
                                value,
                                format!(
                                    "`{text}` is an {} address in a family {} filter",
                                    if address.v6 { "IPv6" } else { "IPv4" },
                                    family.as_str()
                                ),
                            );
                            continue;
                        }
                    }
                    if flow && host_bits {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::InvalidValue,
                                self.loc(value),
                                format!("`{text}` has host bits set beyond its prefix length"),
                            )
                            .with_help(format!("a flow route's prefix must be the network address: `{address}`, or a longer prefix for the host")),
                        );
                    }
                    entries.push(AddressEntry {
                        address,
                        except,
                        loc: self.loc(value),
                    });
                }
                Err(message) => self.report(
                    Code::InvalidValue,
                    value,
                    format!("`{text}` is not a valid address: {message}"),
                ),
            }
        }
        entries
    }

    /// Reads the optional `except` after a list entry.
    fn except_flag(&mut self, value: NodeId) -> bool {
        let mut except = false;
        for flag in self.children(value) {
            if self.text(flag) == "except" {
                except = true;
                self.no_children(flag, format_args!("`except`"));
            } else {
                self.unknown(flag, "a list entry", &["except"]);
            }
        }
        except
    }

    fn prefix_list_refs(&mut self, node: NodeId) -> Vec<PrefixListRef> {
        self.children(node)
            .map(|value| PrefixListRef {
                name: self.name(value),
                except: self.except_flag(value),
            })
            .collect()
    }

    fn numbers(&mut self, node: NodeId, names: Names, max: Option<u64>) -> Vec<ValueRange> {
        let keyword = self.text(node);
        let mut ranges = Vec::with_capacity(self.children(node).count());
        if !self.has_children(node) {
            self.report(
                Code::SyntaxError,
                node,
                format!("`{keyword}` needs a value"),
            );
        }
        for value in self.children(node) {
            self.no_children(value, format_args!("a value"));
            let text = self.text(value);
            match values::parse_range(text, |name| keywords::lookup(names, name)) {
                Ok((lo, hi)) => {
                    if lo > hi {
                        self.report(
                            Code::InvalidValue,
                            value,
                            format!("range `{text}` is inverted: {lo} is greater than {hi}"),
                        );
                        continue;
                    }
                    if let Some(max) = max {
                        if hi > max {
                            self.diagnostics.push(Diagnostic::new(
                                Code::ValueOutOfRange,
                                self.loc(value),
                                format!(
                                    "`{keyword} {text}` is out of range: the field holds 0 to {max}"
                                ),
                            ));
                            if lo > max {
                                continue;
                            }
                            ranges.push(ValueRange {
                                lo,
                                hi: max,
                                loc: self.loc(value),
                            });
                            continue;
                        }
                    }
                    ranges.push(ValueRange {
                        lo,
                        hi,
                        loc: self.loc(value),
                    });
                }
                Err(NumberError::TooLarge) => self.report(
                    Code::InvalidValue,
                    value,
                    format!("`{text}` is too large to be a value of `{keyword}`"),
                ),
                Err(NumberError::Unknown) => {
                    let mut diagnostic = Diagnostic::new(
                        Code::InvalidValue,
                        self.loc(value),
                        format!(
                            "`{text}` is not a number, a range or a known name for `{keyword}`"
                        ),
                    );
                    if let Some(s) = did_you_mean(text, keywords::names(names)) {
                        diagnostic = diagnostic.with_help(format!("did you mean `{s}`?"));
                    }
                    self.diagnostics.push(diagnostic);
                }
            }
        }
        ranges
    }

    fn bit_expressions(&mut self, node: NodeId, names: &[(&str, u8)]) -> Option<BitSet256> {
        let mut set = BitSet256::default();
        let keyword = self.text(node);
        if !self.has_children(node) {
            self.report(
                Code::SyntaxError,
                node,
                format!("`{keyword}` needs a value"),
            );
            return None;
        }
        for value in self.children(node) {
            let text = self.text(value);
            match values::parse_bit_expression(text, names) {
                Ok(values) => {
                    for (i, word) in values.0.iter().enumerate() {
                        set.0[i] |= word;
                    }
                }
                Err(message) => {
                    self.report(
                        Code::InvalidValue,
                        value,
                        format!("`{text}` is not a valid `{keyword}` expression: {message}"),
                    );
                    return None;
                }
            }
        }
        Some(set)
    }

    fn fragments(&mut self, node: NodeId) -> Vec<FragmentKind> {
        let mut kinds = Vec::new();
        const NAMES: &[&str] = &[
            "is-fragment",
            "first-fragment",
            "last-fragment",
            "dont-fragment",
            "not-a-fragment",
        ];
        for value in self.children(node) {
            let kind = match self.text(value) {
                "is-fragment" => FragmentKind::IsFragment,
                "first-fragment" => FragmentKind::FirstFragment,
                "last-fragment" => FragmentKind::LastFragment,
                "dont-fragment" => FragmentKind::DontFragment,
                "not-a-fragment" => FragmentKind::NotAFragment,
                _ => {
                    self.unknown(value, "`fragment`", NAMES);
                    continue;
                }
            };
            kinds.push(kind);
        }
        kinds
    }

    fn actions(&mut self, node: NodeId, table: &[(&str, ActionShape)], place: &str) -> Vec<Action> {
        let mut actions = Vec::new();
        for child in self.children(node) {
            let word = self.text(child);
            let Some(&(_, shape)) = table.iter().find(|(name, _)| *name == word) else {
                self.unknown_among(child, place, table.iter().map(|(n, _)| *n));
                continue;
            };
            let kind = match shape {
                ActionShape::Terminating => match word {
                    "accept" | "discard" => {
                        self.no_children(child, format_args!("`{word}`"));
                        if word == "accept" {
                            ActionKind::Accept
                        } else {
                            ActionKind::Discard
                        }
                    }
                    _ => {
                        // `reject` takes an optional ICMP message type (`reject tcp-reset;`).
                        if self.tree.children(child).next().is_some() {
                            self.single_value(child);
                        }
                        ActionKind::Reject
                    }
                },
                ActionShape::Next => {
                    if word == "next" {
                        match self.single_value(child).map(|v| self.text(v)) {
                            Some("term") => {}
                            Some("filter") => {
                                self.report(
                                    Code::NotModeled,
                                    child,
                                    "`next filter` is not modeled; rulecheck treats it as `accept`"
                                        .into(),
                                );
                                actions.push(Action {
                                    kind: ActionKind::Accept,
                                    loc: self.loc(child),
                                });
                                continue;
                            }
                            Some(other) => {
                                self.report(
                                    Code::UnknownStatement,
                                    child,
                                    format!(
                                        "`next {other}` is not an action; did you mean `next term`?"
                                    ),
                                );
                                continue;
                            }
                            None => continue,
                        }
                    }
                    ActionKind::NextTerm
                }
                ActionShape::Modifier => {
                    self.no_children(child, format_args!("`{word}`"));
                    ActionKind::Modifier(word.to_owned())
                }
                // Lists of names: `community [ c1 c2 ]`, `apply-groups [ g1 g2 ]`.
                ActionShape::ModifierWithValue if matches!(word, "community" | "apply-groups") => {
                    if !self.has_children(child) {
                        self.report(Code::SyntaxError, child, format!("`{word}` needs a value"));
                    }
                    for value in self.children(child) {
                        self.no_children(value, format_args!("`{word} {}`", self.text(value)));
                    }
                    ActionKind::Modifier(word.to_owned())
                }
                ActionShape::ModifierWithValue => {
                    let value = self.single_value(child).map(|v| self.text(v).to_owned());
                    match word {
                        "count" => ActionKind::Count(value.unwrap_or_default()),
                        _ => ActionKind::Modifier(word.to_owned()),
                    }
                }
                ActionShape::Redirect => ActionKind::Redirect,
                ActionShape::Policer => {
                    // `three-color-policer { single-rate NAME; }` (or `two-rate NAME`): the name is one
                    // level down.
                    let rate = self.children(child).find(|&v| {
                        word == "three-color-policer"
                            && matches!(self.text(v), "single-rate" | "two-rate")
                    });
                    match self.single_value(rate.unwrap_or(child)) {
                        Some(v) => ActionKind::Policer(self.name(v)),
                        None => continue,
                    }
                }
                ActionShape::RateLimit => {
                    let Some(v) = self.single_value(child) else {
                        continue;
                    };
                    let text = self.text(v);
                    match values::parse_rate(text) {
                        Some(rate) => ActionKind::RateLimit(rate),
                        None => {
                            self.report(Code::InvalidValue, v, format!("`{text}` is not a rate: expected bits per second such as `10m` or `0`"));
                            continue;
                        }
                    }
                }
            };
            actions.push(Action {
                kind,
                loc: self.loc(child),
            });
        }
        actions
    }

    fn policer(&mut self, name: NodeId) {
        let mut policer = Policer {
            name: self.name(name),
            bandwidth_limit: None,
            burst_size_limit: None,
        };
        for child in self.children(name) {
            if self.text(child) == "if-exceeding" {
                for limit in self.children(child) {
                    let field = match self.text(limit) {
                        "bandwidth-limit" => &mut policer.bandwidth_limit,
                        "burst-size-limit" => &mut policer.burst_size_limit,
                        _ => continue,
                    };
                    if let Some(&value) = self.tree.children(limit).collect::<Vec<_>>().first() {
                        *field = values::parse_rate(self.text(value));
                    }
                }
            }
        }
        self.config.policers.push(policer);
    }

    fn routing_instances(&mut self, node: NodeId) {
        for instance in self.children(node) {
            for child in self.children(instance) {
                match self.text(child) {
                    "routing-options" => self.routing_options(child, Some(instance)),
                    "protocols" => self.protocols(child, Some(instance)),
                    _ => {}
                }
            }
        }
    }

    fn routing_options(&mut self, node: NodeId, instance: Option<NodeId>) {
        for child in self.children(node) {
            if self.text(child) == "flow" {
                self.flow(child, instance);
            }
        }
    }

    fn flow(&mut self, node: NodeId, instance: Option<NodeId>) {
        let mut table = FlowTable {
            instance: instance.map(|i| self.name(i)),
            term_order: TermOrder::Legacy,
            routes: Vec::new(),
        };
        for child in self.children(node) {
            match self.text(child) {
                "route" => {
                    for name in self.children(child) {
                        let route = self.route(name);
                        table.routes.push(route);
                    }
                }
                "term-order" => {
                    if let Some(v) = self.single_value(child) {
                        match self.text(v) {
                            "standard" => table.term_order = TermOrder::Standard,
                            "legacy" => table.term_order = TermOrder::Legacy,
                            other => self.report(
                                Code::InvalidValue,
                                v,
                                format!("`term-order {other}`: expected `standard` or `legacy`"),
                            ),
                        }
                    }
                }
                word if keywords::FLOW_STATEMENTS.contains(&word) => {}
                _ => self.unknown(child, "`routing-options flow`", keywords::FLOW_STATEMENTS),
            }
        }
        self.config.flow_tables.push(table);
    }

    fn route(&mut self, name: NodeId) -> FlowRoute {
        let first = self.diagnostics.len();
        let mut route = FlowRoute {
            name: self.name(name),
            conditions: Vec::new(),
            actions: Vec::new(),
        };
        for child in self.children(name) {
            match self.text(child) {
                "match" => {
                    // A flow route's family follows its destination; `Any` accepts either.
                    route.conditions = self.conditions(child, FLOW, Family::Any);
                }
                "then" => {
                    route.actions =
                        self.actions(child, keywords::FLOW_ACTIONS, "a flow route's `then`");
                }
                word if keywords::ROUTE.contains(&word) => {}
                _ => self.unknown(child, "a flow route", keywords::ROUTE),
            }
        }
        self.scope_findings(first, None, None, Some(name));
        route
    }

    fn policy_options(&mut self, node: NodeId) {
        for child in self.children(node) {
            if self.text(child) != "prefix-list" {
                continue;
            }
            for name in self.children(child) {
                let mut list = PrefixList {
                    name: self.name(name),
                    prefixes: Vec::new(),
                    apply_path: None,
                };
                for entry in self.children(name) {
                    let text = self.text(entry);
                    if text == "apply-path" {
                        list.apply_path = self.single_value(entry).map(|v| self.text(v).to_owned());
                        self.report(
                            Code::NotModeled,
                            entry,
                            format!("prefix list `{}` is built by `apply-path`; its prefixes are not modeled", list.name.text),
                        );
                        continue;
                    }
                    if text == "apply-groups" || text == "apply-groups-except" {
                        continue;
                    }
                    match values::parse_address(text) {
                        Ok((address, _)) => list.prefixes.push(AddressEntry {
                            address,
                            except: false,
                            loc: self.loc(entry),
                        }),
                        Err(message) => self.report(
                            Code::InvalidValue,
                            entry,
                            format!("`{text}` is not a valid prefix: {message}"),
                        ),
                    }
                }
                self.config.prefix_lists.push(list);
            }
        }
    }

    fn interfaces(&mut self, node: NodeId) {
        for ifd in self.children(node) {
            let name = self.text(ifd);
            if matches!(
                name,
                "interface-range"
                    | "apply-groups"
                    | "apply-groups-except"
                    | "traceoptions"
                    | "interface-set"
            ) {
                continue;
            }
            self.config.has_interfaces = true;
            let mut interface = Interface {
                name: self.name(ifd),
                mtu: None,
                units: Vec::new(),
            };
            for child in self.children(ifd) {
                match self.text(child) {
                    "mtu" => interface.mtu = self.mtu(child),
                    "unit" => {
                        for unit in self.children(child) {
                            let unit = self.unit(unit);
                            interface.units.push(unit);
                        }
                    }
                    _ => {}
                }
            }
            self.config.interfaces.push(interface);
        }
    }

    fn mtu(&mut self, node: NodeId) -> Option<u32> {
        let value = self.single_value(node)?;
        let text = self.text(value);
        match text.parse::<u32>() {
            Ok(mtu) if (256..=65_535 + 40 + 18).contains(&mtu) => Some(mtu),
            _ => {
                self.report(
                    Code::InvalidValue,
                    value,
                    format!("`mtu {text}` is not a valid MTU"),
                );
                None
            }
        }
    }

    fn unit(&mut self, node: NodeId) -> Unit {
        let mut unit = Unit {
            name: self.name(node),
            filters: Vec::new(),
            addresses: Vec::new(),
            mtu: None,
        };
        for child in self.children(node) {
            if self.text(child) != "family" {
                continue;
            }
            for family_node in self.children(child) {
                let family = match self.text(family_node) {
                    "inet" => Family::Inet,
                    "inet6" => Family::Inet6,
                    "any" => Family::Any,
                    _ => continue,
                };
                for stmt in self.children(family_node) {
                    match self.text(stmt) {
                        "filter" => self.bindings(stmt, family, &mut unit.filters),
                        "address" => {
                            for address in [stmt] {
                                for value in self.children(address) {
                                    let text = self.text(value);
                                    match values::parse_address(text) {
                                        Ok((address, _)) => unit.addresses.push(AddressEntry { address, except: false, loc: self.loc(value) }),
                                        Err(message) => self.report(Code::InvalidValue, value, format!("`{text}` is not a valid interface address: {message}")),
                                    }
                                }
                            }
                        }
                        "mtu" => unit.mtu = self.mtu(stmt),
                        _ => {}
                    }
                }
            }
        }
        unit
    }

    fn bindings(&mut self, node: NodeId, family: Family, out: &mut Vec<FilterBinding>) {
        for child in self.children(node) {
            let direction = match self.text(child) {
                "input" | "input-list" => Direction::Input,
                "output" | "output-list" => Direction::Output,
                _ => continue,
            };
            for (position, filter) in self.children(child).enumerate() {
                out.push(FilterBinding {
                    filter: self.name(filter),
                    family,
                    direction,
                    position,
                });
            }
        }
    }

    fn protocols(&mut self, node: NodeId, instance: Option<NodeId>) {
        for child in self.children(node) {
            if self.text(child) == "bgp" {
                self.bgp(child, instance);
            }
        }
    }

    fn local_address(&self, node: NodeId) -> Option<Address> {
        self.children(node)
            .find(|&c| self.text(c) == "local-address")
            .and_then(|c| {
                let value = self.children(c).next()?;
                values::parse_address(self.text(value)).ok().map(|(a, _)| a)
            })
    }

    fn bgp(&mut self, node: NodeId, instance: Option<NodeId>) {
        let instance_name = instance.map(|i| self.text(i).to_owned());
        let bgp_local = self.local_address(node);
        for child in self.children(node) {
            if self.text(child) != "group" {
                continue;
            }
            for group in self.children(child) {
                let group_local = self.local_address(group).or(bgp_local);
                for stmt in self.children(group) {
                    if self.text(stmt) != "neighbor" {
                        continue;
                    }
                    for neighbor in self.children(stmt) {
                        let text = self.text(neighbor);
                        match values::parse_address(text) {
                            Ok((address, _)) => self.config.bgp_neighbors.push(BgpNeighbor {
                                address,
                                loc: self.loc(neighbor),
                                local_address: self.local_address(neighbor).or(group_local),
                                instance: instance_name.clone(),
                            }),
                            Err(message) => self.report(
                                Code::InvalidValue,
                                neighbor,
                                format!("`{text}` is not a valid neighbor address: {message}"),
                            ),
                        }
                    }
                }
            }
        }
    }

    fn system(&mut self, node: NodeId) {
        for child in self.children(node) {
            if self.text(child) != "services" {
                continue;
            }
            for service in self.children(child) {
                let name = self.text(service);
                let ports: &[(u8, u16)] = match name {
                    "ssh" => &[(6, 22)],
                    "telnet" => &[(6, 23)],
                    "ftp" => &[(6, 21)],
                    "netconf" => &[(6, 830)],
                    "web-management" => &[(6, 80), (6, 443)],
                    _ => continue,
                };
                for &(protocol, port) in ports {
                    self.config.management.push(ManagementService {
                        name: name.to_owned(),
                        protocol,
                        port,
                        loc: self.loc(service),
                    });
                }
            }
        }
    }

    fn snmp(&mut self, node: NodeId) {
        if self
            .children(node)
            .any(|c| self.text(c) == "community" || self.text(c) == "v3")
        {
            self.config.management.push(ManagementService {
                name: "snmp".into(),
                protocol: 17,
                port: 161,
                loc: self.loc(node),
            });
        }
    }
}

/// Reads the `rulecheck:` directives of the tree (see [`crate::suppress`]): each one that is well formed and
/// stands before a deployed term, flow route or filter becomes a suppression; each one that is not is
/// reported (RC030).
pub fn suppressions(
    tree: &ConfigTree,
    sources: &SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Suppression> {
    let mut out = Vec::new();
    for annotation in &tree.annotations {
        let invalid = |message: String| {
            Diagnostic::new(Code::InvalidSuppression, annotation.text, message)
                .with_help("write `rulecheck: allow CODE reason: WHY` right before the term, flow route or filter")
        };
        let directive = match suppress::parse_directive(sources.text(annotation.text)) {
            Ok(directive) => directive,
            Err(message) => {
                diagnostics.push(invalid(format!(
                    "{message}; this suppression allows nothing"
                )));
                continue;
            }
        };
        let mut found = annotation.node.and_then(|node| {
            let mut node = node;
            loop {
                if let Some(element) = element(tree, sources, node) {
                    return Some((node, element));
                }
                if !annotation.innermost || node == ConfigTree::ROOT {
                    return None;
                }
                node = tree.node(node).parent;
            }
        });
        if let Some((node, _)) = found {
            if tree.is_inactive(node) || tree.node(node).deleted {
                // The element is not deployed: it has no findings to allow, and nothing to report.
                continue;
            }
        }
        let Some((node, element)) = found.take() else {
            let message = if annotation.node.is_none() && annotation.annotate {
                "`annotate` names a statement that is not configured before it; this suppression allows nothing"
            } else if annotation.annotate {
                "`annotate` must name a term, a flow route or a filter; this suppression allows nothing"
            } else {
                "a suppression must stand immediately before a term, a flow route or a filter; this one allows nothing"
            };
            diagnostics.push(invalid(message.into()));
            continue;
        };
        out.push(Suppression {
            codes: directive.codes,
            reason: directive.reason,
            loc: annotation.text,
            element,
            extent: extent(tree, node),
        });
    }
    out
}

/// "term `T` of filter `F`", "flow route `R`" or "filter `F`" if `node` names one of these.
fn element(tree: &ConfigTree, sources: &SourceMap, node: NodeId) -> Option<String> {
    let word = |n: NodeId| (n != ConfigTree::ROOT).then(|| sources.text(tree.node(n).word));
    let parent = tree.node(node).parent;
    let grandparent = tree.node(parent).parent;
    let name = word(node)?;
    match word(parent)? {
        // firewall family F filter NAME term T
        "term" if word(tree.node(grandparent).parent) == Some("filter") => {
            Some(format!("term `{name}` of filter `{}`", word(grandparent)?))
        }
        // routing-options flow route R
        "route" if word(grandparent) == Some("flow") => Some(format!("flow route `{name}`")),
        // firewall family F filter NAME, or the family-less `firewall filter NAME` (inet)
        "filter"
            if word(grandparent) == Some("firewall")
                || word(tree.node(grandparent).parent) == Some("family") =>
        {
            Some(format!("filter `{name}`"))
        }
        _ => None,
    }
}

/// The places of every statement and word under `node` (itself included), sorted, overlaps merged.
fn extent(tree: &ConfigTree, node: NodeId) -> Vec<Loc> {
    let mut locs = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        let node = tree.node(n);
        locs.push(node.statement());
        locs.push(node.word);
        stack.extend(tree.children(n));
    }
    locs.sort_unstable_by_key(|l| (l.file, l.span.start, l.span.end));
    let mut merged: Vec<Loc> = Vec::with_capacity(locs.len());
    for loc in locs {
        match merged.last_mut() {
            Some(last) if last.file == loc.file && loc.span.start <= last.span.end => {
                last.span.end = last.span.end.max(loc.span.end);
            }
            _ => merged.push(loc),
        }
    }
    merged
}
