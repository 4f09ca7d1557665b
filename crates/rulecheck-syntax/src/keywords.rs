//! The keyword tables: what rulecheck accepts where, and how each value is read.
//!
//! These tables are the single source of truth for the model builder and for `grammar/junos.ebnf`; a test
//! keeps the two in step. Sources: Juniper "Firewall Filter Match Conditions for IPv4 Traffic", "… for IPv6
//! Traffic", "… for Protocol-Independent Traffic", "Firewall Filter Terminating Actions", "Firewall Filter
//! Nonterminating Actions", and "flow (routing-options)" / "route (flow)" statement pages.

use crate::model::MatchField;

/// How a condition's values are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// Address prefixes, each optionally followed by `except`.
    Addresses,
    /// Prefix-list names, each optionally followed by `except`.
    PrefixLists,
    /// Numbers, ranges `lo-hi`, and the names of [`Names`]; `max` is the largest value the field holds.
    Numbers(Names, u64),
    /// `packet-length`: numbers and ranges, checked against the IP maximum by the evaluator (RC101).
    Length,
    /// A TCP flag expression such as `"(syn & !ack) | rst"`.
    TcpFlags,
    /// A fragment-flag expression such as `"more-fragments"`.
    FragmentFlags,
    /// A condition without value (`tcp-established`, `is-fragment`, …).
    Flag,
    /// Flow-route `fragment` states (`is-fragment`, `first-fragment`, `last-fragment`, `dont-fragment`,
    /// `not-a-fragment`).
    Fragments,
    /// Values rulecheck does not model.
    Opaque,
}

/// Named value tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Names {
    /// No names: numbers only.
    None,
    /// Port names (`http`, `bgp`, …).
    Ports,
    /// Protocol names (`tcp`, `udp`, …).
    Protocols,
    /// ICMP type names for IPv4.
    IcmpTypes,
    /// ICMPv6 type names.
    Icmp6Types,
    /// ICMP code names.
    IcmpCodes,
    /// DSCP code points (`ef`, `af11`, …).
    Dscp,
    /// IP precedence names (`routine`, `net-control`, …).
    Precedence,
}

/// Where a condition may appear.
pub const INET: u8 = 1;
/// IPv6 filters.
pub const INET6: u8 = 2;
/// `family any` filters.
pub const ANY: u8 = 4;
/// Flow-route `match`.
pub const FLOW: u8 = 8;

/// One match condition keyword.
#[derive(Clone, Copy, Debug)]
pub struct ConditionKeyword {
    /// The keyword.
    pub name: &'static str,
    /// The field it tests ([`MatchField::NotModeled`] for conditions rulecheck does not model).
    pub field: MatchField,
    /// The `-except` form.
    pub except: bool,
    /// How its values are read.
    pub kind: ValueKind,
    /// Where it is valid: a mask of [`INET`], [`INET6`], [`ANY`], [`FLOW`].
    pub places: u8,
}

const IP: u8 = INET | INET6;

macro_rules! conditions {
    ($($name:literal => $field:ident, $except:literal, $kind:expr, $places:expr;)*) => {
        /// Every match condition rulecheck knows.
        pub const CONDITIONS: &[ConditionKeyword] = &[
            $(ConditionKeyword { name: $name, field: MatchField::$field, except: $except, kind: $kind, places: $places },)*
        ];
    };
}

use Names as N;
use ValueKind as V;

