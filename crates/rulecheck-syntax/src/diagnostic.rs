//! Findings: what every stage of rulecheck reports.

use std::fmt;

use crate::span::Loc;

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; never blocks by default.
    Info,
    /// Probably wrong.
    Warning,
    /// Would crash a router, blackhole traffic, or is not valid configuration.
    Error,
}

impl Severity {
    /// The lowercase name used in output and in `rulecheck.toml`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `error`, `warning` or `info`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $name:literal, $severity:ident;)*) => {
        /// A rule code. Codes are stable and never reused.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $(
                #[doc = concat!("`", $code, "` ", $name)]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as users write it, e.g. `RC101`.
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code),* }
            }

            /// The kebab-case name, e.g. `packet-length-impossible`.
            pub const fn name(self) -> &'static str {
                match self { $(Code::$variant => $name),* }
            }

            /// The severity unless the config file overrides it.
            pub const fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity),* }
            }
        }
    };
}

codes! {
    SyntaxError = "RC001", "syntax-error", Error;
    UnknownStatement = "RC002", "unknown-statement", Error;
    InvalidValue = "RC003", "invalid-value", Error;
    UndefinedReference = "RC010", "undefined-reference", Error;
    UnusedDefinition = "RC011", "unused-definition", Warning;
    NotModeled = "RC020", "not-modeled", Warning;
    InvalidSuppression = "RC030", "invalid-suppression", Error;
    UnusedSuppression = "RC031", "unused-suppression", Warning;
    AnalysisLimit = "RC090", "analysis-limit", Error;
    PacketLengthImpossible = "RC101", "packet-length-impossible", Error;
    PacketLengthOverMtu = "RC102", "packet-length-over-mtu", Warning;
    PacketLengthTooSmall = "RC103", "packet-length-too-small", Warning;
    ValueOutOfRange = "RC104", "value-out-of-range", Error;
    TermExpansionOverBudget = "RC201", "term-expansion-over-budget", Error;
    FilterOverBudget = "RC202", "filter-over-budget", Error;
    FlowRoutesOverBudget = "RC203", "flow-routes-over-budget", Error;
    ShadowedTerm = "RC301", "shadowed-term", Error;
    RedundantTerm = "RC302", "redundant-term", Warning;
    EmptyMatch = "RC303", "empty-match", Error;
    CorrelatedTerms = "RC304", "correlated-terms", Info;
    AmbiguousFlowRoutes = "RC305", "ambiguous-flow-routes", Warning;
    ConflictingConditions = "RC306", "conflicting-conditions", Error;
    ImplicitDiscard = "RC401", "implicit-discard", Warning;
    ProtectedFlowDiscarded = "RC402", "protected-flow-discarded", Error;
    BroadDiscard = "RC403", "broad-discard", Error;
    FlowRouteWithoutDestination = "RC404", "flow-route-without-destination", Error;
    ControlPlaneLockout = "RC405", "control-plane-lockout", Error;
    RateLimitZero = "RC406", "rate-limit-zero", Info;
    ChangeDiscardsProtected = "RC501", "change-discards-protected", Error;
    ChangeDiscards = "RC502", "change-discards", Info;
    ChangeAccepts = "RC503", "change-accepts", Warning;
}

impl Code {
    /// Looks a code up by `RC101` or by its name.
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(text) || c.name() == text)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary place a finding points at ("blocked by term `allow-web` here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub loc: Loc,
    /// What it is.
    pub message: String,
}

/// A concrete packet that demonstrates a finding, in the JSON wire form of `witness`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Witness {
    /// `inet` or `inet6`.
    pub family: &'static str,
    /// IP protocol / IPv6 next header.
    pub protocol: u8,
    /// Source address.
    pub source: String,
    /// Destination address.
    pub destination: String,
    /// Source port, for TCP, UDP and SCTP.
    pub source_port: Option<u16>,
    /// Destination port, for TCP, UDP and SCTP.
    pub destination_port: Option<u16>,
    /// ICMP type, for ICMP and ICMPv6.
    pub icmp_type: Option<u8>,
    /// ICMP code, for ICMP and ICMPv6.
    pub icmp_code: Option<u8>,
    /// TCP flags byte, for TCP.
    pub tcp_flags: Option<u8>,
    /// Total IP packet length in bytes.
    pub packet_length: u32,
    /// DSCP (IPv6: the traffic class's upper six bits).
    pub dscp: u8,
    /// Fragment offset in 8-byte units.
    pub fragment_offset: u16,
    /// TTL or hop limit.
    pub ttl: u8,
    /// The packet in one line, as a person reads it.
    pub summary: String,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule that fired.
    pub code: Code,
    /// The severity after `rulecheck.toml` overrides.
    pub severity: Severity,
    /// One sentence saying what is wrong.
    pub message: String,
    /// The place the finding is about.
    pub loc: Loc,
    /// Other places involved.
    pub related: Vec<Label>,
    /// Advice, if there is one.
    pub help: Option<String>,
    /// The filter concerned, if any.
    pub filter: Option<String>,
    /// The term concerned, if any.
    pub term: Option<String>,
    /// The flow route concerned, if any.
    pub route: Option<String>,
    /// An example packet, where one exists.
    pub witness: Option<Witness>,
}

impl Diagnostic {
    /// A finding of `code` at `loc` with its default severity.
    pub fn new(code: Code, loc: Loc, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.default_severity(),
            message: message.into(),
            loc,
            related: Vec::new(),
            help: None,
            filter: None,
            term: None,
            route: None,
            witness: None,
        }
    }

    /// Adds advice.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a secondary place.
    #[must_use]
    pub fn with_related(mut self, loc: Loc, message: impl Into<String>) -> Self {
        self.related.push(Label {
            loc,
            message: message.into(),
        });
        self
    }

    /// Names the filter and term concerned.
    #[must_use]
    pub fn in_term(mut self, filter: &str, term: Option<&str>) -> Self {
        self.filter = Some(filter.to_owned());
        self.term = term.map(str::to_owned);
        self
    }

    /// Names the flow route concerned.
    #[must_use]
    pub fn in_route(mut self, route: &str) -> Self {
        self.route = Some(route.to_owned());
        self
    }

    /// Attaches an example packet.
    #[must_use]
    pub fn with_witness(mut self, witness: Witness) -> Self {
        self.witness = Some(witness);
        self
    }
}

/// Sorts findings into their canonical order: file, position, code, message.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (
            a.loc.file,
            a.loc.span.start,
            a.loc.span.end,
            a.code,
            &a.message,
        )
            .cmp(&(
                b.loc.file,
                b.loc.span.start,
                b.loc.span.end,
                b.code,
                &b.message,
            ))
    });
}
