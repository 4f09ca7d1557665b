//! Keeps `grammar/junos.ebnf` in step with the keyword tables of `src/keywords.rs`.
//!
//! The grammar's keyword-table productions (marked `(* table: … *)`) must list exactly the keywords of their
//! table, and every name a production uses must be defined.

use std::collections::{BTreeMap, BTreeSet};

use rulecheck_syntax::keywords::{
    self, ANY, ActionShape, CONDITIONS, FLOW, INET, INET6, Names, ValueKind,
};

const GRAMMAR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../grammar/junos.ebnf");

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Name(String),
    Terminal(String),
    /// `? text ?`
    Special,
    Symbol(char),
}

/// Splits EBNF text into tokens, dropping `(* … *)` comments.
fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let until = |from: usize, end: &[char]| -> usize {
        (from..=chars.len() - end.len())
            .find(|&j| chars[j..j + end.len()] == *end)
            .unwrap_or_else(|| {
                panic!(
                    "unclosed `{}` in the grammar",
                    end.iter().collect::<String>()
                )
            })
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' && chars.get(i + 1) == Some(&'*') {
            // Comments nest, as in ISO 14977.
            let mut depth = 0;
            loop {
                match (chars.get(i), chars.get(i + 1)) {
                    (Some('('), Some('*')) => (depth, i) = (depth + 1, i + 2),
                    (Some('*'), Some(')')) => (depth, i) = (depth - 1, i + 2),
                    (Some(_), _) => i += 1,
                    (None, _) => panic!("unclosed comment in the grammar"),
                }
                if depth == 0 {
                    break;
                }
            }
        } else if c == '"' || c == '\'' {
            let end = until(i + 1, &[c]);
            tokens.push(Token::Terminal(chars[i + 1..end].iter().collect()));
            i = end + 1;
        } else if c == '?' {
            i = until(i + 1, &['?']) + 1;
            tokens.push(Token::Special);
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Name(chars[start..i].iter().collect()));
        } else if "=;|[]{}()-".contains(c) {
            tokens.push(Token::Symbol(c));
            i += 1;
        } else {
            panic!("unexpected `{c}` in the grammar");
        }
    }
    tokens
}

/// Every production: its name and the tokens of its right side.
fn productions() -> BTreeMap<String, Vec<Token>> {
    let text = std::fs::read_to_string(GRAMMAR).expect("grammar/junos.ebnf is readable");
    let tokens = tokenize(&text);
    let mut out = BTreeMap::new();
    let mut i = 0;
    while i < tokens.len() {
        let (Token::Name(name), Some(Token::Symbol('='))) = (&tokens[i], tokens.get(i + 1)) else {
            panic!("expected `name =` at token {i}, found {:?}", &tokens[i]);
        };
        let end = tokens[i + 2..]
            .iter()
            .position(|t| *t == Token::Symbol(';'))
            .unwrap_or_else(|| panic!("production `{name}` has no closing `;`"))
            + i
            + 2;
        let previous = out.insert(name.clone(), tokens[i + 2..end].to_vec());
        assert!(previous.is_none(), "production `{name}` is defined twice");
        i = end + 1;
    }
    out
}

/// The keywords of a table production, which must be only terminals separated by `|`.
fn alternatives(productions: &BTreeMap<String, Vec<Token>>, name: &str) -> Vec<String> {
    let body = productions
        .get(name)
        .unwrap_or_else(|| panic!("the grammar has no production `{name}`"));
    let mut keywords = Vec::new();
    for (i, token) in body.iter().enumerate() {
        match (i % 2, token) {
            (0, Token::Terminal(keyword)) => keywords.push(keyword.clone()),
            (1, Token::Symbol('|')) => {}
            _ => panic!("`{name}` must list only \"keywords\" separated by `|`; found {token:?}"),
        }
    }
    assert!(body.len() % 2 == 1, "`{name}` must not end with `|`");
    keywords
}

