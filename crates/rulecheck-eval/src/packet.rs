//! Concrete packet headers: the packets that witnesses show and that `rulecheck trace` follows.
//!
//! A [`Packet`] holds exactly the header fields a Junos filter or a flow route can match. Not every
//! combination of values is a packet that can exist: a port needs a TCP, UDP or SCTP header, a
//! non-first fragment carries no transport header, and the length has a floor and a ceiling.
//! [`Packet::validate`] states those rules; the header-space algebra (`crate::space`) encodes the
//! same rules as a union of cubes, and the property tests hold the two to each other.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// IP protocol numbers (IPv4 Protocol, IPv6 Next Header) that change which header fields exist.
///
/// Source: IANA "Assigned Internet Protocol Numbers".
pub mod protocol {
    /// ICMP for IPv4 (RFC 792).
    pub const ICMP: u8 = 1;
    /// TCP (RFC 793).
    pub const TCP: u8 = 6;
    /// UDP (RFC 768).
    pub const UDP: u8 = 17;
    /// ICMP for IPv6 (RFC 4443).
    pub const ICMPV6: u8 = 58;
    /// SCTP (RFC 4960).
    pub const SCTP: u8 = 132;
}

/// TCP flag bits, in the low byte of the TCP header's flags field (RFC 793 §3.1, RFC 3168 §6.1).
pub mod tcp_flag {
    /// No more data from sender.
    pub const FIN: u8 = 0x01;
    /// Synchronize sequence numbers.
    pub const SYN: u8 = 0x02;
    /// Reset the connection.
    pub const RST: u8 = 0x04;
    /// Push function.
    pub const PSH: u8 = 0x08;
    /// Acknowledgment field significant.
    pub const ACK: u8 = 0x10;
    /// Urgent pointer field significant.
    pub const URG: u8 = 0x20;
    /// ECN-Echo (RFC 3168).
    pub const ECE: u8 = 0x40;
    /// Congestion Window Reduced (RFC 3168).
    pub const CWR: u8 = 0x80;
}

/// Fragment flag bits as Junos `fragment-flags` names them (RFC 791 §3.1 "Flags", bit 0 first).
pub mod fragment_flag {
    /// More Fragments (MF).
    pub const MORE_FRAGMENTS: u8 = 0x1;
    /// Don't Fragment (DF).
    pub const DONT_FRAGMENT: u8 = 0x2;
    /// The reserved bit, which must be zero but can be set by a crafted packet.
    pub const RESERVED: u8 = 0x4;
}

/// IPv4 header without options: IHL counts 32-bit words and is at least 5 (RFC 791 §3.1 "IHL").
pub const IPV4_HEADER_LEN: u32 = 20;
/// IPv6 fixed header (RFC 8200 §3).
pub const IPV6_HEADER_LEN: u32 = 40;
/// Largest IPv4 packet: Total Length is a 16-bit count of octets, header included (RFC 791 §3.1).
pub const IPV4_MAX_PACKET_LEN: u32 = 65_535;
/// Largest IPv6 packet: Payload Length is 16 bits and excludes the 40-byte fixed header
/// (RFC 8200 §3). Jumbograms (RFC 2675) are not modeled.
pub const IPV6_MAX_PACKET_LEN: u32 = 65_535 + IPV6_HEADER_LEN;
/// TCP header without options: Data Offset counts 32-bit words and is at least 5 (RFC 793 §3.1).
pub const TCP_HEADER_LEN: u32 = 20;
/// UDP header: ports, length and checksum (RFC 768).
pub const UDP_HEADER_LEN: u32 = 8;
/// SCTP common header: ports, verification tag and checksum (RFC 4960 §3.1).
pub const SCTP_HEADER_LEN: u32 = 12;
/// ICMP header: type, code and checksum, then the 4 bytes every message defines next (RFC 792;
/// for IPv6 RFC 4443 §2.1, and every message of RFC 4443 §3 and §4 has 4 more bytes).
pub const ICMP_HEADER_LEN: u32 = 8;
/// Smallest payload of a non-first fragment: one byte. A fragment other than the last carries a multiple
/// of 8 octets (RFC 791 §3.1 "Fragment Offset" counts 8-octet blocks; RFC 8200 §4.5), but the last
/// fragment may be shorter, so a non-first fragment as short as the header plus one byte exists. Not
/// tying the length to the More Fragments flag keeps the checks free of false alarms: a term matching
/// 21-byte IPv4 fragments matches real packets.
pub const NON_FIRST_FRAGMENT_MIN_PAYLOAD: u32 = 1;
/// Largest DSCP: the field is 6 bits (RFC 2474 §3).
pub const MAX_DSCP: u8 = 63;
/// Largest fragment offset: the field is 13 bits (RFC 791 §3.1, RFC 8200 §4.5).
pub const MAX_FRAGMENT_OFFSET: u16 = 8191;
/// Largest fragment-flags value: three flag bits (RFC 791 §3.1 "Flags").
pub const MAX_FRAGMENT_FLAGS: u8 = 0x7;

/// IP version of a packet or a header space; Junos calls it the filter family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddressFamily {
    /// IPv4 (`family inet`).
    Inet,
    /// IPv6 (`family inet6`).
    Inet6,
}

