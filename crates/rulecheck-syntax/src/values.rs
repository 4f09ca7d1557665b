//! Readers for the values of configuration statements: addresses, numbers, ranges, rates, bit expressions.

use std::net::Ipv6Addr;

use crate::model::{Address, BitSet256};

/// Why a number could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberError {
    /// More digits than any field can hold.
    TooLarge,
    /// Neither a number nor a known name.
    Unknown,
}

/// Reads a decimal number, `0x` hexadecimal, or `b` binary (`b101110`, as Junos writes DSCP bits).
pub fn parse_number(text: &str) -> Result<u64, NumberError> {
    let (digits, radix) =
        if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            (hex, 16)
        } else if let Some(bin) = text
            .strip_prefix('b')
            .filter(|b| !b.is_empty() && b.bytes().all(|c| c == b'0' || c == b'1'))
        {
            (bin, 2)
        } else {
            (text, 10)
        };
    if digits.is_empty()
        || !digits
            .bytes()
            .all(|c| c.is_ascii_digit() || (radix == 16 && c.is_ascii_hexdigit()))
    {
        return Err(NumberError::Unknown);
    }
    u64::from_str_radix(digits, radix).map_err(|_| NumberError::TooLarge)
}

/// The longest text [`parse_range`] reads: two of the longest names (ICMPv6 type names, about 40 characters)
/// and a hyphen fit with room to spare.
const MAX_VALUE_LEN: usize = 128;

/// Reads a value or an inclusive range `lo-hi`, resolving names with `name`.
///
/// Names may contain hyphens (`ftp-data`, `echo-request`, `af41-af42` is a range of two names), so the whole
/// word is tried first, then each hyphen as the range separator.
pub fn parse_range(
    text: &str,
    name: impl Fn(&str) -> Option<u64>,
) -> Result<(u64, u64), NumberError> {
    if text.len() > MAX_VALUE_LEN {
        // Not a value of any field; trying every hyphen of a long word as the separator would be quadratic.
        return Err(if text.bytes().all(|b| b.is_ascii_digit()) {
            NumberError::TooLarge
        } else {
            NumberError::Unknown
        });
    }
    let single = |t: &str| match parse_number(t) {
        Ok(v) => Ok(v),
        Err(NumberError::TooLarge) => Err(NumberError::TooLarge),
        Err(NumberError::Unknown) => name(t).ok_or(NumberError::Unknown),
    };
    match single(text) {
        Ok(v) => return Ok((v, v)),
        Err(NumberError::TooLarge) => return Err(NumberError::TooLarge),
        Err(NumberError::Unknown) => {}
    }
    let mut result = Err(NumberError::Unknown);
    for (i, _) in text.match_indices('-') {
        match (single(&text[..i]), single(&text[i + 1..])) {
            (Ok(lo), Ok(hi)) => return Ok((lo, hi)),
            (Err(NumberError::TooLarge), _) | (_, Err(NumberError::TooLarge)) => {
                result = Err(NumberError::TooLarge);
            }
            _ => {}
        }
    }
    result
}

/// Reads an address with an optional prefix length or (IPv4) mask. Returns the address with host bits cleared
/// and whether host bits were set.
///
/// Junos accepts abbreviated IPv4 (`10/8` is `10.0.0.0/8`) and defaults the length to /32 (IPv4) or /128
/// (IPv6): "Firewall Filter Match Conditions Based on Address Fields". IPv4 masks may be non-contiguous
/// (`10.0.0.10/255.0.0.255`).
pub fn parse_address(text: &str) -> Result<(Address, bool), String> {
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (text, None),
    };
    if addr.contains(':') {
        let bits = u128::from(
            addr.parse::<Ipv6Addr>()
                .map_err(|_| "not an IPv6 address".to_owned())?,
        );
        let len = match len {
            None => 128,
            Some(l) => l
                .parse::<u8>()
                .ok()
                .filter(|&l| l <= 128)
                .ok_or_else(|| format!("`/{l}` is not a prefix length from 0 to 128"))?,
        };
        let address = Address::prefix(true, bits, len);
        return Ok((address, address.bits != bits));
    }
    let bits = u128::from(parse_ipv4(addr).ok_or_else(|| "not an IPv4 address".to_owned())?);
    let address = match len {
        None => Address::prefix(false, bits, 32),
        Some(l) if l.contains('.') => {
            let mask = u128::from(
                parse_ipv4(l)
                    .filter(|_| l.split('.').count() == 4)
                    .ok_or_else(|| format!("`/{l}` is not a mask"))?,
            );
            Address {
                v6: false,
                bits: bits & mask,
                mask,
            }
        }
        Some(l) => {
            let len = l
                .parse::<u8>()
                .ok()
                .filter(|&l| l <= 32)
                .ok_or_else(|| format!("`/{l}` is not a prefix length from 0 to 32"))?;
            Address::prefix(false, bits, len)
        }
    };
    Ok((address, address.bits != bits))
}