conditions! {
    "address" => Address, false, V::Addresses, IP;
    "source-address" => SourceAddress, false, V::Addresses, IP;
    "destination-address" => DestinationAddress, false, V::Addresses, IP;
    "prefix-list" => Address, false, V::PrefixLists, IP;
    "source-prefix-list" => SourceAddress, false, V::PrefixLists, IP;
    "destination-prefix-list" => DestinationAddress, false, V::PrefixLists, IP;
    "protocol" => Protocol, false, V::Numbers(N::Protocols, 255), INET;
    "protocol-except" => Protocol, true, V::Numbers(N::Protocols, 255), INET;
    "next-header" => Protocol, false, V::Numbers(N::Protocols, 255), INET6;
    "next-header-except" => Protocol, true, V::Numbers(N::Protocols, 255), INET6;
    "payload-protocol" => Protocol, false, V::Numbers(N::Protocols, 255), INET6;
    "payload-protocol-except" => Protocol, true, V::Numbers(N::Protocols, 255), INET6;
    "port" => Port, false, V::Numbers(N::Ports, 65535), IP;
    "port-except" => Port, true, V::Numbers(N::Ports, 65535), IP;
    "source-port" => SourcePort, false, V::Numbers(N::Ports, 65535), IP;
    "source-port-except" => SourcePort, true, V::Numbers(N::Ports, 65535), IP;
    "destination-port" => DestinationPort, false, V::Numbers(N::Ports, 65535), IP;
    "destination-port-except" => DestinationPort, true, V::Numbers(N::Ports, 65535), IP;
    "icmp-type" => IcmpType, false, V::Numbers(N::IcmpTypes, 255), IP;
    "icmp-type-except" => IcmpType, true, V::Numbers(N::IcmpTypes, 255), IP;
    "icmp-code" => IcmpCode, false, V::Numbers(N::IcmpCodes, 255), IP;
    "icmp-code-except" => IcmpCode, true, V::Numbers(N::IcmpCodes, 255), IP;
    "tcp-flags" => TcpFlags, false, V::TcpFlags, IP;
    "tcp-established" => TcpFlags, false, V::Flag, IP;
    "tcp-initial" => TcpFlags, false, V::Flag, IP;
    "packet-length" => PacketLength, false, V::Length, IP | ANY;
    "packet-length-except" => PacketLength, true, V::Length, IP | ANY;
    "dscp" => Dscp, false, V::Numbers(N::Dscp, 63), INET;
    "dscp-except" => Dscp, true, V::Numbers(N::Dscp, 63), INET;
    "precedence" => Dscp, false, V::Numbers(N::Precedence, 7), INET;
    "precedence-except" => Dscp, true, V::Numbers(N::Precedence, 7), INET;
    "traffic-class" => Dscp, false, V::Numbers(N::Dscp, 63), INET6;
    "traffic-class-except" => Dscp, true, V::Numbers(N::Dscp, 63), INET6;
    "ttl" => Ttl, false, V::Numbers(N::None, 255), INET;
    "ttl-except" => Ttl, true, V::Numbers(N::None, 255), INET;
    "hop-limit" => Ttl, false, V::Numbers(N::None, 255), INET6;
    "hop-limit-except" => Ttl, true, V::Numbers(N::None, 255), INET6;
    "fragment-offset" => FragmentOffset, false, V::Numbers(N::None, 8191), INET;
    "fragment-offset-except" => FragmentOffset, true, V::Numbers(N::None, 8191), INET;
    "fragment-flags" => FragmentFlags, false, V::FragmentFlags, INET;
    "is-fragment" => Fragment, false, V::Flag, IP;
    "first-fragment" => Fragment, false, V::Flag, INET;
    "last-fragment" => Fragment, false, V::Flag, INET;
    // Conditions on router state rather than packet headers, or on headers rulecheck does not model.
    "ah-spi" => NotModeled, false, V::Opaque, INET;
    "ah-spi-except" => NotModeled, true, V::Opaque, INET;
    "esp-spi" => NotModeled, false, V::Opaque, INET;
    "esp-spi-except" => NotModeled, true, V::Opaque, INET;
    "destination-class" => NotModeled, false, V::Opaque, IP;
    "destination-class-except" => NotModeled, true, V::Opaque, IP;
    "source-class" => NotModeled, false, V::Opaque, IP;
    "source-class-except" => NotModeled, true, V::Opaque, IP;
    "extension-header" => NotModeled, false, V::Opaque, INET6;
    "extension-header-except" => NotModeled, true, V::Opaque, INET6;
    "flexible-match-mask" => NotModeled, false, V::Opaque, IP | ANY;
    "flexible-match-range" => NotModeled, false, V::Opaque, IP | ANY;
    "forwarding-class" => NotModeled, false, V::Opaque, IP | ANY;
    "forwarding-class-except" => NotModeled, true, V::Opaque, IP | ANY;
    "gre-key" => NotModeled, false, V::Opaque, INET;
    "interface" => NotModeled, false, V::Opaque, IP | ANY;
    "interface-group" => NotModeled, false, V::Opaque, IP | ANY;
    "interface-group-except" => NotModeled, true, V::Opaque, IP | ANY;
    "interface-set" => NotModeled, false, V::Opaque, IP | ANY;
    "ip-options" => NotModeled, false, V::Opaque, INET;
    "ip-options-except" => NotModeled, true, V::Opaque, INET;
    "ip-version" => NotModeled, false, V::Opaque, IP;
    "loss-priority" => NotModeled, false, V::Opaque, IP | ANY;
    "loss-priority-except" => NotModeled, true, V::Opaque, IP | ANY;
    "policy-map" => NotModeled, false, V::Opaque, IP | ANY;
    "policy-map-except" => NotModeled, true, V::Opaque, IP | ANY;
    "service-filter-hit" => NotModeled, false, V::Opaque, IP;
    "source-mac-address" => NotModeled, false, V::Opaque, IP;
    "destination-mac-address" => NotModeled, false, V::Opaque, IP;
    "vlan-ether-type" => NotModeled, false, V::Opaque, IP | ANY;
    "vlan-ether-type-except" => NotModeled, true, V::Opaque, IP | ANY;
    "apply-groups" => NotModeled, false, V::Opaque, IP | ANY;
    // Flow-route `match` (RFC 8955 §4.2.2 components, Junos "match (Routing Options)").
    "destination" => DestinationAddress, false, V::Addresses, FLOW;
    "source" => SourceAddress, false, V::Addresses, FLOW;
    "fragment" => Fragment, false, V::Fragments, FLOW;
}