impl AddressFamily {
    /// The Junos name of the family: `inet` or `inet6`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Inet => "inet",
            Self::Inet6 => "inet6",
        }
    }

    /// Length of the IP header without options or extension headers.
    pub const fn ip_header_len(self) -> u32 {
        match self {
            Self::Inet => IPV4_HEADER_LEN,
            Self::Inet6 => IPV6_HEADER_LEN,
        }
    }

    /// Largest packet length, IP header included.
    pub const fn max_packet_length(self) -> u32 {
        match self {
            Self::Inet => IPV4_MAX_PACKET_LEN,
            Self::Inet6 => IPV6_MAX_PACKET_LEN,
        }
    }

    /// The protocol number whose packets carry an ICMP type and code in this family.
    pub const fn icmp_protocol(self) -> u8 {
        match self {
            Self::Inet => protocol::ICMP,
            Self::Inet6 => protocol::ICMPV6,
        }
    }

    /// Largest address, as the `u128` a [`Packet`] stores it.
    pub const fn max_address(self) -> u128 {
        match self {
            Self::Inet => u32::MAX as u128,
            Self::Inet6 => u128::MAX,
        }
    }

    /// Smallest packet length of a packet of this protocol and fragment offset.
    pub const fn min_packet_length(self, protocol: u8, fragment_offset: u16) -> u32 {
        self.ip_header_len() + Payload::of(self, protocol, fragment_offset).header_len()
    }
}

impl fmt::Display for AddressFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One concrete packet header: the fields a filter term or a flow route can match.
///
/// Fields a packet does not carry are `None`: ports exist only in TCP, UDP and SCTP packets, the
/// ICMP type and code only in ICMP (inet) or ICMP for IPv6 (inet6) packets, TCP flags only in TCP packets,
/// and none of them in a non-first fragment (fragment offset above zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Packet {
    /// IPv4 or IPv6.
    pub family: AddressFamily,
    /// Source address; an IPv4 address is in the low 32 bits.
    pub source: u128,
    /// Destination address; an IPv4 address is in the low 32 bits.
    pub destination: u128,
    /// IPv4 Protocol or IPv6 Next Header.
    pub protocol: u8,
    /// TCP, UDP or SCTP source port.
    pub source_port: Option<u16>,
    /// TCP, UDP or SCTP destination port.
    pub destination_port: Option<u16>,
    /// ICMP or ICMP for IPv6 type.
    pub icmp_type: Option<u8>,
    /// ICMP or ICMP for IPv6 code.
    pub icmp_code: Option<u8>,
    /// TCP flags: the bits of [`tcp_flag`].
    pub tcp_flags: Option<u8>,
    /// Total length in bytes, IP header included.
    pub packet_length: u32,
    /// Differentiated Services Code Point, 0 to 63.
    pub dscp: u8,
    /// Fragment offset in 8-byte units, 0 to 8191; above zero means a non-first fragment.
    pub fragment_offset: u16,
    /// Fragment flags: the bits of [`fragment_flag`].
    pub fragment_flags: u8,
    /// IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
}

/// What follows the IP header, as far as the matchable fields are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Payload {
    /// A non-first fragment: no transport header.
    LaterFragment,
    Tcp,
    Udp,
    Sctp,
    Icmp,
    /// Any other protocol: no field beyond the IP header is matched.
    Other,
}

impl Payload {
    const fn of(family: AddressFamily, protocol: u8, fragment_offset: u16) -> Self {
        if fragment_offset > 0 {
            return Self::LaterFragment;
        }
        match protocol {
            protocol::TCP => Self::Tcp,
            protocol::UDP => Self::Udp,
            protocol::SCTP => Self::Sctp,
            p if p == family.icmp_protocol() => Self::Icmp,
            _ => Self::Other,
        }
    }

    const fn header_len(self) -> u32 {
        match self {
            Self::LaterFragment => NON_FIRST_FRAGMENT_MIN_PAYLOAD,
            Self::Tcp => TCP_HEADER_LEN,
            Self::Udp => UDP_HEADER_LEN,
            Self::Sctp => SCTP_HEADER_LEN,
            Self::Icmp => ICMP_HEADER_LEN,
            Self::Other => 0,
        }
    }

    const fn has_ports(self) -> bool {
        matches!(self, Self::Tcp | Self::Udp | Self::Sctp)
    }

    /// What the payload is, for error messages: "a TCP packet".
    fn describe(self, family: AddressFamily, protocol: u8) -> String {
        match self {
            Self::LaterFragment => "a non-first fragment".to_owned(),
            Self::Tcp => "a TCP packet".to_owned(),
            Self::Udp => "a UDP packet".to_owned(),
            Self::Sctp => "an SCTP packet".to_owned(),
            Self::Icmp => format!("an {} packet", icmp_name(family)),
            Self::Other => {
                // Point at the likely mistake: the ICMP of the other family.
                if protocol == protocol::ICMP || protocol == protocol::ICMPV6 {
                    format!(
                        "a packet of protocol {protocol} (in {family}, {} is protocol {})",
                        icmp_name(family),
                        family.icmp_protocol()
                    )
                } else {
                    format!("a packet of protocol {protocol}")
                }
            }
        }
    }

    /// The transport header, for error messages: "a 20-byte TCP header".
    const fn header_description(self) -> &'static str {
        match self {
            Self::LaterFragment => "at least one byte of payload of a non-first fragment",
            Self::Tcp => "a 20-byte TCP header",
            Self::Udp => "an 8-byte UDP header",
            Self::Sctp => "a 12-byte SCTP common header",
            Self::Icmp => "an 8-byte ICMP header",
            Self::Other => "nothing after the IP header",
        }
    }
}

const fn icmp_name(family: AddressFamily) -> &'static str {
    match family {
        AddressFamily::Inet => "ICMP",
        AddressFamily::Inet6 => "ICMPv6",
    }
}