/// Dotted IPv4 with one to four octets; missing octets are zero (`10.1` is 10.1.0.0).
fn parse_ipv4(text: &str) -> Option<u32> {
    // One pass over the bytes: every address of every term goes through here.
    let mut value = 0u32;
    let (mut count, mut octet, mut digits) = (0, 0u32, 0);
    for &b in text.as_bytes().iter().chain([&b'.']) {
        if b == b'.' {
            if digits == 0 || octet > 255 || count == 4 {
                return None;
            }
            value = (value << 8) | octet;
            (count, octet, digits) = (count + 1, 0, 0);
        } else if b.is_ascii_digit() && digits < 3 {
            octet = octet * 10 + u32::from(b - b'0');
            digits += 1;
        } else {
            return None;
        }
    }
    Some(value << (8 * (4 - count)))
}

/// Reads a rate in bits per second: a number with an optional `k`, `m` or `g` suffix.
pub fn parse_rate(text: &str) -> Option<u64> {
    let lower = text.to_ascii_lowercase();
    let (digits, scale) = match lower.as_bytes().last()? {
        b'k' => (&lower[..lower.len() - 1], 1_000),
        b'm' => (&lower[..lower.len() - 1], 1_000_000),
        b'g' => (&lower[..lower.len() - 1], 1_000_000_000),
        _ => (&lower[..], 1),
    };
    if let Ok(v) = digits.parse::<u64>() {
        return v.checked_mul(scale);
    }
    // Junos also writes rates as decimals: `1.5m`.
    let v: f64 = digits
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && *v >= 0.0)?;
    let rate = v * scale as f64;
    (rate < 1.8e19).then_some(rate as u64)
}

/// Evaluates a bit-field expression (`"(syn & !ack) | rst"`, `0x12`, `syn`) over every byte value.
///
/// Junos bit-field logic: a name or number means "these bits are set"; `!` negates, `&` (or `+`) is AND,
/// `|` (or `,`) is OR, parentheses group ("Bit-Field Logical Operators" in the filter match-condition guide).
pub fn parse_bit_expression(text: &str, names: &[(&str, u8)]) -> Result<BitSet256, String> {
    let tokens = tokenize_bits(text)?;
    let mut parser = BitParser {
        tokens: &tokens,
        pos: 0,
        names,
    };
    let set = parser.or()?;
    if parser.pos != tokens.len() {
        return Err(format!("unexpected `{}`", tokens[parser.pos]));
    }
    Ok(set)
}

fn tokenize_bits(text: &str) -> Result<Vec<&str>, String> {
    let mut tokens = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let c = rest.as_bytes()[0];
        if c.is_ascii_whitespace() {
            rest = rest.trim_start();
            continue;
        }
        let len = if b"()!&|+,".contains(&c) {
            1
        } else {
            rest.find(|ch: char| ch.is_ascii_whitespace() || "()!&|+,".contains(ch))
                .unwrap_or(rest.len())
        };
        tokens.push(&rest[..len]);
        rest = &rest[len..];
        if tokens.len() > 256 {
            return Err("expression is too long".into());
        }
    }
    if tokens.is_empty() {
        return Err("empty expression".into());
    }
    Ok(tokens)
}

struct BitParser<'a> {
    tokens: &'a [&'a str],
    pos: usize,
    names: &'a [(&'a str, u8)],
}

