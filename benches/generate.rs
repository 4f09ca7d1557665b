//! Large, realistic Junos configurations for benchmarks, generated rather than committed.
//!
//! [`filter_config`] and [`set_config`] describe the same configuration, in the hierarchical form and in the
//! `set` form: the same seed gives the same filters, terms, prefix lists, policers and flow routes in both.
//! The content follows what rule repositories hold: several filters (IPv4 and IPv6) bound to interfaces,
//! address lists with `except`, prefix lists, ports as numbers, ranges and names, protocols, packet-length
//! ranges, TCP flag expressions, counters and policers, `next term`, some inactive terms, and a few flow
//! routes.

use std::fmt::Write as _;

/// The configuration with `terms` filter terms, in the hierarchical (`{ }`) form.
pub fn filter_config(terms: usize, seed: u64) -> String {
    let mut out = String::new();
    for statement in &configuration(terms, seed) {
        hierarchical(&mut out, statement, 0);
    }
    out
}

/// The configuration of [`filter_config`] with the same arguments, as `set` and `deactivate` commands.
pub fn set_config(terms: usize, seed: u64) -> String {
    let mut out = String::new();
    let mut path = Vec::new();
    for statement in &configuration(terms, seed) {
        set_form(&mut out, &mut path, statement);
    }
    out
}

/// One statement: `text` followed by its values (one is written `text v;`, several `text [ v w ];`), or
/// a block of `children`.
#[derive(Clone)]
struct Statement {
    text: String,
    values: Vec<String>,
    children: Vec<Statement>,
    inactive: bool,
}

impl Statement {
    fn leaf(text: impl Into<String>, values: Vec<String>) -> Self {
        Self {
            text: text.into(),
            values,
            children: Vec::new(),
            inactive: false,
        }
    }

    fn block(text: impl Into<String>, children: Vec<Statement>) -> Self {
        Self {
            text: text.into(),
            values: Vec::new(),
            children,
            inactive: false,
        }
    }
}

fn hierarchical(out: &mut String, statement: &Statement, depth: usize) {
    let indent = "    ".repeat(depth);
    let tag = if statement.inactive { "inactive: " } else { "" };
    if statement.children.is_empty() {
        let _ = match statement.values.as_slice() {
            [] => writeln!(out, "{indent}{tag}{};", statement.text),
            [value] => writeln!(out, "{indent}{tag}{} {value};", statement.text),
            values => writeln!(
                out,
                "{indent}{tag}{} [ {} ];",
                statement.text,
                values.join(" ")
            ),
        };
    } else {
        let _ = writeln!(out, "{indent}{tag}{} {{", statement.text);
        for child in &statement.children {
            hierarchical(out, child, depth + 1);
        }
        let _ = writeln!(out, "{indent}}}");
    }
}

/// Writes `statement` as Junos' `show configuration | display set` does: one line per value, and a
/// `deactivate` line after an inactive statement.
fn set_form<'a>(out: &mut String, path: &mut Vec<&'a str>, statement: &'a Statement) {
    path.push(&statement.text);
    if statement.children.is_empty() {
        if statement.values.is_empty() {
            let _ = writeln!(out, "set {}", path.join(" "));
        }
        for value in &statement.values {
            let _ = writeln!(out, "set {} {value}", path.join(" "));
        }
    } else {
        for child in &statement.children {
            set_form(out, path, child);
        }
    }
    if statement.inactive {
        let _ = writeln!(out, "deactivate {}", path.join(" "));
    }
    path.pop();
}

/// SplitMix64: small, fast and good enough to vary generated rules; no dependency needed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const PORT_NAMES: &[&str] = &[
    "http", "https", "ssh", "domain", "bgp", "ntp", "snmp", "smtp", "ldap", "syslog", "tacacs",
];
const PROTOCOLS: &[&str] = &[
    "tcp", "udp", "tcp", "udp", "icmp", "gre", "esp", "47", "132",
];
const TCP_FLAGS: &[&str] = &[
    "\"syn & !ack\"",
    "\"(syn & !ack) | rst\"",
    "\"ack | rst\"",
    "\"fin & urgent & push\"",
];
const DSCP: &[&str] = &["ef", "af11", "af41", "cs6", "be", "46", "10"];
const PURPOSES: &[&str] = &[
    "allow-web",
    "allow-dns",
    "block-amp",
    "allow-mgmt",
    "police-icmp",
    "block-bogons",
    "allow-bgp",
    "count-udp",
];

