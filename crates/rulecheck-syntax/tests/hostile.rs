//! Hostile input: every one finishes, without a panic or a stack overflow, and gets a bounded number of
//! findings.

use std::fmt::Write as _;

use proptest::prelude::*;
use rulecheck_syntax::lexer::MAX_TOKEN_LEN;
use rulecheck_syntax::{Code, Limits, Parsed, parse_str, source};

/// The most syntax errors one file can produce: the parser's per-file cap and its summary line, and the
/// same again for statements whose `;` is missing (reported while the model is built).
fn max_syntax_errors() -> usize {
    2 * (Limits::default().max_errors + 1)
}

/// Parses `text`, checks that every finding lies within it, and returns the result.
fn parse_checked(text: &str) -> Parsed {
    let (_, parsed) = parse_str("hostile.conf", text);
    for d in &parsed.diagnostics {
        let span = d.loc.span;
        assert!(
            span.start <= span.end && span.end as usize <= text.len(),
            "{:?} {span:?} lies outside the text of {} bytes: {}",
            d.code,
            text.len(),
            d.message
        );
        assert!(
            text.is_char_boundary(span.start as usize) && text.is_char_boundary(span.end as usize),
            "{:?} {span:?} splits a character",
            d.code
        );
    }
    parsed
}

fn syntax_errors(parsed: &Parsed) -> usize {
    parsed
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::SyntaxError)
        .count()
}

/// Reports syntax errors, but not more than the cap.
fn assert_bounded_syntax_errors(parsed: &Parsed) {
    let errors = syntax_errors(parsed);
    assert!(errors >= 1, "no syntax error reported");
    assert!(
        errors <= max_syntax_errors(),
        "{errors} syntax errors reported; the cap is {}",
        max_syntax_errors()
    );
}

/// A deterministic byte stream (SplitMix64), so failures reproduce.
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}

#[test]
fn two_hundred_thousand_nested_blocks_closed() {
    let text = format!("{}{}", "a {\n".repeat(200_000), "}\n".repeat(200_000));
    let parsed = parse_checked(&text);
    // One finding: the depth limit, reported once.
    assert_eq!(syntax_errors(&parsed), 1);
    assert!(parsed.diagnostics[0].message.contains("nested deeper than"));
}

#[test]
fn two_hundred_thousand_nested_blocks_unclosed() {
    let parsed = parse_checked(&"a {\n".repeat(200_000));
    assert_bounded_syntax_errors(&parsed);
    let limit = Limits::default().max_errors;
    assert_eq!(syntax_errors(&parsed), limit + 1);
    assert!(
        parsed
            .diagnostics
            .iter()
            .any(|d| d.message.contains("the rest are not shown"))
    );
}

#[test]
fn a_hundred_thousand_close_braces() {
    let parsed = parse_checked(&"}".repeat(100_000));
    assert_eq!(syntax_errors(&parsed), Limits::default().max_errors + 1);
}

#[test]
fn binary_garbage() {
    for seed in 0..8 {
        let mut raw = bytes(seed, 256 * 1024);
        // Plenty of NULs and punctuation among the noise.
        for (i, b) in raw.iter_mut().enumerate() {
            if i % 7 == 0 {
                *b = 0;
            } else if i % 11 == 0 {
                *b = b"{}[];\"#\n"[i % 8];
            }
        }
        let (text, invalid) = source::decode(raw);
        assert!(invalid.is_some(), "random bytes are not UTF-8");
        let parsed = parse_checked(&text);
        assert_bounded_syntax_errors(&parsed);
    }
}

#[test]
fn invalid_utf8_is_decoded_then_parsed() {
    let mut raw = b"firewall { filter F { term A { from { source-address 10.0.0.0/8".to_vec();
    raw.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    raw.extend_from_slice(b"; } then accept; } } }\nset \x80\x80 x\n");
    let (text, invalid) = source::decode(raw);
    assert_eq!(invalid, Some(63));
    assert!(text.contains('\u{fffd}'));
    let parsed = parse_checked(&text);
    // The replaced bytes make the address invalid; nothing else breaks.
    assert!(
        parsed
            .diagnostics
            .iter()
            .any(|d| d.code == Code::InvalidValue),
        "{:?}",
        parsed.diagnostics
    );
    assert_eq!(parsed.config.filters.len(), 1);
}

#[test]
fn forty_digit_numbers() {
    let digits = "1234567890".repeat(4);
    for condition in ["destination-port", "packet-length"] {
        let text = format!(
            "firewall {{ filter F {{ term A {{ from {{ protocol tcp; {condition} {digits}; }} then accept; }} }} }}\n"
        );
        let parsed = parse_checked(&text);
        let found: Vec<Code> = parsed.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(found, [Code::InvalidValue], "{condition}");
        assert!(parsed.diagnostics[0].message.contains("too large"));
    }
    // As a range bound, too.
    let text = format!(
        "routing-options {{ flow {{ route R {{ match {{ destination 192.0.2.0/24; packet-length 1-{digits}; }} then discard; }} }} }}\n"
    );
    let parsed = parse_checked(&text);
    assert_eq!(
        parsed
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect::<Vec<_>>(),
        [Code::InvalidValue]
    );
}

#[test]
fn a_word_longer_than_the_token_limit() {
    let word = "x".repeat(MAX_TOKEN_LEN + 10);
    let parsed = parse_checked(&format!(
        "firewall {{ filter {word} {{ term A {{ then accept; }} }} }}\n"
    ));
    assert_eq!(syntax_errors(&parsed), 1);
    assert!(parsed.diagnostics[0].message.contains("longest accepted"));
    let parsed = parse_checked(&format!("firewall {{ description \"{word}\"; }}\n"));
    assert_eq!(syntax_errors(&parsed), 1);
}