/// Match conditions of layer-2 families (Junos "Firewall Filter Match Conditions for Layer 2 Bridging
/// Traffic", "… for VPLS Traffic"). Generated filters sometimes carry them in inet filters; rulecheck
/// reports them as not modeled there rather than as unknown.
pub const LAYER2_CONDITIONS: &[&str] = &[
    "ether-type",
    "ether-type-except",
    "traffic-type",
    "traffic-type-except",
    "learn-vlan-id",
    "learn-vlan-1p-priority",
    "user-vlan-id",
    "user-vlan-1p-priority",
    "ip-protocol",
    "ip-protocol-except",
    "ip-source-address",
    "ip-destination-address",
    "ip-address",
    "ip-precedence",
    "ip-precedence-except",
    "ip-version",
    "source-mac-address",
    "destination-mac-address",
    "vlan-ether-type",
];

/// Flow-route match conditions that share a keyword with filters.
pub const FLOW_SHARED: &[&str] = &[
    "protocol",
    "port",
    "destination-port",
    "source-port",
    "icmp-type",
    "icmp-code",
    "tcp-flags",
    "packet-length",
    "dscp",
];

/// The condition keyword `name` valid in `place`.
pub fn condition(name: &str, place: u8) -> Option<&'static ConditionKeyword> {
    if place == FLOW && FLOW_SHARED.contains(&name) {
        return CONDITIONS.iter().find(|c| c.name == name);
    }
    CONDITIONS
        .iter()
        .find(|c| c.name == name && c.places & place != 0)
}

/// The condition keywords valid in `place`, for "did you mean".
pub fn conditions_in(place: u8) -> impl Iterator<Item = &'static str> {
    CONDITIONS
        .iter()
        .filter(move |c| c.places & place != 0 || (place == FLOW && FLOW_SHARED.contains(&c.name)))
        .map(|c| c.name)
}