/// Prefix lists defined under `policy-options`.
const PREFIX_LISTS: usize = 12;

fn ipv4_prefix(rng: &mut Rng) -> (u32, u32) {
    // Mostly hosts and small networks, some large ones.
    let len = if rng.chance(80) {
        22 + rng.below(11) as u32
    } else {
        8 + rng.below(25) as u32
    };
    let mask = u32::MAX << (32 - len);
    ((rng.next() as u32) & mask, len)
}

fn ipv4(bits: u32, len: u32) -> String {
    let [a, b, c, d] = bits.to_be_bytes();
    format!("{a}.{b}.{c}.{d}/{len}")
}

fn ipv6_prefix(rng: &mut Rng) -> String {
    let len = [48, 56, 64, 64, 128][rng.below(5) as usize];
    let global = 0x2000 + rng.below(0x2000);
    let site = rng.below(0x1_0000);
    let net = rng.below(0x1_0000);
    match len {
        48 => format!("{global:x}:{site:x}:{net:x}::/48"),
        128 => format!("{global:x}:{site:x}:{net:x}::{:x}/128", rng.below(0x1_0000)),
        56 => format!("{global:x}:{site:x}:{:x}::/56", net & 0xff00),
        _ => format!("{global:x}:{site:x}:{net:x}::/64"),
    }
}

/// An address list: a few prefixes, some with a more specific `except` inside them.
fn addresses(rng: &mut Rng, v6: bool) -> Vec<Statement> {
    let mut entries = Vec::new();
    for _ in 0..=rng.below(3) {
        if v6 {
            entries.push(Statement::leaf(ipv6_prefix(rng), Vec::new()));
            continue;
        }
        let (bits, len) = ipv4_prefix(rng);
        entries.push(Statement::leaf(ipv4(bits, len), Vec::new()));
        if len < 30 && rng.chance(30) {
            let longer = len + 1 + rng.below(u64::from(32 - len)) as u32;
            let inner = (bits | (rng.next() as u32 & !(u32::MAX << (32 - len))))
                & (u32::MAX << (32 - longer));
            entries.push(Statement::leaf(
                format!("{} except", ipv4(inner, longer)),
                Vec::new(),
            ));
        }
    }
    entries
}

fn ports(rng: &mut Rng) -> Vec<String> {
    (0..=rng.below(3))
        .map(|_| match rng.below(3) {
            0 => (*rng.pick(PORT_NAMES)).to_owned(),
            1 => (1 + rng.below(65_535)).to_string(),
            _ => {
                let lo = 1024 + rng.below(30_000);
                format!("{lo}-{}", lo + rng.below(1000))
            }
        })
        .collect()
}

