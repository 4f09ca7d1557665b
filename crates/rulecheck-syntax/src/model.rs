//! The typed rule model: what the evaluator reasons about.
//!
//! Everything here is deployed configuration: inactive statements never reach the model. Every item keeps the
//! location of the words it came from so that findings can point at them.

use crate::span::Loc;

/// A name as written, with its location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    /// The text.
    pub text: String,
    /// Where it is written.
    pub loc: Loc,
}

/// A firewall filter family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// IPv4.
    Inet,
    /// IPv6.
    Inet6,
    /// Protocol-independent filters: conditions only on fields every family has.
    Any,
}

impl Family {
    /// The Junos keyword.
    pub const fn as_str(self) -> &'static str {
        match self {
            Family::Inet => "inet",
            Family::Inet6 => "inet6",
            Family::Any => "any",
        }
    }
}

/// The whole deployed configuration of one unit (a file, or files merged).
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// `firewall family (inet|inet6|any) filter`, in order of appearance.
    pub filters: Vec<Filter>,
    /// `routing-options flow`, the main instance first, then each routing instance that has flow routes.
    pub flow_tables: Vec<FlowTable>,
    /// `policy-options prefix-list`.
    pub prefix_lists: Vec<PrefixList>,
    /// `firewall policer`.
    pub policers: Vec<Policer>,
    /// `interfaces`.
    pub interfaces: Vec<Interface>,
    /// `protocols bgp` neighbors, in every routing instance.
    pub bgp_neighbors: Vec<BgpNeighbor>,
    /// `system services` that accept management sessions on the device.
    pub management: Vec<ManagementService>,
    /// Whether the configuration defines any interface (so that an unbound filter is worth reporting).
    pub has_interfaces: bool,
    /// Uses of prefix lists, policers and filters by statements the model does not otherwise describe:
    /// routing policies, interface policers, forwarding-table filters, interface ranges, filters of
    /// families rulecheck does not model.
    pub references: Vec<Reference>,
    /// Inline suppressions (`/* rulecheck: allow … reason: … */`) of deployed terms, flow routes and
    /// filters.
    pub suppressions: Vec<crate::suppress::Suppression>,
}

/// A firewall filter.
#[derive(Clone, Debug)]
pub struct Filter {
    /// Its name.
    pub name: Name,
    /// Its family.
    pub family: Family,
    /// Terms in evaluation order.
    pub terms: Vec<Term>,
}

impl Filter {
    /// Whether `term` is one of this filter's own terms (the very term, not an equal one): how a term
    /// inlined from a nested filter is told from the filter's own, in constant time.
    pub fn owns(&self, term: &Term) -> bool {
        self.terms
            .as_ptr_range()
            .contains(&std::ptr::from_ref(term))
    }
}

/// One term of a filter.
#[derive(Clone, Debug)]
pub struct Term {
    /// Its name.
    pub name: Name,
    /// The `from` conditions; all must hold.
    pub conditions: Vec<Condition>,
    /// The `then` actions, in order of appearance.
    pub actions: Vec<Action>,
    /// `term T { filter OTHER; }`: evaluate another filter here.
    pub filter: Option<Name>,
}

impl Term {
    /// What the term does with a packet it matches.
    pub fn verdict(&self) -> Verdict {
        verdict(&self.actions)
    }
}

/// The decision a term or flow route makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// The packet is forwarded (possibly counted, policed, marked, redirected).
    Accept,
    /// The packet is dropped.
    Discard,
    /// Evaluation continues with the next term.
    NextTerm,
}

impl Verdict {
    /// `accept`, `discard` or `next term`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::Discard => "discard",
            Verdict::NextTerm => "next term",
        }
    }
}

/// The verdict of a list of actions: the terminating action decides; only non-terminating actions accept.
/// (Junos "Firewall Filter Terminating Actions" and "Nonterminating Actions".)
pub fn verdict(actions: &[Action]) -> Verdict {
    let mut verdict = Verdict::Accept;
    for action in actions {
        match action.kind {
            ActionKind::Discard | ActionKind::Reject => verdict = Verdict::Discard,
            ActionKind::RateLimit(0) => verdict = Verdict::Discard,
            ActionKind::NextTerm => verdict = Verdict::NextTerm,
            _ => {}
        }
    }
    verdict
}