/// The table productions and the keywords each must list.
fn tables() -> Vec<(&'static str, Vec<&'static str>)> {
    fn condition_names(keep: impl Fn(ValueKind) -> bool) -> Vec<&'static str> {
        CONDITIONS
            .iter()
            .filter(|c| keep(c.kind))
            .map(|c| c.name)
            .collect()
    }
    fn numbers(names: Names) -> impl Fn(ValueKind) -> bool {
        move |kind| matches!(kind, ValueKind::Numbers(n, _) if n == names)
    }
    fn actions(table: &[(&'static str, ActionShape)]) -> Vec<&'static str> {
        table.iter().map(|(name, _)| *name).collect()
    }
    fn names<T>(table: &[(&'static str, T)]) -> Vec<&'static str> {
        table.iter().map(|(name, _)| *name).collect()
    }
    vec![
        ("condition_keyword", condition_names(|_| true)),
        (
            "inet_condition_keyword",
            keywords::conditions_in(INET).collect(),
        ),
        (
            "inet6_condition_keyword",
            keywords::conditions_in(INET6).collect(),
        ),
        (
            "any_condition_keyword",
            keywords::conditions_in(ANY).collect(),
        ),
        (
            "flow_condition_keyword",
            keywords::conditions_in(FLOW).collect(),
        ),
        (
            "addresses_keyword",
            condition_names(|k| k == ValueKind::Addresses),
        ),
        (
            "prefix_lists_keyword",
            condition_names(|k| k == ValueKind::PrefixLists),
        ),
        (
            "port_condition_keyword",
            condition_names(numbers(Names::Ports)),
        ),
        (
            "protocol_condition_keyword",
            condition_names(numbers(Names::Protocols)),
        ),
        (
            "icmp_type_condition_keyword",
            condition_names(numbers(Names::IcmpTypes)),
        ),
        (
            "icmp_code_condition_keyword",
            condition_names(numbers(Names::IcmpCodes)),
        ),
        (
            "dscp_condition_keyword",
            condition_names(numbers(Names::Dscp)),
        ),
        (
            "precedence_condition_keyword",
            condition_names(numbers(Names::Precedence)),
        ),
        (
            "plain_number_condition_keyword",
            condition_names(numbers(Names::None)),
        ),
        (
            "length_keyword",
            condition_names(|k| k == ValueKind::Length),
        ),
        (
            "tcp_flags_keyword",
            condition_names(|k| k == ValueKind::TcpFlags),
        ),
        (
            "fragment_flags_keyword",
            condition_names(|k| k == ValueKind::FragmentFlags),
        ),
        ("flag_keyword", condition_names(|k| k == ValueKind::Flag)),
        (
            "fragments_keyword",
            condition_names(|k| k == ValueKind::Fragments),
        ),
        (
            "opaque_keyword",
            condition_names(|k| k == ValueKind::Opaque),
        ),
        ("layer2_condition", keywords::LAYER2_CONDITIONS.to_vec()),
        ("flow_shared_condition", keywords::FLOW_SHARED.to_vec()),
        ("filter_action", actions(keywords::FILTER_ACTIONS)),
        ("flow_action", actions(keywords::FLOW_ACTIONS)),
        ("top_level_statement", keywords::TOP_LEVEL.to_vec()),
        ("firewall_statement", keywords::FIREWALL.to_vec()),
        ("family_statement", keywords::FAMILY.to_vec()),
        ("filter_statement", keywords::FILTER.to_vec()),
        ("term_statement", keywords::TERM.to_vec()),
        ("flow_statement", keywords::FLOW_STATEMENTS.to_vec()),
        ("route_statement", keywords::ROUTE.to_vec()),
        ("port_name", names(keywords::PORT_NAMES)),
        ("protocol_name", names(keywords::PROTOCOL_NAMES)),
        ("icmp_type_name", names(keywords::ICMP_TYPE_NAMES)),
        ("icmp6_type_name", names(keywords::ICMP6_TYPE_NAMES)),
        ("icmp_code_name", names(keywords::ICMP_CODE_NAMES)),
        ("dscp_name", names(keywords::DSCP_NAMES)),
        ("precedence_name", names(keywords::PRECEDENCE_NAMES)),
        ("tcp_flag_name", names(keywords::TCP_FLAG_NAMES)),
        ("fragment_flag_name", names(keywords::FRAGMENT_FLAG_NAMES)),
    ]
}

#[test]
fn keyword_tables_match_the_grammar_both_ways() {
    let productions = productions();
    let mut failures = Vec::new();
    for (production, table) in tables() {
        let listed = alternatives(&productions, production);
        let listed_set: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
        assert_eq!(
            listed_set.len(),
            listed.len(),
            "`{production}` lists a keyword twice"
        );
        let table: BTreeSet<&str> = table.into_iter().collect();
        let missing: Vec<_> = table.difference(&listed_set).collect();
        let extra: Vec<_> = listed_set.difference(&table).collect();
        if !missing.is_empty() {
            failures.push(format!("`{production}` lacks {missing:?}"));
        }
        if !extra.is_empty() {
            failures.push(format!(
                "`{production}` lists {extra:?}, which the table does not have"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "grammar/junos.ebnf is out of step with keywords.rs:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_table_production_is_checked() {
    let text = std::fs::read_to_string(GRAMMAR).expect("grammar/junos.ebnf is readable");
    let marked = text.matches("(* table: ").count();
    assert_eq!(
        marked,
        tables().len(),
        "each production marked `table:` must be checked by this test, and only those"
    );
}

#[test]
fn every_name_used_is_defined() {
    let productions = productions();
    let mut undefined = BTreeSet::new();
    for body in productions.values() {
        for token in body {
            if let Token::Name(name) = token {
                if !productions.contains_key(name) {
                    undefined.insert(name.clone());
                }
            }
        }
    }
    assert!(undefined.is_empty(), "used but not defined: {undefined:?}");
    for start in ["file", "configuration"] {
        assert!(productions.contains_key(start), "`{start}` is missing");
    }
}

#[test]
fn the_tokenizer_reads_terminals_comments_and_specials() {
    let tokens = tokenize(r#"a = "x" | '"' (* c (* nested *) "q" *) | ? any ? - "\" ;"#);
    assert_eq!(
        tokens,
        vec![
            Token::Name("a".into()),
            Token::Symbol('='),
            Token::Terminal("x".into()),
            Token::Symbol('|'),
            Token::Terminal("\"".into()),
            Token::Symbol('|'),
            Token::Special,
            Token::Symbol('-'),
            Token::Terminal("\\".into()),
            Token::Symbol(';'),
        ]
    );
}