/// Why a [`Packet`] cannot exist.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PacketViolation {
    /// An address of an IPv4 packet uses more than 32 bits.
    #[error("the {which} address does not fit in 32 bits, but the packet is IPv4")]
    AddressOutOfRange {
        /// `source` or `destination`.
        which: &'static str,
    },
    /// DSCP above 63.
    #[error("DSCP {0} is above 63 (the field is 6 bits, RFC 2474)")]
    DscpOutOfRange(u8),
    /// Fragment offset above 8191.
    #[error("fragment offset {0} is above 8191 (the field is 13 bits, RFC 791)")]
    FragmentOffsetOutOfRange(u16),
    /// Fragment flags beyond the three flag bits.
    #[error("fragment flags {0:#x} are above 0x7 (there are 3 flag bits, RFC 791)")]
    FragmentFlagsOutOfRange(u8),
    /// Longer than the family allows.
    #[error(
        "packet length {length} is above {max}, the largest {family} packet ({})",
        match family {
            AddressFamily::Inet => "IPv4 Total Length is 16 bits, RFC 791",
            AddressFamily::Inet6 => "IPv6 Payload Length is 16 bits plus the 40-byte header, RFC 8200",
        }
    )]
    LengthTooLarge {
        /// The packet's length.
        length: u32,
        /// The family's largest length.
        max: u32,
        /// The packet's family.
        family: AddressFamily,
    },
    /// Shorter than its headers.
    #[error("packet length {length} is below {min}, the smallest {family} packet with {header}")]
    LengthTooSmall {
        /// The packet's length.
        length: u32,
        /// The smallest length such a packet can have.
        min: u32,
        /// The packet's family.
        family: AddressFamily,
        /// What the packet carries after the IP header.
        header: &'static str,
    },
    /// A field given that this kind of packet does not carry.
    #[error("{what} has no {field}")]
    FieldNotCarried {
        /// The field, e.g. `destination port`.
        field: &'static str,
        /// The kind of packet, e.g. `an ICMP packet`.
        what: String,
    },
    /// A field missing that this kind of packet always carries.
    #[error("{what} always has a {field}")]
    FieldMissing {
        /// The field, e.g. `destination port`.
        field: &'static str,
        /// The kind of packet, e.g. `a TCP packet`.
        what: String,
    },
}

impl Packet {
    /// Checks that this packet can exist, and says why not if it cannot.
    ///
    /// The rules: addresses fit the family; DSCP, fragment offset and fragment flags fit their
    /// fields; the length is at most the family's maximum and at least the IP header plus what
    /// follows it (see [`AddressFamily::min_packet_length`]); ports are present exactly for TCP,
    /// UDP and SCTP, the ICMP type and code exactly for the family's ICMP, TCP flags exactly for
    /// TCP, and all of them only when the fragment offset is zero.
    pub fn validate(&self) -> Result<(), PacketViolation> {
        let family = self.family;
        if self.source > family.max_address() {
            return Err(PacketViolation::AddressOutOfRange { which: "source" });
        }
        if self.destination > family.max_address() {
            return Err(PacketViolation::AddressOutOfRange {
                which: "destination",
            });
        }
        if self.dscp > MAX_DSCP {
            return Err(PacketViolation::DscpOutOfRange(self.dscp));
        }
        if self.fragment_offset > MAX_FRAGMENT_OFFSET {
            return Err(PacketViolation::FragmentOffsetOutOfRange(
                self.fragment_offset,
            ));
        }
        if self.fragment_flags > MAX_FRAGMENT_FLAGS {
            return Err(PacketViolation::FragmentFlagsOutOfRange(
                self.fragment_flags,
            ));
        }
        if self.packet_length > family.max_packet_length() {
            return Err(PacketViolation::LengthTooLarge {
                length: self.packet_length,
                max: family.max_packet_length(),
                family,
            });
        }

        let payload = Payload::of(family, self.protocol, self.fragment_offset);
        let carried = [
            (
                "source port",
                self.source_port.is_some(),
                payload.has_ports(),
            ),
            (
                "destination port",
                self.destination_port.is_some(),
                payload.has_ports(),
            ),
            (
                "ICMP type",
                self.icmp_type.is_some(),
                payload == Payload::Icmp,
            ),
            (
                "ICMP code",
                self.icmp_code.is_some(),
                payload == Payload::Icmp,
            ),
            (
                "TCP flags",
                self.tcp_flags.is_some(),
                payload == Payload::Tcp,
            ),
        ];
        for (field, present, expected) in carried {
            let what = || payload.describe(family, self.protocol);
            match (present, expected) {
                (true, false) => {
                    return Err(PacketViolation::FieldNotCarried {
                        field,
                        what: what(),
                    });
                }
                (false, true) => {
                    return Err(PacketViolation::FieldMissing {
                        field,
                        what: what(),
                    });
                }
                _ => {}
            }
        }

        let min = family.ip_header_len() + payload.header_len();
        if self.packet_length < min {
            return Err(PacketViolation::LengthTooSmall {
                length: self.packet_length,
                min,
                family,
                header: payload.header_description(),
            });
        }
        Ok(())
    }

    /// Whether this packet can exist: [`Packet::validate`] finds nothing wrong.
    pub fn is_valid(&self) -> bool {
        self.validate().is_ok()
    }
}