/// A match condition.
#[derive(Clone, Debug)]
pub struct Condition {
    /// What it tests.
    pub field: MatchField,
    /// The `-except` form: matches when the value is not listed.
    pub except: bool,
    /// The keyword.
    pub loc: Loc,
    /// The values.
    pub values: Values,
}

/// The packet field a condition tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatchField {
    /// `address`, `prefix-list`: source or destination.
    Address,
    /// `source-address`, `source-prefix-list`, flow-route `source`.
    SourceAddress,
    /// `destination-address`, `destination-prefix-list`, flow-route `destination`.
    DestinationAddress,
    /// `protocol`, `next-header`, `payload-protocol`.
    Protocol,
    /// `port`: source or destination.
    Port,
    /// `source-port`.
    SourcePort,
    /// `destination-port`.
    DestinationPort,
    /// `icmp-type`.
    IcmpType,
    /// `icmp-code`.
    IcmpCode,
    /// `tcp-flags`, `tcp-established`, `tcp-initial`.
    TcpFlags,
    /// `packet-length`.
    PacketLength,
    /// `dscp`, `traffic-class`, `precedence` (as the DSCP values it covers).
    Dscp,
    /// `fragment-offset`.
    FragmentOffset,
    /// `fragment-flags`.
    FragmentFlags,
    /// `is-fragment`, `first-fragment`, `last-fragment`, flow-route `fragment`: states of the fragment offset
    /// and flags together.
    Fragment,
    /// `ttl`, `hop-limit`.
    Ttl,
    /// Parsed, but not modeled (RC020 has been reported).
    NotModeled,
}

/// The values of a condition.
#[derive(Clone, Debug)]
pub enum Values {
    /// Address entries, evaluated by longest-prefix match.
    Addresses(Vec<AddressEntry>),
    /// Prefix-list references; their prefixes join the longest-match list of the field.
    PrefixLists(Vec<PrefixListRef>),
    /// Numeric values and ranges, already resolved from names.
    Ranges(Vec<ValueRange>),
    /// A bit-field expression on a small field: the set of field values that satisfy it, as a 256-bit map.
    Bits(BitSet256),
    /// Fragment states, ORed.
    Fragments(Vec<FragmentKind>),
    /// Values of a condition rulecheck does not model.
    Opaque(Vec<Name>),
}

/// A fragment state (RFC 8955 §4.2.2.12 bitmask operands; Junos `is-fragment`, `first-fragment`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FragmentKind {
    /// A fragment other than the first: the fragment offset is not 0.
    IsFragment,
    /// The first fragment: offset 0 and more-fragments set.
    FirstFragment,
    /// The last fragment: offset not 0 and more-fragments clear.
    LastFragment,
    /// Don't-fragment set.
    DontFragment,
    /// Not a fragment: offset 0 and more-fragments clear.
    NotAFragment,
}

/// One entry of an address list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressEntry {
    /// The prefix or masked address.
    pub address: Address,
    /// Marked `except`.
    pub except: bool,
    /// Where it is written.
    pub loc: Loc,
}

/// An IPv4 or IPv6 address with a mask (contiguous for prefixes; IPv4 filters also accept non-contiguous
/// masks such as `10.0.0.10/255.0.0.255`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    /// IPv6 if true.
    pub v6: bool,
    /// The address bits, already masked (IPv4 in the low 32 bits).
    pub bits: u128,
    /// The mask (IPv4 in the low 32 bits).
    pub mask: u128,
}

impl Address {
    /// The width of the address in bits.
    pub const fn width(self) -> u32 {
        if self.v6 { 128 } else { 32 }
    }

    /// The prefix length, if the mask is contiguous.
    pub fn prefix_len(self) -> Option<u8> {
        let width = self.width();
        let ones = self.mask.count_ones();
        let expected = if ones == 0 {
            0
        } else {
            (u128::MAX >> (128 - ones)) << (width - ones)
        };
        (self.mask == expected).then_some(ones as u8)
    }