fn term(rng: &mut Rng, index: usize, v6: bool) -> Statement {
    let name = format!("{}-{index}", rng.pick(PURPOSES));
    let mut from = Vec::new();
    // Most terms are about particular hosts or networks; a few are broad (any address).
    if rng.chance(40) {
        from.push(Statement::block("source-address", addresses(rng, v6)));
    }
    if rng.chance(85) {
        from.push(Statement::block("destination-address", addresses(rng, v6)));
    } else if rng.chance(60) {
        let list = format!("pl-{}", rng.below(PREFIX_LISTS as u64));
        let kind = if rng.chance(50) {
            "source-prefix-list"
        } else {
            "destination-prefix-list"
        };
        from.push(Statement::block(
            kind,
            vec![Statement::leaf(list, Vec::new())],
        ));
    }
    let protocol = *rng.pick(PROTOCOLS);
    let keyword = if v6 { "next-header" } else { "protocol" };
    let transport = matches!(protocol, "tcp" | "udp");
    if rng.chance(85) {
        from.push(Statement::leaf(keyword, vec![protocol.to_owned()]));
        if transport && rng.chance(80) {
            let kind = *rng.pick(&[
                "destination-port",
                "destination-port",
                "source-port",
                "port",
            ]);
            from.push(Statement::leaf(kind, ports(rng)));
        }
        if protocol == "tcp" && rng.chance(25) {
            match rng.below(3) {
                0 => from.push(Statement::leaf(
                    "tcp-flags",
                    vec![(*rng.pick(TCP_FLAGS)).to_owned()],
                )),
                1 => from.push(Statement::leaf("tcp-established", Vec::new())),
                _ => from.push(Statement::leaf("tcp-initial", Vec::new())),
            }
        }
        if protocol == "icmp" && !v6 && rng.chance(50) {
            from.push(Statement::leaf(
                "icmp-type",
                vec![
                    (*rng.pick(&["echo-request", "echo-reply", "unreachable", "time-exceeded"]))
                        .to_owned(),
                ],
            ));
        }
    }
    if rng.chance(15) {
        let lo = rng.below(1500);
        from.push(Statement::leaf(
            "packet-length",
            vec![format!("{lo}-{}", lo + 1 + rng.below(8000))],
        ));
    }
    if !v6 && rng.chance(10) {
        from.push(Statement::leaf("dscp", vec![(*rng.pick(DSCP)).to_owned()]));
    }
    if !v6 && rng.chance(5) {
        from.push(Statement::leaf("is-fragment", Vec::new()));
    }
    if !from
        .iter()
        .any(|c| c.text.ends_with("address") || c.text.ends_with("prefix-list"))
    {
        // Terms about any address are rare in rule repositories and end most of a filter; the generated
        // catch-all is the last term.
        from.push(Statement::block("destination-address", addresses(rng, v6)));
    }
    let mut then = Vec::new();
    if rng.chance(40) {
        then.push(Statement::leaf("count", vec![name.clone()]));
    }
    match rng.below(10) {
        0..=4 => then.push(Statement::leaf("accept", Vec::new())),
        5..=6 => then.push(Statement::leaf("discard", Vec::new())),
        7 => then.push(Statement::leaf("reject", Vec::new())),
        8 => {
            then.push(Statement::leaf(
                "policer",
                vec![format!("police-{}", rng.below(2))],
            ));
            then.push(Statement::leaf("accept", Vec::new()));
        }
        _ => then.push(Statement::leaf("next", vec!["term".to_owned()])),
    }
    let mut children = Vec::new();
    if !from.is_empty() {
        children.push(Statement::block("from", from));
    }
    children.push(Statement::block("then", then));
    let mut term = Statement::block(format!("term {name}"), children);
    term.inactive = rng.chance(3);
    term
}

/// A copy of `earlier` under a new name whose action differs: it never acts.
fn shadowed(earlier: &Statement, index: usize) -> Statement {
    let mut copy = earlier.clone();
    copy.text = format!("term shadowed-{index}");
    copy.inactive = false;
    for child in &mut copy.children {
        if child.text == "then" {
            let accepts = child.children.iter().any(|c| c.text == "accept");
            let action = if accepts { "discard" } else { "accept" };
            *child = Statement::block("then", vec![Statement::leaf(action, Vec::new())]);
        }
    }
    copy
}

fn flow_route(rng: &mut Rng, index: usize) -> Statement {
    let (bits, len) = ipv4_prefix(rng);
    let len = len.max(24);
    let mut matches = vec![Statement::leaf(
        "destination",
        vec![ipv4(bits & (u32::MAX << (32 - len)), len)],
    )];
    if rng.chance(50) {
        matches.push(Statement::leaf(
            "protocol",
            vec![(*rng.pick(&["udp", "tcp"])).to_owned()],
        ));
        matches.push(Statement::leaf(
            "port",
            vec![(*rng.pick(&["53", "123", "11211", "1900"])).to_owned()],
        ));
    }
    if rng.chance(30) {
        let lo = 64 + rng.below(1000);
        matches.push(Statement::leaf(
            "packet-length",
            vec![format!("{lo}-{}", lo + rng.below(1400))],
        ));
    }
    let then = if rng.chance(60) {
        Statement::leaf("then", vec!["discard".to_owned()])
    } else {
        Statement::block(
            "then",
            vec![Statement::leaf(
                "rate-limit",
                vec![format!("{}m", 1 + rng.below(100))],
            )],
        )
    };
    Statement::block(
        format!("route flow-{index}"),
        vec![Statement::block("match", matches), then],
    )
}