/// Junos protocol names (`protocol` / `next-header` keywords) and their numbers.
///
/// Source: Junos "Firewall Filter Match Conditions for IPv4 Traffic" and "... for IPv6 Traffic";
/// numbers from IANA "Assigned Internet Protocol Numbers". The first name of a number is the one
/// printed.
const PROTOCOL_NAMES: &[(&str, u8)] = &[
    ("hop-by-hop", 0),
    ("icmp", protocol::ICMP),
    ("igmp", 2),
    ("ipip", 4),
    ("tcp", protocol::TCP),
    ("egp", 8),
    ("udp", protocol::UDP),
    ("ipv6", 41),
    ("routing", 43),
    ("fragment", 44),
    ("rsvp", 46),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("icmp6", protocol::ICMPV6),
    ("icmpv6", protocol::ICMPV6),
    ("no-next-header", 59),
    ("dstopts", 60),
    ("ospf", 89),
    ("pim", 103),
    ("vrrp", 112),
    ("sctp", protocol::SCTP),
];

const TCP_FLAG_NAMES: [(&str, u8); 8] = [
    ("fin", tcp_flag::FIN),
    ("syn", tcp_flag::SYN),
    ("rst", tcp_flag::RST),
    ("psh", tcp_flag::PSH),
    ("ack", tcp_flag::ACK),
    ("urg", tcp_flag::URG),
    ("ece", tcp_flag::ECE),
    ("cwr", tcp_flag::CWR),
];

/// Junos `fragment-flags` names, then short forms accepted on input.
const FRAGMENT_FLAG_NAMES: [(&str, u8); 5] = [
    ("more-fragments", fragment_flag::MORE_FRAGMENTS),
    ("dont-fragment", fragment_flag::DONT_FRAGMENT),
    ("reserved", fragment_flag::RESERVED),
    ("mf", fragment_flag::MORE_FRAGMENTS),
    ("df", fragment_flag::DONT_FRAGMENT),
];

/// The Junos name of an IP protocol number, if it has one.
pub fn protocol_name(number: u8) -> Option<&'static str> {
    PROTOCOL_NAMES
        .iter()
        .find(|&&(_, n)| n == number)
        .map(|&(name, _)| name)
}

/// Writes the names of the set bits, comma-separated, or `none`; a bit is named once, by the first
/// name listed for it.
fn write_bit_names(f: &mut fmt::Formatter<'_>, bits: u8, names: &[(&str, u8)]) -> fmt::Result {
    if bits == 0 {
        return f.write_str("none");
    }
    let mut rest = bits;
    let mut first = true;
    for &(name, bit) in names {
        if rest & bit != 0 {
            if !first {
                f.write_str(",")?;
            }
            f.write_str(name)?;
            first = false;
            rest &= !bit;
        }
    }
    if rest != 0 {
        if !first {
            f.write_str(",")?;
        }
        write!(f, "{rest:#x}")?;
    }
    Ok(())
}

/// An address as text in the packet's family; an address too wide for IPv4 prints as IPv6.
fn address(family: AddressFamily, value: u128) -> IpAddr {
    match (family, u32::try_from(value)) {
        (AddressFamily::Inet, Ok(v4)) => IpAddr::V4(Ipv4Addr::from(v4)),
        _ => IpAddr::V6(Ipv6Addr::from(value)),
    }
}

fn write_endpoint(
    f: &mut fmt::Formatter<'_>,
    family: AddressFamily,
    addr: u128,
    port: Option<u16>,
) -> fmt::Result {
    match (address(family, addr), port) {
        (IpAddr::V6(a), Some(p)) => write!(f, "[{a}]:{p}"),
        (IpAddr::V4(a), port) => {
            f.write_str(Ipv4Text::new(a.to_bits()).as_str())?;
            port.map_or(Ok(()), |p| write!(f, ":{p}"))
        }
        (a, None) => write!(f, "{a}"),
    }
}

/// The dotted-quad text of an IPv4 address, written digit by digit: every finding's example packet
/// has two, and the formatting machinery is most of the cost of writing them.
pub struct Ipv4Text {
    bytes: [u8; 15],
    len: usize,
}

impl Ipv4Text {
    /// The text of `address`.
    pub fn new(address: u32) -> Self {
        let mut text = Self {
            bytes: [0; 15],
            len: 0,
        };
        for (i, octet) in address.to_be_bytes().into_iter().enumerate() {
            if i > 0 {
                text.push(b'.');
            }
            if octet >= 100 {
                text.push(b'0' + octet / 100);
            }
            if octet >= 10 {
                text.push(b'0' + octet / 10 % 10);
            }
            text.push(b'0' + octet % 10);
        }
        text
    }

    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).expect("digits and dots")
    }
}

/// A compact one-line form: `tcp 192.0.2.1:1024 -> 203.0.113.5:80 flags syn len 60`.
///
/// DSCP, TTL and the fragment fields are shown only when they differ from 0, 64, 0 and 0.
impl fmt::Display for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match protocol_name(self.protocol) {
            Some(name) => f.write_str(name)?,
            None => write!(f, "proto {}", self.protocol)?,
        }
        f.write_str(" ")?;
        write_endpoint(f, self.family, self.source, self.source_port)?;
        f.write_str(" -> ")?;
        write_endpoint(f, self.family, self.destination, self.destination_port)?;
        if let Some(icmp_type) = self.icmp_type {
            write!(f, " type {icmp_type}")?;
        }
        if let Some(code) = self.icmp_code {
            write!(f, " code {code}")?;
        }
        if let Some(flags) = self.tcp_flags {
            f.write_str(" flags ")?;
            write_bit_names(f, flags, &TCP_FLAG_NAMES)?;
        }
        write!(f, " len {}", self.packet_length)?;
        if self.dscp != 0 {
            write!(f, " dscp {}", self.dscp)?;
        }
        if self.ttl != DEFAULT_TTL {
            write!(f, " ttl {}", self.ttl)?;
        }
        if self.fragment_offset != 0 {
            write!(f, " frag-offset {}", self.fragment_offset)?;
        }
        if self.fragment_flags != 0 {
            f.write_str(" frag-flags ")?;
            write_bit_names(f, self.fragment_flags, &FRAGMENT_FLAG_NAMES)?;
        }
        Ok(())
    }
}