    /// A prefix of length `len`.
    pub fn prefix(v6: bool, bits: u128, len: u8) -> Self {
        let width = if v6 { 128 } else { 32 };
        let len = u32::from(len).min(width);
        let mask = if len == 0 {
            0
        } else {
            (u128::MAX >> (128 - len)) << (width - len)
        };
        Self {
            v6,
            bits: bits & mask,
            mask,
        }
    }

    /// Whether `addr` is inside.
    pub fn contains(self, addr: u128) -> bool {
        addr & self.mask == self.bits
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.v6 {
            write!(f, "{}", std::net::Ipv6Addr::from(self.bits))?;
        } else {
            write!(f, "{}", std::net::Ipv4Addr::from(self.bits as u32))?;
        }
        match self.prefix_len() {
            Some(len) => write!(f, "/{len}"),
            None => write!(f, "/{}", std::net::Ipv4Addr::from(self.mask as u32)),
        }
    }
}

/// A reference to a prefix list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrefixListRef {
    /// The list.
    pub name: Name,
    /// Marked `except`: the list's prefixes are excluded.
    pub except: bool,
}

/// An inclusive range of field values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValueRange {
    /// Lowest value.
    pub lo: u64,
    /// Highest value.
    pub hi: u64,
    /// Where it is written.
    pub loc: Loc,
}

/// A set of byte values: bit `v` is set when value `v` is in the set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BitSet256(pub [u64; 4]);

impl BitSet256 {
    /// Every value `v` (below 256) for which `f(v)` holds.
    pub fn from_fn(f: impl Fn(u8) -> bool) -> Self {
        let mut set = Self::default();
        for v in 0..=255u8 {
            if f(v) {
                set.insert(v);
            }
        }
        set
    }

    /// Adds `v`.
    pub fn insert(&mut self, v: u8) {
        self.0[usize::from(v >> 6)] |= 1 << (v & 63);
    }

    /// Whether `v` is in the set.
    pub fn contains(&self, v: u8) -> bool {
        self.0[usize::from(v >> 6)] & (1 << (v & 63)) != 0
    }

    /// Whether no value is in the set.
    pub fn is_empty(&self) -> bool {
        self.0 == [0; 4]
    }

    /// The set as inclusive ranges.
    pub fn ranges(&self) -> Vec<(u8, u8)> {
        let mut out: Vec<(u8, u8)> = Vec::new();
        for v in 0..=255u8 {
            if self.contains(v) {
                match out.last_mut() {
                    Some((_, hi)) if u16::from(*hi) + 1 == u16::from(v) => *hi = v,
                    _ => out.push((v, v)),
                }
            }
        }
        out
    }
}

/// A `then` action.
#[derive(Clone, Debug)]
pub struct Action {
    /// What it does.
    pub kind: ActionKind,
    /// The keyword.
    pub loc: Loc,
}

/// The kinds of action rulecheck distinguishes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// `accept`
    Accept,
    /// `discard`
    Discard,
    /// `reject` (with an optional ICMP message): the packet is dropped.
    Reject,
    /// `next term`
    NextTerm,
    /// `count NAME`
    Count(String),
    /// `policer NAME` (also `three-color-policer`, `hierarchical-policer`).
    Policer(Name),
    /// `routing-instance NAME`, `next-ip`, `next-interface`, flow `redirect`: forwarded elsewhere (accepts).
    Redirect,
    /// Flow route `rate-limit BPS` (bits per second); 0 discards.
    RateLimit(u64),
    /// Any other non-terminating action (`log`, `syslog`, `sample`, `forwarding-class`, `dscp`, …).
    Modifier(String),
}

/// `routing-options flow` of one routing instance.
#[derive(Clone, Debug)]
pub struct FlowTable {
    /// The routing instance, or `None` for the main instance.
    pub instance: Option<Name>,
    /// `term-order`.
    pub term_order: TermOrder,
    /// The routes in configuration order.
    pub routes: Vec<FlowRoute>,
}

/// How flow routes are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermOrder {
    /// The Junos default: order is not defined by RFC 8955; overlapping routes with different actions are
    /// ambiguous.
    Legacy,
    /// RFC 8955 §5.1 order.
    Standard,
}