#[test]
fn long_words_where_values_and_keywords_are_expected() {
    // Each hyphen of a value is a possible range separator, and an unknown keyword is compared with every
    // known one: neither may take time quadratic in the word's length.
    let value = format!("{}{}", "1".repeat(30_000), "-".repeat(30_000));
    let keyword = "k".repeat(60_000);
    let mut text = String::from("firewall { filter F { term A { from {\n");
    for i in 0..20 {
        let _ = writeln!(text, "destination-port {value}{i};\n{keyword}{i} 1;");
    }
    text.push_str("} then accept; } } }\n");
    let parsed = parse_checked(&text);
    assert_eq!(syntax_errors(&parsed), 0);
    assert_eq!(parsed.diagnostics.len(), 40);
}

#[test]
fn many_statements_without_semicolons() {
    let mut text = String::from("firewall { filter F { term A { then {\n");
    for i in 0..100_000 {
        let _ = writeln!(text, "count c{i}");
    }
    text.push_str("} } } }\n");
    let parsed = parse_checked(&text);
    assert_bounded_syntax_errors(&parsed);
}

#[test]
fn many_unknown_statements_without_semicolons() {
    // Each is reported as verbatim text, once; looking them up must not be quadratic.
    let mut text = String::from("firewall { filter F {\n");
    for i in 0..50_000 {
        let _ = writeln!(text, "zz{i} verbatim");
    }
    text.push_str("} }\n");
    let parsed = parse_checked(&text);
    assert_eq!(syntax_errors(&parsed), 0);
    assert_eq!(parsed.diagnostics.len(), 50_000);
}

#[test]
fn a_hundred_thousand_words_in_one_command() {
    let text = format!("set {}\n", "a ".repeat(100_000));
    let parsed = parse_checked(&text);
    assert_eq!(syntax_errors(&parsed), 1);
    let text = format!("{};\n", "a ".repeat(100_000));
    let parsed = parse_checked(&text);
    assert_eq!(syntax_errors(&parsed), 1);
}

const VALID: &str = "\
## Last commit: 2024-05-01 12:00:00 UTC
firewall {
    family inet {
        filter edge {
            term web {
                from {
                    source-address {
                        10.0.0.0/8;
                        10.1.0.0/16 except;
                    }
                    source-prefix-list { peers; }
                    protocol tcp;
                    destination-port [ http https 8000-8080 ];
                    tcp-flags \"syn & !ack\";
                }
                then { count web; policer p1; accept; }
            }
            inactive: term old { then discard; }
            term rest { then { next term; } }
        }
    }
    policer p1 { if-exceeding { bandwidth-limit 10m; burst-size-limit 100k; } then discard; }
}
policy-options { prefix-list peers { 192.0.2.0/24; } }
routing-options {
    flow {
        route dns { match { destination 198.51.100.1/32; port 53; packet-length [ 99971 99985 ]; } then discard; }
    }
}
/* annotation */
interfaces { lo0 { unit 0 { family inet { filter { input edge; } } } } }
";

const VALID_SET: &str = "\
set firewall family inet filter edge term web from source-address 10.0.0.0/8
set firewall family inet filter edge term web from source-address 10.1.0.0/16 except
set firewall family inet filter edge term web from protocol tcp
set firewall family inet filter edge term web from destination-port [ http https ]
set firewall family inet filter edge term web then accept
set firewall family inet filter edge term old then discard
deactivate firewall family inet filter edge term old
insert firewall family inet filter edge term old before term web
delete firewall family inet filter edge term web from protocol
";

/// One edit of the text's bytes.
#[derive(Clone, Debug)]
enum Mutation {
    Delete { at: usize, len: usize },
    Duplicate { at: usize, len: usize, to: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Splice { at: usize, punctuation: u8 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..64usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), 1..200usize, any::<usize>())
            .prop_map(|(at, len, to)| Mutation::Duplicate { at, len, to }),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (
            any::<usize>(),
            prop::sample::select(b"{}{}[];\"#\n/*".to_vec())
        )
            .prop_map(|(at, punctuation)| Mutation::Splice { at, punctuation }),
    ]
}

fn apply(text: &mut Vec<u8>, mutation: &Mutation) {
    let len = text.len();
    if len == 0 {
        return;
    }
    match mutation {
        Mutation::Delete { at, len: n } => {
            let at = at % len;
            text.drain(at..(at + n).min(len));
        }
        Mutation::Duplicate { at, len: n, to } => {
            let at = at % len;
            let piece = text[at..(at + n).min(len)].to_vec();
            let to = to % (len + 1);
            text.splice(to..to, piece);
        }
        Mutation::Insert { at, bytes } => {
            let at = at % (len + 1);
            text.splice(at..at, bytes.iter().copied());
        }
        Mutation::Splice { at, punctuation } => {
            let at = at % (len + 1);
            text.insert(at, *punctuation);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn mutated_configurations_never_panic(
        set_form in any::<bool>(),
        mutations in prop::collection::vec(mutation(), 1..12),
    ) {
        let mut raw = if set_form { VALID_SET } else { VALID }.as_bytes().to_vec();
        for m in &mutations {
            apply(&mut raw, m);
        }
        let (text, _) = source::decode(raw);
        let parsed = parse_checked(&text);
        prop_assert!(syntax_errors(&parsed) <= max_syntax_errors());
    }
}

#[test]
fn the_unmutated_inputs_are_clean() {
    for text in [VALID, VALID_SET] {
        let parsed = parse_checked(text);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    }
}