impl<'a> BitParser<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.tokens.get(self.pos).copied()
    }

    fn or(&mut self) -> Result<BitSet256, String> {
        let mut set = self.and()?;
        while matches!(self.peek(), Some("|" | ",")) {
            self.pos += 1;
            let rhs = self.and()?;
            for i in 0..4 {
                set.0[i] |= rhs.0[i];
            }
        }
        Ok(set)
    }

    fn and(&mut self) -> Result<BitSet256, String> {
        let mut set = self.not(0)?;
        while matches!(self.peek(), Some("&" | "+")) {
            self.pos += 1;
            let rhs = self.not(0)?;
            for i in 0..4 {
                set.0[i] &= rhs.0[i];
            }
        }
        Ok(set)
    }

    fn not(&mut self, depth: usize) -> Result<BitSet256, String> {
        if depth > 64 {
            return Err("expression is nested too deeply".into());
        }
        match self.peek() {
            Some("!") => {
                self.pos += 1;
                let inner = self.not(depth + 1)?;
                Ok(BitSet256([
                    !inner.0[0],
                    !inner.0[1],
                    !inner.0[2],
                    !inner.0[3],
                ]))
            }
            Some("(") => {
                self.pos += 1;
                let inner = self.or()?;
                if self.peek() != Some(")") {
                    return Err("`)` is missing".into());
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(word) => {
                self.pos += 1;
                let bits = self
                    .names
                    .iter()
                    .find(|(n, _)| *n == word)
                    .map(|&(_, b)| b)
                    .or_else(|| parse_number(word).ok().and_then(|v| u8::try_from(v).ok()))
                    .ok_or_else(|| {
                        let known: Vec<&str> = self.names.iter().map(|(n, _)| *n).collect();
                        format!("`{word}` is not one of {}", known.join(", "))
                    })?;
                Ok(BitSet256::from_fn(|v| v & bits == bits))
            }
            None => Err("expression ends too early".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`parse_ipv4`] as it reads: dotted parts of one to three digits, each at most 255, at most four,
    /// the missing ones zero.
    fn parse_ipv4_by_parts(text: &str) -> Option<u32> {
        let parts: Vec<&str> = text.split('.').collect();
        if parts.len() > 4 {
            return None;
        }
        let mut value = 0u32;
        for part in &parts {
            if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            value = (value << 8) | part.parse::<u32>().ok().filter(|&o| o <= 255)?;
        }
        Some(value << (8 * (4 - parts.len())))
    }

    #[test]
    fn ipv4_addresses_are_read_as_dotted_parts() {
        let fixed = [
            "",
            ".",
            "1.",
            ".1",
            "1..2",
            "10",
            "10.1",
            "192.0.2.1",
            "255.255.255.255",
            "256.0.0.0",
            "1.2.3.4.5",
            "001.02.3.4",
            "1234.1.1.1",
            "1.2.3.4 ",
            "1.2.3.-4",
            "1.2.3.٣",
            "0.0.0.0",
        ];
        for text in fixed {
            assert_eq!(parse_ipv4(text), parse_ipv4_by_parts(text), "{text:?}");
        }
        assert_eq!(parse_ipv4("192.0.2.1"), Some(0xc000_0201));
        assert_eq!(parse_ipv4("10.1"), Some(0x0a01_0000));
        let alphabet = b"0123456789.x";
        let mut state = 7u64;
        for _ in 0..50_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let len = (state >> 60) as usize;
            let text: String = (0..len)
                .map(|i| alphabet[((state >> (4 * i)) % 12) as usize] as char)
                .collect();
            assert_eq!(parse_ipv4(&text), parse_ipv4_by_parts(&text), "{text:?}");
        }
    }
    use crate::keywords::{PORT_NAMES, TCP_FLAG_NAMES};

    fn port(name: &str) -> Option<u64> {
        PORT_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, v)| u64::from(v))
    }

    #[test]
    fn ranges_and_hyphenated_names() {
        assert_eq!(parse_range("80", port), Ok((80, 80)));
        assert_eq!(parse_range("ftp-data", port), Ok((20, 20)));
        assert_eq!(parse_range("1024-65535", port), Ok((1024, 65535)));
        assert_eq!(parse_range("ftp-data-http", port), Ok((20, 80)));
        assert_eq!(parse_range("nope", port), Err(NumberError::Unknown));
        assert_eq!(
            parse_range("1234567890123456789012345678901234567890", port),
            Err(NumberError::TooLarge)
        );
    }

    #[test]
    fn addresses() {
        let (a, host) = parse_address("10/8").unwrap();
        assert_eq!((a.to_string(), host), ("10.0.0.0/8".to_owned(), false));
        let (a, host) = parse_address("10.1.1.1/8").unwrap();
        assert_eq!((a.to_string(), host), ("10.0.0.0/8".to_owned(), true));
        assert_eq!(parse_address("10").unwrap().0.to_string(), "10.0.0.0/32");
        let (a, _) = parse_address("192.168.0.64/255.255.254.224").unwrap();
        assert_eq!(a.prefix_len(), None);
        assert!(a.contains(0xc0a8_0146) && a.contains(0xc0a8_0050) && !a.contains(0xc0a8_0100));
        assert_eq!(
            parse_address("2001:db8::/32").unwrap().0.to_string(),
            "2001:db8::/32"
        );
        assert!(parse_address("10.0.0.256/8").is_err());
        assert!(parse_address("10.0.0.0/33").is_err());
        assert!(parse_address("2001:db8::/129").is_err());
    }

    #[test]
    fn bit_expressions() {
        let initial = parse_bit_expression("syn & !ack", TCP_FLAG_NAMES).unwrap();
        assert!(initial.contains(0x02) && !initial.contains(0x12) && !initial.contains(0x10));
        let established = parse_bit_expression("(ack | rst)", TCP_FLAG_NAMES).unwrap();
        assert!(
            established.contains(0x10) && established.contains(0x04) && !established.contains(0x02)
        );
        assert!(parse_bit_expression("syn & (ack", TCP_FLAG_NAMES).is_err());
        assert!(parse_bit_expression("sin", TCP_FLAG_NAMES).is_err());
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("0"), Some(0));
        assert_eq!(parse_rate("10m"), Some(10_000_000));
        assert_eq!(parse_rate("1.5k"), Some(1500));
        assert_eq!(parse_rate("fast"), None);
    }
}