/// One flow route.
#[derive(Clone, Debug)]
pub struct FlowRoute {
    /// Its name.
    pub name: Name,
    /// The `match` conditions.
    pub conditions: Vec<Condition>,
    /// The `then` actions.
    pub actions: Vec<Action>,
}

impl FlowRoute {
    /// What the route does with a packet it matches.
    pub fn verdict(&self) -> Verdict {
        match verdict(&self.actions) {
            Verdict::NextTerm => Verdict::Accept,
            v => v,
        }
    }

    /// The destination prefix, if the route has one.
    pub fn destination(&self) -> Option<&AddressEntry> {
        self.conditions
            .iter()
            .find_map(|c| match (&c.field, &c.values) {
                (MatchField::DestinationAddress, Values::Addresses(a)) => a.first(),
                _ => None,
            })
    }
}

/// A prefix list.
#[derive(Clone, Debug)]
pub struct PrefixList {
    /// Its name.
    pub name: Name,
    /// Its prefixes.
    pub prefixes: Vec<AddressEntry>,
    /// Defined by `apply-path`: its contents come from elsewhere in the configuration.
    pub apply_path: Option<String>,
}

/// A policer.
#[derive(Clone, Debug)]
pub struct Policer {
    /// Its name.
    pub name: Name,
    /// `bandwidth-limit` in bits per second, when given.
    pub bandwidth_limit: Option<u64>,
    /// `burst-size-limit` in bytes, when given.
    pub burst_size_limit: Option<u64>,
}

/// Where a filter is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `filter input` / `input-list`.
    Input,
    /// `filter output` / `output-list`.
    Output,
}

/// A filter applied to an interface unit.
#[derive(Clone, Debug)]
pub struct FilterBinding {
    /// The filter.
    pub filter: Name,
    /// The family the binding is under.
    pub family: Family,
    /// Direction.
    pub direction: Direction,
    /// Position within an `input-list` / `output-list` (0 for a single filter).
    pub position: usize,
}

/// A logical interface unit.
#[derive(Clone, Debug)]
pub struct Unit {
    /// The unit number.
    pub name: Name,
    /// Filters bound to it.
    pub filters: Vec<FilterBinding>,
    /// Its addresses.
    pub addresses: Vec<AddressEntry>,
    /// Family `mtu`s given on the unit.
    pub mtu: Option<u32>,
}

/// An interface.
#[derive(Clone, Debug)]
pub struct Interface {
    /// Its name (`ge-0/0/0`, `lo0`, …).
    pub name: Name,
    /// Physical `mtu` (media MTU including the layer-2 header), if given.
    pub mtu: Option<u32>,
    /// Logical units.
    pub units: Vec<Unit>,
}

impl Interface {
    /// Whether this is the loopback, whose input filter protects the routing engine.
    pub fn is_loopback(&self) -> bool {
        self.name.text == "lo0"
    }
}

/// What kind of definition a [`Reference`] uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefinitionKind {
    /// `policy-options prefix-list`.
    PrefixList,
    /// `firewall policer`, `three-color-policer` or `hierarchical-policer`.
    Policer,
    /// A firewall filter.
    Filter,
}

/// A use of a definition by name, outside the filters' terms and the interfaces' filter bindings (which
/// the model holds as [`Term`] and [`FilterBinding`]).
#[derive(Clone, Debug)]
pub struct Reference {
    /// What it uses.
    pub kind: DefinitionKind,
    /// The name used, where it is written.
    pub name: Name,
}

/// A configured BGP peer.
#[derive(Clone, Debug)]
pub struct BgpNeighbor {
    /// The peer's address.
    pub address: Address,
    /// Where it is written.
    pub loc: Loc,
    /// `local-address`, if configured (neighbor, group or protocol level).
    pub local_address: Option<Address>,
    /// The routing instance, or `None` for the main instance.
    pub instance: Option<String>,
}

/// A management service the device accepts sessions for.
#[derive(Clone, Debug)]
pub struct ManagementService {
    /// `ssh`, `netconf`, `telnet`, …
    pub name: String,
    /// IP protocol.
    pub protocol: u8,
    /// The TCP port it listens on.
    pub port: u16,
    /// Where it is configured.
    pub loc: Loc,
}