/// Why a `--packet` specification was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PacketSpecError {
    /// A word that is not `key=value`.
    #[error("`{token}` is not of the form key=value")]
    NotKeyValue {
        /// The word as written.
        token: String,
    },
    /// A key that is not one of the packet fields.
    #[error(
        "unknown key `{key}`; the keys are proto, src, dst, sport, dport, type, code, flags, len, \
         dscp, ttl, frag-offset and frag-flags"
    )]
    UnknownKey {
        /// The key as written.
        key: String,
    },
    /// The same field given twice (possibly under two spellings).
    #[error("`{key}` is given more than once")]
    DuplicateKey {
        /// The key as written the second time.
        key: String,
    },
    /// A value that does not parse or does not fit its field.
    #[error("invalid value `{value}` for `{key}`: {reason}")]
    InvalidValue {
        /// The key as written.
        key: String,
        /// The value as written.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An IPv4 and an IPv6 address in one packet.
    #[error("src {src} and dst {dst} are not of the same address family")]
    FamilyMismatch {
        /// The source address.
        src: IpAddr,
        /// The destination address.
        dst: IpAddr,
    },
    /// Every value parsed, but no such packet can exist.
    #[error("no such packet: {0}")]
    Impossible(#[from] PacketViolation),
}

/// TTL of a packet whose specification names none: a common initial TTL (Linux, macOS).
const DEFAULT_TTL: u8 = 64;
/// Default source port of a `--packet` specification: the first port above the well-known range.
const DEFAULT_SOURCE_PORT: u16 = 1024;
/// Default destination port of a `--packet` specification: HTTP.
const DEFAULT_DESTINATION_PORT: u16 = 80;
/// Default ICMP type: echo request (RFC 792).
const DEFAULT_ICMP_TYPE: u8 = 8;
/// Default ICMP type for IPv6: echo request (RFC 4443 §4.1).
const DEFAULT_ICMPV6_TYPE: u8 = 128;
/// Default TCP flags: a SYN, the first packet of a connection.
const DEFAULT_TCP_FLAGS: u8 = tcp_flag::SYN;
/// Default addresses, from the documentation ranges (RFC 5737, RFC 3849).
const DEFAULT_INET_SOURCE: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const DEFAULT_INET_DESTINATION: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 1);
const DEFAULT_INET6_SOURCE: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
const DEFAULT_INET6_DESTINATION: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);

/// The fields of a `--packet` specification, each with the spellings accepted for it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Protocol,
    Source,
    Destination,
    SourcePort,
    DestinationPort,
    IcmpType,
    IcmpCode,
    TcpFlags,
    Length,
    Dscp,
    Ttl,
    FragmentOffset,
    FragmentFlags,
}

const KEYS: [(&str, Key); 26] = [
    ("proto", Key::Protocol),
    ("protocol", Key::Protocol),
    ("next-header", Key::Protocol),
    ("src", Key::Source),
    ("source", Key::Source),
    ("dst", Key::Destination),
    ("destination", Key::Destination),
    ("sport", Key::SourcePort),
    ("source-port", Key::SourcePort),
    ("dport", Key::DestinationPort),
    ("destination-port", Key::DestinationPort),
    ("type", Key::IcmpType),
    ("icmp-type", Key::IcmpType),
    ("code", Key::IcmpCode),
    ("icmp-code", Key::IcmpCode),
    ("flags", Key::TcpFlags),
    ("tcp-flags", Key::TcpFlags),
    ("len", Key::Length),
    ("packet-length", Key::Length),
    ("dscp", Key::Dscp),
    ("ttl", Key::Ttl),
    ("hop-limit", Key::Ttl),
    ("frag-offset", Key::FragmentOffset),
    ("fragment-offset", Key::FragmentOffset),
    ("frag-flags", Key::FragmentFlags),
    ("fragment-flags", Key::FragmentFlags),
];

/// The values a specification gives, before defaults are filled in.
#[derive(Default)]
struct Given {
    protocol: Option<u8>,
    source: Option<IpAddr>,
    destination: Option<IpAddr>,
    source_port: Option<u16>,
    destination_port: Option<u16>,
    icmp_type: Option<u8>,
    icmp_code: Option<u8>,
    tcp_flags: Option<u8>,
    length: Option<u32>,
    dscp: Option<u8>,
    ttl: Option<u8>,
    fragment_offset: Option<u16>,
    fragment_flags: Option<u8>,
}

fn invalid(key: &str, value: &str, reason: impl Into<String>) -> PacketSpecError {
    PacketSpecError::InvalidValue {
        key: key.to_owned(),
        value: value.to_owned(),
        reason: reason.into(),
    }
}

/// A decimal or `0x` hexadecimal number no larger than `max`.
fn number(key: &str, value: &str, max: u128) -> Result<u128, PacketSpecError> {
    let parsed = match value
        .strip_prefix("0x")
        .or_else(|| value.strip_prefix("0X"))
    {
        Some(hex) => u128::from_str_radix(hex, 16),
        None => value.parse::<u128>(),
    };
    match parsed {
        Ok(n) if n <= max => Ok(n),
        Ok(_) => Err(invalid(key, value, format!("the largest value is {max}"))),
        Err(_) => Err(invalid(
            key,
            value,
            format!("expected a number from 0 to {max}"),
        )),
    }
}