/// What a `then` keyword is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionShape {
    /// Terminating: `accept`, `discard`, `reject`.
    Terminating,
    /// `next term` (filters) / `next-term` (flow routes).
    Next,
    /// Non-terminating action that takes no value.
    Modifier,
    /// Non-terminating action followed by a value (`count NAME`, `forwarding-class NAME`, …).
    ModifierWithValue,
    /// Sends the packet elsewhere (accepts it): `routing-instance`, `next-ip`, ….
    Redirect,
    /// References a policer.
    Policer,
    /// Flow `rate-limit`.
    RateLimit,
}

/// Filter `then` actions. Junos "Firewall Filter Terminating Actions" and "Nonterminating Actions".
pub const FILTER_ACTIONS: &[(&str, ActionShape)] = &[
    ("accept", ActionShape::Terminating),
    ("discard", ActionShape::Terminating),
    ("reject", ActionShape::Terminating),
    ("next", ActionShape::Next),
    ("routing-instance", ActionShape::Redirect),
    ("topology", ActionShape::Redirect),
    ("next-ip", ActionShape::Redirect),
    ("next-ip6", ActionShape::Redirect),
    ("next-interface", ActionShape::Redirect),
    ("encapsulate", ActionShape::Redirect),
    ("decapsulate", ActionShape::Redirect),
    ("count", ActionShape::ModifierWithValue),
    ("traffic-class-count", ActionShape::ModifierWithValue),
    ("policer", ActionShape::Policer),
    ("three-color-policer", ActionShape::Policer),
    ("hierarchical-policer", ActionShape::Policer),
    ("forwarding-class", ActionShape::ModifierWithValue),
    ("loss-priority", ActionShape::ModifierWithValue),
    ("dscp", ActionShape::ModifierWithValue),
    ("traffic-class", ActionShape::ModifierWithValue),
    ("prefix-action", ActionShape::ModifierWithValue),
    ("service-accounting", ActionShape::Modifier),
    ("service-filter-hit", ActionShape::Modifier),
    ("log", ActionShape::Modifier),
    ("syslog", ActionShape::Modifier),
    ("sample", ActionShape::Modifier),
    ("port-mirror", ActionShape::Modifier),
    ("port-mirror-instance", ActionShape::ModifierWithValue),
    ("packet-mode", ActionShape::Modifier),
    ("virtual-channel", ActionShape::ModifierWithValue),
    ("ipsec-sa", ActionShape::ModifierWithValue),
    ("analyzer", ActionShape::ModifierWithValue),
    ("apply-groups", ActionShape::ModifierWithValue),
];

/// Flow-route `then` actions (RFC 8955 §7 traffic filtering actions; Junos "then (Routing Options Flow)").
pub const FLOW_ACTIONS: &[(&str, ActionShape)] = &[
    ("accept", ActionShape::Terminating),
    ("discard", ActionShape::Terminating),
    ("rate-limit", ActionShape::RateLimit),
    ("next-term", ActionShape::Next),
    ("routing-instance", ActionShape::Redirect),
    ("redirect", ActionShape::Redirect),
    ("community", ActionShape::ModifierWithValue),
    ("mark", ActionShape::ModifierWithValue),
    ("sample", ActionShape::Modifier),
    ("count", ActionShape::ModifierWithValue),
];

/// Top-level statements of a Junos configuration.
pub const TOP_LEVEL: &[&str] = &[
    "version",
    "groups",
    "apply-groups",
    "apply-groups-except",
    "system",
    "chassis",
    "interfaces",
    "snmp",
    "forwarding-options",
    "routing-options",
    "protocols",
    "policy-options",
    "class-of-service",
    "firewall",
    "routing-instances",
    "security",
    "services",
    "event-options",
    "vlans",
    "bridge-domains",
    "logical-systems",
    "access",
    "access-profile",
    "accounting-options",
    "applications",
    "switch-options",
    "ethernet-switching-options",
    "virtual-chassis",
    "multi-chassis",
    "multicast-snooping-options",
    "dynamic-profiles",
    "poe",
    "jsrc",
    "jsrc-partition",
    "diameter",
    "tenants",
    "fabric",
    "smtp",
    "schedulers",
    "session-limit-group",
    "wlan",
    "rcsid",
    "unified-edge",
    "virtual-network-controller",
    "protocols-dot1x",
    "system-services",
];