fn configuration(terms: usize, seed: u64) -> Vec<Statement> {
    let mut rng = Rng(seed);
    let mut lists = Vec::new();
    for i in 0..PREFIX_LISTS {
        let mut prefixes = addresses(&mut rng, false);
        prefixes.retain(|p| !p.text.ends_with(" except"));
        lists.push(Statement::block(format!("prefix-list pl-{i}"), prefixes));
    }
    let policers = (0..2)
        .map(|i| {
            Statement::block(
                format!("policer police-{i}"),
                vec![
                    Statement::block(
                        "if-exceeding",
                        vec![
                            Statement::leaf("bandwidth-limit", vec![format!("{}m", 10 * (i + 1))]),
                            Statement::leaf("burst-size-limit", vec!["100k".to_owned()]),
                        ],
                    ),
                    Statement::leaf("then", vec!["discard".to_owned()]),
                ],
            )
        })
        .collect::<Vec<_>>();
    // Several filters: one per 2,000 terms, at least three; every third one IPv6.
    let filters = (terms / 2000).clamp(3, 50).min(terms.max(1));
    let mut inet = Vec::new();
    let mut inet6 = Vec::new();
    let mut bindings = Vec::new();
    let mut next_term = 0;
    for f in 0..filters {
        let count = terms / filters + usize::from(f < terms % filters);
        let v6 = f % 3 == 2;
        let name = format!("{}-{f}", if v6 { "edge6" } else { "edge4" });
        let mut body: Vec<Statement> = Vec::with_capacity(count + 2);
        for _ in 0..count {
            next_term += 1;
            // A few percent of terms repeat an earlier term's match with another action: shadowed on purpose.
            if body.len() > 1 && rng.chance(2) {
                body.push(shadowed(
                    &body[rng.below(body.len() as u64) as usize],
                    next_term,
                ));
            } else {
                body.push(term(&mut rng, next_term, v6));
            }
        }
        // The final term states the default, as most filters do.
        body.push(Statement::block(
            "term default",
            vec![Statement::leaf(
                "then",
                vec![(*rng.pick(&["accept", "discard"])).to_owned()],
            )],
        ));
        body.insert(0, Statement::leaf("interface-specific", Vec::new()));
        bindings.push((name.clone(), v6));
        let filter = Statement::block(format!("filter {name}"), body);
        if v6 {
            inet6.push(filter);
        } else {
            inet.push(filter);
        }
    }
    let mut firewall = policers;
    firewall.push(Statement::block("family inet", inet));
    if !inet6.is_empty() {
        firewall.push(Statement::block("family inet6", inet6));
    }
    let interfaces = bindings
        .iter()
        .enumerate()
        .map(|(i, (name, v6))| {
            let family = if *v6 { "family inet6" } else { "family inet" };
            Statement::block(
                format!("xe-0/0/{i}"),
                vec![
                    Statement::leaf("mtu", vec!["9192".to_owned()]),
                    Statement::block(
                        "unit 0",
                        vec![Statement::block(
                            family,
                            vec![Statement::block(
                                "filter",
                                vec![Statement::leaf("input", vec![name.clone()])],
                            )],
                        )],
                    ),
                ],
            )
        })
        .collect();
    let routes: Vec<Statement> = (0..3 + terms / 20)
        .map(|i| flow_route(&mut rng, i))
        .collect();
    vec![
        Statement::block("interfaces", interfaces),
        Statement::block("policy-options", lists),
        Statement::block("firewall", firewall),
        Statement::block(
            "routing-options",
            vec![Statement::block(
                "flow",
                std::iter::once(Statement::leaf("term-order", vec!["standard".to_owned()]))
                    .chain(routes)
                    .collect(),
            )],
        ),
    ]
}