/// A number, or names of bits joined by commas (`syn,ack`).
fn bits(key: &str, value: &str, names: &[(&str, u8)], max: u8) -> Result<u8, PacketSpecError> {
    if value.starts_with(|c: char| c.is_ascii_digit()) {
        return number(key, value, u128::from(max)).map(|n| n as u8);
    }
    let mut result = 0;
    for name in value.split(',') {
        let bit = names
            .iter()
            .find(|&&(known, _)| known.eq_ignore_ascii_case(name))
            .map(|&(_, bit)| bit);
        match bit {
            Some(bit) => result |= bit,
            None if name.eq_ignore_ascii_case("none") => {}
            None => {
                let known: Vec<&str> = names.iter().map(|&(n, _)| n).collect();
                return Err(invalid(
                    key,
                    value,
                    format!(
                        "`{name}` is not a flag; expected a number or some of {} joined by commas",
                        known.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(result)
}

fn protocol_number(key: &str, value: &str) -> Result<u8, PacketSpecError> {
    if value.starts_with(|c: char| c.is_ascii_digit()) {
        return number(key, value, 255).map(|n| n as u8);
    }
    PROTOCOL_NAMES
        .iter()
        .find(|&&(name, _)| name.eq_ignore_ascii_case(value))
        .map(|&(_, n)| n)
        .ok_or_else(|| {
            invalid(
                key,
                value,
                "expected a protocol number 0 to 255 or a name such as tcp, udp, icmp, icmp6, \
                 sctp, gre, esp, ah, ospf",
            )
        })
}

fn ip_address(key: &str, value: &str) -> Result<IpAddr, PacketSpecError> {
    value
        .parse()
        .map_err(|_| invalid(key, value, "expected an IPv4 or IPv6 address"))
}

/// Stores a value, refusing a second value for the same field.
fn set_once<T>(slot: &mut Option<T>, key: &str, value: T) -> Result<(), PacketSpecError> {
    if slot.is_some() {
        return Err(PacketSpecError::DuplicateKey {
            key: key.to_owned(),
        });
    }
    *slot = Some(value);
    Ok(())
}

fn parse_given(spec: &str) -> Result<Given, PacketSpecError> {
    let mut given = Given::default();
    for token in spec.split_whitespace() {
        let (key, value) = token
            .split_once('=')
            .ok_or_else(|| PacketSpecError::NotKeyValue {
                token: token.to_owned(),
            })?;
        let field = KEYS
            .iter()
            .find(|&&(name, _)| name.eq_ignore_ascii_case(key))
            .map(|&(_, field)| field)
            .ok_or_else(|| PacketSpecError::UnknownKey {
                key: key.to_owned(),
            })?;
        let g = &mut given;
        match field {
            Key::Protocol => set_once(&mut g.protocol, key, protocol_number(key, value)?),
            Key::Source => set_once(&mut g.source, key, ip_address(key, value)?),
            Key::Destination => set_once(&mut g.destination, key, ip_address(key, value)?),
            Key::SourcePort => set_once(
                &mut g.source_port,
                key,
                number(key, value, u16::MAX.into())? as u16,
            ),
            Key::DestinationPort => set_once(
                &mut g.destination_port,
                key,
                number(key, value, u16::MAX.into())? as u16,
            ),
            Key::IcmpType => set_once(
                &mut g.icmp_type,
                key,
                number(key, value, u8::MAX.into())? as u8,
            ),
            Key::IcmpCode => set_once(
                &mut g.icmp_code,
                key,
                number(key, value, u8::MAX.into())? as u8,
            ),
            Key::TcpFlags => set_once(
                &mut g.tcp_flags,
                key,
                bits(key, value, &TCP_FLAG_NAMES, u8::MAX)?,
            ),
            Key::Length => set_once(
                &mut g.length,
                key,
                number(key, value, u32::MAX.into())? as u32,
            ),
            Key::Dscp => set_once(&mut g.dscp, key, number(key, value, MAX_DSCP.into())? as u8),
            Key::Ttl => set_once(&mut g.ttl, key, number(key, value, u8::MAX.into())? as u8),
            Key::FragmentOffset => set_once(
                &mut g.fragment_offset,
                key,
                number(key, value, MAX_FRAGMENT_OFFSET.into())? as u16,
            ),
            Key::FragmentFlags => set_once(
                &mut g.fragment_flags,
                key,
                bits(key, value, &FRAGMENT_FLAG_NAMES, MAX_FRAGMENT_FLAGS)?,
            ),
        }?;
    }
    Ok(given)
}

const fn address_bits(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(a) => a.to_bits() as u128,
        IpAddr::V6(a) => a.to_bits(),
    }
}

/// Parses the `--packet` syntax of `rulecheck trace`: `key=value` words separated by spaces.
///
/// ```text
/// proto=tcp src=192.0.2.1 dst=203.0.113.5 sport=1234 dport=80 len=60
/// ```
///
/// Keys (Junos spellings in parentheses are accepted too):
///
/// | key | value | default |
/// |---|---|---|
/// | `proto` (`protocol`, `next-header`) | 0–255 or a name: `tcp`, `udp`, `icmp`, `icmp6`, `sctp`, `gre`, `esp`, `ah`, `ospf`, … | `tcp` |
/// | `src` (`source`), `dst` (`destination`) | an IPv4 or IPv6 address; both of one family | `192.0.2.1`, `203.0.113.1` (IPv6: `2001:db8::1`, `2001:db8::2`) |
/// | `sport` (`source-port`), `dport` (`destination-port`) | 0–65535 | TCP, UDP, SCTP: 1024 and 80 |
/// | `type` (`icmp-type`), `code` (`icmp-code`) | 0–255 | ICMP: echo request (8; 128 for IPv6), code 0 |
/// | `flags` (`tcp-flags`) | a number (`0x12`) or names joined by commas (`syn,ack`) | TCP: `syn` |
/// | `len` (`packet-length`) | bytes, IP header included | the smallest valid length |
/// | `dscp` | 0–63 | 0 |
/// | `ttl` (`hop-limit`) | 0–255 | 64 |
/// | `frag-offset` (`fragment-offset`) | 0–8191 | 0 |
/// | `frag-flags` (`fragment-flags`) | 0–7 or `more-fragments`, `dont-fragment`, `reserved` joined by commas | 0 |
///
/// The family follows the addresses; with no address it is inet, or inet6 for `proto=icmp6`.
/// Defaults apply only to fields the packet carries: a UDP packet gets ports but no flags, a
/// non-first fragment gets no ports. A value given for a field the packet does not carry, or a
/// length outside what the headers allow, is an error saying why no such packet exists.
pub fn parse_packet(spec: &str) -> Result<Packet, PacketSpecError> {
    let given = parse_given(spec)?;
    let protocol = given.protocol.unwrap_or(protocol::TCP);

    let family = match (given.source, given.destination) {
        (Some(src @ IpAddr::V4(_)), Some(dst @ IpAddr::V6(_)))
        | (Some(src @ IpAddr::V6(_)), Some(dst @ IpAddr::V4(_))) => {
            return Err(PacketSpecError::FamilyMismatch { src, dst });
        }
        (Some(IpAddr::V4(_)), _) | (_, Some(IpAddr::V4(_))) => AddressFamily::Inet,
        (Some(IpAddr::V6(_)), _) | (_, Some(IpAddr::V6(_))) => AddressFamily::Inet6,
        (None, None) if protocol == protocol::ICMPV6 => AddressFamily::Inet6,
        (None, None) => AddressFamily::Inet,
    };
    let (default_source, default_destination) = match family {
        AddressFamily::Inet => (
            IpAddr::V4(DEFAULT_INET_SOURCE),
            IpAddr::V4(DEFAULT_INET_DESTINATION),
        ),
        AddressFamily::Inet6 => (
            IpAddr::V6(DEFAULT_INET6_SOURCE),
            IpAddr::V6(DEFAULT_INET6_DESTINATION),
        ),
    };

    let fragment_offset = given.fragment_offset.unwrap_or(0);
    let payload = Payload::of(family, protocol, fragment_offset);
    let ports = payload.has_ports();
    let icmp = payload == Payload::Icmp;
    let default_icmp_type = match family {
        AddressFamily::Inet => DEFAULT_ICMP_TYPE,
        AddressFamily::Inet6 => DEFAULT_ICMPV6_TYPE,
    };

    let packet = Packet {
        family,
        source: address_bits(given.source.unwrap_or(default_source)),
        destination: address_bits(given.destination.unwrap_or(default_destination)),
        protocol,
        source_port: given.source_port.or(ports.then_some(DEFAULT_SOURCE_PORT)),
        destination_port: given
            .destination_port
            .or(ports.then_some(DEFAULT_DESTINATION_PORT)),
        icmp_type: given.icmp_type.or(icmp.then_some(default_icmp_type)),
        icmp_code: given.icmp_code.or(icmp.then_some(0)),
        tcp_flags: given
            .tcp_flags
            .or((payload == Payload::Tcp).then_some(DEFAULT_TCP_FLAGS)),
        packet_length: given
            .length
            .unwrap_or_else(|| family.min_packet_length(protocol, fragment_offset)),
        dscp: given.dscp.unwrap_or(0),
        fragment_offset,
        fragment_flags: given.fragment_flags.unwrap_or(0),
        ttl: given.ttl.unwrap_or(DEFAULT_TTL),
    };
    packet.validate()?;
    Ok(packet)
}

impl FromStr for Packet {
    type Err = PacketSpecError;

    /// Same as [`parse_packet`].
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        parse_packet(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_text_is_the_standard_dotted_quad() {
        let mut state = 3u64;
        let fixed = [
            0,
            1,
            9,
            10,
            99,
            100,
            255,
            0x0a00_0001,
            0xc000_0201,
            u32::MAX,
        ];
        let random = (0..20_000).map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 32) as u32
        });
        for address in fixed.into_iter().chain(random) {
            assert_eq!(
                Ipv4Text::new(address).as_str(),
                std::net::Ipv4Addr::from(address).to_string()
            );
        }
    }

    fn tcp_packet() -> Packet {
        Packet {
            family: AddressFamily::Inet,
            source: u128::from(u32::from(Ipv4Addr::new(192, 0, 2, 1))),
            destination: u128::from(u32::from(Ipv4Addr::new(203, 0, 113, 5))),
            protocol: protocol::TCP,
            source_port: Some(1234),
            destination_port: Some(80),
            icmp_type: None,
            icmp_code: None,
            tcp_flags: Some(tcp_flag::SYN),
            packet_length: 60,
            dscp: 0,
            fragment_offset: 0,
            fragment_flags: 0,
            ttl: 64,
        }
    }

    #[test]
    fn parses_the_documented_example() {
        let packet =
            parse_packet("proto=tcp src=192.0.2.1 dst=203.0.113.5 sport=1234 dport=80 len=60")
                .unwrap();
        assert_eq!(packet, tcp_packet());
        assert_eq!(
            packet.to_string(),
            "tcp 192.0.2.1:1234 -> 203.0.113.5:80 flags syn len 60"
        );
    }

    #[test]
    fn defaults_fill_only_carried_fields() {
        let udp = parse_packet("proto=udp").unwrap();
        assert_eq!(udp.family, AddressFamily::Inet);
        assert_eq!(
            (udp.source_port, udp.destination_port),
            (Some(1024), Some(80))
        );
        assert_eq!(udp.tcp_flags, None);
        assert_eq!(udp.packet_length, 28);

        let tcp = parse_packet("").unwrap();
        assert_eq!(tcp.protocol, protocol::TCP);
        assert_eq!(tcp.packet_length, 40);
        assert_eq!(tcp.ttl, 64);

        let fragment = parse_packet("proto=udp frag-offset=10 frag-flags=mf").unwrap();
        assert_eq!(fragment.source_port, None);
        assert_eq!(fragment.packet_length, 21);
        assert_eq!(fragment.fragment_flags, fragment_flag::MORE_FRAGMENTS);
    }

    #[test]
    fn icmp6_without_addresses_is_inet6() {
        let packet = parse_packet("proto=icmp6").unwrap();
        assert_eq!(packet.family, AddressFamily::Inet6);
        assert_eq!((packet.icmp_type, packet.icmp_code), (Some(128), Some(0)));
        assert_eq!(packet.packet_length, 48);
        assert_eq!(
            packet.to_string(),
            "icmp6 2001:db8::1 -> 2001:db8::2 type 128 code 0 len 48"
        );
    }

    #[test]
    fn inet6_ports_print_in_brackets() {
        let packet = parse_packet("proto=udp src=2001:db8::5 dport=53 ttl=1").unwrap();
        assert_eq!(
            packet.to_string(),
            "udp [2001:db8::5]:1024 -> [2001:db8::2]:53 len 48 ttl 1"
        );
    }

    #[test]
    fn flags_by_name_and_number_agree() {
        let by_name = parse_packet("flags=syn,ack").unwrap();
        let by_number = parse_packet("flags=0x12").unwrap();
        assert_eq!(by_name.tcp_flags, Some(0x12));
        assert_eq!(by_name, by_number);
    }

    #[test]
    fn the_2013_packet_length_is_impossible() {
        let error = parse_packet("proto=udp dst=173.245.48.1 dport=53 len=99971").unwrap_err();
        assert_eq!(
            error,
            PacketSpecError::Impossible(PacketViolation::LengthTooLarge {
                length: 99_971,
                max: 65_535,
                family: AddressFamily::Inet
            })
        );
        assert!(error.to_string().contains("65535"), "{error}");
    }

    #[test]
    fn errors_name_the_bad_key_and_value() {
        let cases = [
            ("dport=70000", "`70000` for `dport`"),
            ("proto=tcpp", "`tcpp` for `proto`"),
            ("dscp=64", "`64` for `dscp`"),
            ("flags=syn,foo", "`foo` is not a flag"),
            ("colour=red", "unknown key `colour`"),
            ("dport", "`dport` is not of the form"),
            (
                "dport=1 destination-port=2",
                "`destination-port` is given more than once",
            ),
            (
                "src=192.0.2.1 dst=2001:db8::1",
                "not of the same address family",
            ),
            (
                "proto=icmp dport=80",
                "an ICMP packet has no destination port",
            ),
            ("proto=tcp len=39", "below 40"),
            (
                "proto=udp frag-offset=3 sport=5",
                "a non-first fragment has no source port",
            ),
            (
                "proto=icmp src=2001:db8::1 type=1",
                "in inet6, ICMPv6 is protocol 58",
            ),
        ];
        for (spec, expected) in cases {
            let message = parse_packet(spec).unwrap_err().to_string();
            assert!(message.contains(expected), "{spec}: {message}");
        }
    }

    #[test]
    fn validity_rules() {
        let good = tcp_packet();
        assert!(good.is_valid());
        let cases = [
            Packet {
                tcp_flags: None,
                ..good
            },
            Packet {
                packet_length: 39,
                ..good
            },
            Packet { dscp: 64, ..good },
            Packet {
                source: 1 << 32,
                ..good
            },
            Packet {
                fragment_offset: 1,
                ..good
            },
            Packet {
                icmp_type: Some(0),
                ..good
            },
        ];
        for packet in cases {
            assert!(!packet.is_valid(), "{packet:?}");
        }
        let later_fragment = Packet {
            fragment_offset: 1,
            source_port: None,
            destination_port: None,
            tcp_flags: None,
            packet_length: 28,
            ..good
        };
        assert!(later_fragment.is_valid());
        assert!(
            !Packet {
                packet_length: 20,
                ..later_fragment
            }
            .is_valid()
        );
        let inet6_max = Packet {
            family: AddressFamily::Inet6,
            packet_length: 65_575,
            ..good
        };
        assert!(inet6_max.is_valid());
        assert!(
            !Packet {
                packet_length: 65_576,
                ..inet6_max
            }
            .is_valid()
        );
    }

    #[test]
    fn display_shows_fields_that_differ_from_the_defaults() {
        let packet = parse_packet(
            "proto=gre src=10.0.0.1 dst=10.0.0.2 len=100 dscp=46 ttl=1 frag-offset=5 frag-flags=more-fragments,df",
        )
        .unwrap();
        assert_eq!(
            packet.to_string(),
            "gre 10.0.0.1 -> 10.0.0.2 len 100 dscp 46 ttl 1 frag-offset 5 \
             frag-flags more-fragments,dont-fragment"
        );
    }
}