/// Statements directly under `firewall`.
pub const FIREWALL: &[&str] = &[
    "family",
    "filter",
    "policer",
    "three-color-policer",
    "hierarchical-policer",
    "interface-set",
    "load-balance-group",
    "atm-policer",
    "flexible-match",
    "tunnel-end-point",
    "apply-groups",
    "apply-groups-except",
];

/// Statements under `firewall family inet|inet6|any`.
pub const FAMILY: &[&str] = &[
    "filter",
    "service-filter",
    "simple-filter",
    "prefix-action",
    "fast-update-filter",
    "apply-groups",
    "apply-groups-except",
];

/// Statements under `filter NAME`.
pub const FILTER: &[&str] = &[
    "term",
    "interface-specific",
    "physical-interface-filter",
    "instance-shared",
    "enhanced-mode",
    "enhanced-mode-override",
    "accounting-profile",
    "filter-specific",
    "fast-lookup-filter",
    "interface-shared",
    "apply-groups",
    "apply-groups-except",
];

/// Statements under `term NAME`.
pub const TERM: &[&str] = &["from", "then", "filter", "only-at-create", "apply-groups"];

/// Statements under `routing-options flow`.
pub const FLOW_STATEMENTS: &[&str] = &[
    "route",
    "term-order",
    "validation",
    "firewall-install-disable",
    "per-route-accounting",
    "interface-group",
    "apply-groups",
];

/// Statements under `flow route NAME`.
pub const ROUTE: &[&str] = &["match", "then", "apply-groups"];

/// Port names. Junos "Supported port names" (the `port` statement's text synonyms).
pub const PORT_NAMES: &[(&str, u16)] = &[
    ("afs", 1483),
    ("bgp", 179),
    ("biff", 512),
    ("bootpc", 68),
    ("bootps", 67),
    ("cmd", 514),
    ("cvspserver", 2401),
    ("dhcp", 67),
    ("domain", 53),
    ("eklogin", 2105),
    ("ekshell", 2106),
    ("exec", 512),
    ("finger", 79),
    ("ftp", 21),
    ("ftp-data", 20),
    ("http", 80),
    ("https", 443),
    ("ident", 113),
    ("imap", 143),
    ("kerberos-sec", 88),
    ("klogin", 543),
    ("kpasswd", 761),
    ("krb-prop", 754),
    ("krbupdate", 760),
    ("kshell", 544),
    ("ldap", 389),
    ("ldp", 646),
    ("login", 513),
    ("mobileip-agent", 434),
    ("mobilip-mn", 435),
    ("msdp", 639),
    ("netbios-dgm", 138),
    ("netbios-ns", 137),
    ("netbios-ssn", 139),
    ("nfsd", 2049),
    ("nntp", 119),
    ("ntalk", 518),
    ("ntp", 123),
    ("pop3", 110),
    ("pptp", 1723),
    ("printer", 515),
    ("radacct", 1813),
    ("radius", 1812),
    ("rip", 520),
    ("rkinit", 2108),
    ("smtp", 25),
    ("snmp", 161),
    ("snmptrap", 162),
    ("snpp", 444),
    ("socks", 1080),
    ("ssh", 22),
    ("sunrpc", 111),
    ("syslog", 514),
    ("tacacs", 49),
    ("tacacs-ds", 65),
    ("talk", 517),
    ("telnet", 23),
    ("tftp", 69),
    ("timed", 525),
    ("who", 513),
    ("xdmcp", 177),
    ("zephyr-clt", 2103),
    ("zephyr-hm", 2104),
    ("zephyr-srv", 2102),
];

/// Protocol names (IANA protocol numbers).
pub const PROTOCOL_NAMES: &[(&str, u8)] = &[
    ("hop-by-hop", 0),
    ("icmp", 1),
    ("igmp", 2),
    ("ipip", 4),
    ("tcp", 6),
    ("egp", 8),
    ("udp", 17),
    ("ipv6", 41),
    ("routing", 43),
    ("fragment", 44),
    ("rsvp", 46),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("icmp6", 58),
    ("icmpv6", 58),
    ("no-next-header", 59),
    ("dstopts", 60),
    ("ospf", 89),
    ("pim", 103),
    ("vrrp", 112),
    ("l2tp", 115),
    ("sctp", 132),
    ("mobility", 135),
];

/// ICMP type names (RFC 792 and the IANA registry).
pub const ICMP_TYPE_NAMES: &[(&str, u8)] = &[
    ("echo-reply", 0),
    ("unreachable", 3),
    ("source-quench", 4),
    ("redirect", 5),
    ("echo-request", 8),
    ("router-advertisement", 9),
    ("router-solicit", 10),
    ("time-exceeded", 11),
    ("parameter-problem", 12),
    ("timestamp", 13),
    ("timestamp-reply", 14),
    ("info-request", 15),
    ("info-reply", 16),
    ("mask-request", 17),
    ("mask-reply", 18),
];

/// ICMPv6 type names (RFC 4443, RFC 4861 and the IANA registry).
pub const ICMP6_TYPE_NAMES: &[(&str, u8)] = &[
    ("destination-unreachable", 1),
    ("packet-too-big", 2),
    ("time-exceeded", 3),
    ("parameter-problem", 4),
    ("private-experimentation-100", 100),
    ("private-experimentation-101", 101),
    ("echo-request", 128),
    ("echo-reply", 129),
    ("membership-query", 130),
    ("membership-report", 131),
    ("membership-termination", 132),
    ("router-solicit", 133),
    ("router-advertisement", 134),
    ("neighbor-solicit", 135),
    ("neighbor-advertisement", 136),
    ("redirect", 137),
    ("router-renumbering", 138),
    ("node-information-request", 139),
    ("node-information-reply", 140),
    ("inverse-neighbor-discovery-solicitation", 141),
    ("inverse-neighbor-discovery-advertisement", 142),
    ("home-agent-address-discovery-request", 144),
    ("home-agent-address-discovery-reply", 145),
    ("mobile-prefix-solicitation", 146),
    ("mobile-prefix-advertisement-reply", 147),
    ("certificate-path-solicitation", 148),
    ("certificate-path-advertisement", 149),
    ("private-experimentation-200", 200),
    ("private-experimentation-201", 201),
];

/// ICMP code names (RFC 792, RFC 1812).
pub const ICMP_CODE_NAMES: &[(&str, u8)] = &[
    ("network-unreachable", 0),
    ("host-unreachable", 1),
    ("protocol-unreachable", 2),
    ("port-unreachable", 3),
    ("fragmentation-needed", 4),
    ("source-route-failed", 5),
    ("destination-network-unknown", 6),
    ("destination-host-unknown", 7),
    ("source-host-isolated", 8),
    ("destination-network-prohibited", 9),
    ("destination-host-prohibited", 10),
    ("network-unreachable-for-tos", 11),
    ("host-unreachable-for-tos", 12),
    ("communication-prohibited-by-filtering", 13),
    ("host-precedence-violation", 14),
    ("precedence-cutoff-in-effect", 15),
    ("redirect-for-network", 0),
    ("redirect-for-host", 1),
    ("redirect-for-tos-and-net", 2),
    ("redirect-for-tos-and-host", 3),
    ("ttl-eq-zero-during-transit", 0),
    ("ttl-eq-zero-during-reassembly", 1),
    ("ip-header-bad", 0),
    ("required-option-missing", 1),
];

/// DSCP code point names (RFC 2474 class selectors, RFC 2597 AF, RFC 3246 EF).
pub const DSCP_NAMES: &[(&str, u8)] = &[
    ("be", 0),
    ("cs0", 0),
    ("cs1", 8),
    ("cs2", 16),
    ("cs3", 24),
    ("cs4", 32),
    ("cs5", 40),
    ("cs6", 48),
    ("cs7", 56),
    ("af11", 10),
    ("af12", 12),
    ("af13", 14),
    ("af21", 18),
    ("af22", 20),
    ("af23", 22),
    ("af31", 26),
    ("af32", 28),
    ("af33", 30),
    ("af41", 34),
    ("af42", 36),
    ("af43", 38),
    ("ef", 46),
];

/// IP precedence names (RFC 791).
pub const PRECEDENCE_NAMES: &[(&str, u8)] = &[
    ("routine", 0),
    ("priority", 1),
    ("immediate", 2),
    ("flash", 3),
    ("flash-override", 4),
    ("critical-ecp", 5),
    ("internet-control", 6),
    ("net-control", 7),
];

/// TCP flag names and bits (RFC 9293 §3.1; Junos bit-field synonyms).
pub const TCP_FLAG_NAMES: &[(&str, u8)] = &[
    ("fin", 0x01),
    ("syn", 0x02),
    ("rst", 0x04),
    ("push", 0x08),
    ("ack", 0x10),
    ("urgent", 0x20),
];

/// Fragment flag names and their bits in rulecheck's 3-bit encoding (more-fragments 0x1, dont-fragment 0x2,
/// reserved 0x4). Flow routes (RFC 8955 §4.2.2.12) add `is-fragment`, `first-fragment`, `last-fragment`.
pub const FRAGMENT_FLAG_NAMES: &[(&str, u8)] = &[
    ("more-fragments", 0x1),
    ("dont-fragment", 0x2),
    ("reserved", 0x4),
];

/// The value of `name` in `table`.
pub fn lookup(names: Names, name: &str) -> Option<u64> {
    fn find<T: Copy + Into<u64>>(table: &[(&str, T)], name: &str) -> Option<u64> {
        table
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, v)| v.into())
    }
    match names {
        Names::None => None,
        Names::Ports => find(PORT_NAMES, name),
        Names::Protocols => find(PROTOCOL_NAMES, name),
        Names::IcmpTypes => find(ICMP_TYPE_NAMES, name).or_else(|| find(ICMP6_TYPE_NAMES, name)),
        Names::Icmp6Types => find(ICMP6_TYPE_NAMES, name),
        Names::IcmpCodes => find(ICMP_CODE_NAMES, name),
        Names::Dscp => find(DSCP_NAMES, name),
        Names::Precedence => find(PRECEDENCE_NAMES, name),
    }
}

/// The names of `table`, for "did you mean".
pub fn names(names: Names) -> Vec<&'static str> {
    fn keys<T>(table: &'static [(&'static str, T)]) -> Vec<&'static str> {
        table.iter().map(|(n, _)| *n).collect()
    }
    match names {
        Names::None => Vec::new(),
        Names::Ports => keys(PORT_NAMES),
        Names::Protocols => keys(PROTOCOL_NAMES),
        Names::IcmpTypes => keys(ICMP_TYPE_NAMES),
        Names::Icmp6Types => keys(ICMP6_TYPE_NAMES),
        Names::IcmpCodes => keys(ICMP_CODE_NAMES),
        Names::Dscp => keys(DSCP_NAMES),
        Names::Precedence => keys(PRECEDENCE_NAMES),
    }
}

/// The candidate closest to `word` by edit distance, if close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let length = word.chars().count();
    let limit = (length / 3).clamp(1, 3);
    candidates
        .into_iter()
        // The distance is at least the difference in length: skip the quadratic comparison of a long word
        // with a short keyword.
        .filter(|c| c.chars().count().abs_diff(length) <= limit)
        .map(|c| (edit_distance(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Edit distance counting a swap of neighbours as one edit (optimal string alignment), so `tpc` is one
/// edit from `tcp`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(edit_distance("tpc", "tcp"), 1);
        assert_eq!(did_you_mean("tpc", names(Names::Protocols)), Some("tcp"));
        assert_eq!(
            did_you_mean("destination-prot", conditions_in(INET)),
            Some("destination-port")
        );
        assert_eq!(did_you_mean("zzzzzz", conditions_in(INET)), None);
    }
}
