//! The parser and model builder on small, named inputs: where errors are reported, how the configuration
//! is merged, and what reaches the model.

use std::fmt::Write as _;

use rulecheck_syntax::model::{ActionKind, Config, MatchField, Term, Values, Verdict};
use rulecheck_syntax::tree::NodeId;
use rulecheck_syntax::{Code, Diagnostic, Parsed, SourceMap, parse_str};

fn parse(text: &str) -> (SourceMap, Parsed) {
    parse_str("test.conf", text)
}

/// `(line, column, message)` of every diagnostic of `code`.
fn findings(text: &str, code: Code) -> Vec<(u32, u32, String)> {
    let (sources, parsed) = parse(text);
    parsed
        .diagnostics
        .iter()
        .filter(|d| d.code == code)
        .map(|d| {
            let (line, column) = sources.get(d.loc.file).line_col(d.loc.span.start);
            (line, column, d.message.clone())
        })
        .collect()
}

/// `(line, column)` of every diagnostic of `code`.
fn positions(text: &str, code: Code) -> Vec<(u32, u32)> {
    findings(text, code)
        .into_iter()
        .map(|(line, column, _)| (line, column))
        .collect()
}

fn codes(parsed: &Parsed) -> Vec<Code> {
    parsed.diagnostics.iter().map(|d| d.code).collect()
}

fn assert_clean(text: &str) -> Config {
    let (sources, parsed) = parse(text);
    assert!(
        parsed.diagnostics.is_empty(),
        "unexpected findings: {:#?}",
        parsed
            .diagnostics
            .iter()
            .map(|d| (d.code, sources.text(d.loc), &d.message))
            .collect::<Vec<_>>()
    );
    parsed.config
}

fn term_names(config: &Config, filter: &str) -> Vec<String> {
    config
        .filters
        .iter()
        .find(|f| f.name.text == filter)
        .unwrap_or_else(|| panic!("filter {filter} is in the model"))
        .terms
        .iter()
        .map(|t| t.name.text.clone())
        .collect()
}

fn term<'c>(config: &'c Config, filter: &str, name: &str) -> &'c Term {
    config
        .filters
        .iter()
        .find(|f| f.name.text == filter)
        .and_then(|f| f.terms.iter().find(|t| t.name.text == name))
        .unwrap_or_else(|| panic!("term {filter}/{name} is in the model"))
}

// ---- Where syntax errors are reported -------------------------------------------------------------

#[test]
fn stray_close_brace_is_reported_on_its_own_line_and_column() {
    let text = "\
firewall {
    filter F {
        term A {
            then accept;
        }
    }
}
  }
";
    assert_eq!(
        findings(text, Code::SyntaxError),
        vec![(8, 3, "unexpected `}`: no block is open here".to_owned())]
    );
    assert_eq!(
        positions("firewall { } }\n", Code::SyntaxError),
        vec![(1, 14)]
    );
}

#[test]
fn missing_semicolon_is_reported_at_the_end_of_the_word_on_its_line() {
    let text = "\
firewall {
    filter F {
        term A {
            from { protocol tcp }
            then accept;
        }
    }
}
";
    // `protocol tcp` ends at column 32; `;` belongs right there, not at the `}` after it.
    assert_eq!(
        findings(text, Code::SyntaxError),
        vec![(
            4,
            32,
            "expected `;` at the end of this statement".to_owned()
        )]
    );
}

#[test]
fn missing_semicolon_before_a_statement_on_the_next_line_is_reported_where_it_is_missing() {
    // Without the line rule, `count c discard` would be one statement and the discard would be lost.
    let text = "\
firewall {
    filter F {
        term A {
            then {
                count c
                discard;
            }
        }
    }
}
";
    let (sources, parsed) = parse(text);
    let errors: Vec<_> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::SyntaxError)
        .map(|d| sources.get(d.loc.file).line_col(d.loc.span.start))
        .collect();
    assert_eq!(errors, vec![(5, 24)]);
    let a = term(&parsed.config, "F", "A");
    assert_eq!(a.verdict(), Verdict::Discard);
}

#[test]
fn a_word_after_a_single_value_is_not_silently_dropped() {
    // regression: `count c discard;` lowered to a counter named `c` and the discard vanished.
    let text = "firewall { filter F { term A { then { count c discard; } } } }\n";
    let (sources, parsed) = parse(text);
    let unknown: Vec<_> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::UnknownStatement)
        .map(|d| sources.text(d.loc))
        .collect();
    assert_eq!(unknown, vec!["discard"]);
    // The same for a terminating action followed by another word.
    let (_, parsed) = parse("firewall { filter F { term A { then { accept discard; } } } }\n");
    assert!(codes(&parsed).contains(&Code::UnknownStatement));
}

#[test]
fn unclosed_brace_is_reported_at_the_brace() {
    let text = "\
firewall {
    filter F {
        term A {
            then accept;
        }
";
    let mut found = findings(text, Code::SyntaxError);
    found.sort();
    assert_eq!(
        found,
        vec![
            (1, 10, "this `{` is never closed: `}` is missing".to_owned()),
            (2, 14, "this `{` is never closed: `}` is missing".to_owned()),
        ]
    );
}

#[test]
fn unterminated_string_and_comment_are_reported_at_their_start() {
    let text = "firewall {\n    filter F {\n        term A {\n            from { tcp-flags \"syn & !ack; }\n        }\n    }\n}\n";
    let found = findings(text, Code::SyntaxError);
    assert!(
        found.contains(&(
            4,
            30,
            "quoted string is never closed: `\"` is missing".to_owned()
        )),
        "{found:?}"
    );
    let text = "firewall {\n  /* a comment\n  that never ends\n";
    let found = findings(text, Code::SyntaxError);
    assert!(
        found.contains(&(2, 3, "comment is never closed: `*/` is missing".to_owned())),
        "{found:?}"
    );
}

#[test]
fn every_error_is_reported_not_only_the_first() {
    let text = "\
firewall {
    filter F {
        term A {
            from { protocol tcp }
            then \u{1}accept;
        }
        term B {
            from { port [ 80 443 ; }
            then accept;
        }
    }
}
}
";
    let mut found = positions(text, Code::SyntaxError);
    found.sort_unstable();
    assert_eq!(
        found,
        vec![
            (4, 32), // missing `;`
            (5, 18), // control character
            (8, 25), // `[` never closed
            (13, 1), // stray `}`
        ]
    );
}

#[test]
fn an_unclosed_list_gives_back_the_brace_it_stopped_at() {
    // The `{` after an unclosed `[` still opens a block: no cascade of "unexpected `}`" follows.
    let text = "firewall { filter F { term A { from { port [ 80 { } } then accept; } } }\n";
    let found = findings(text, Code::SyntaxError);
    assert_eq!(
        found,
        vec![(
            1,
            44,
            "this `[` is never closed: `]` is missing before `{`".to_owned()
        )]
    );
}

#[test]
fn a_tag_without_a_statement_is_an_error() {
    assert_eq!(
        positions(
            "firewall { filter F { term A { inactive: } } }\n",
            Code::SyntaxError
        ),
        vec![(1, 32)]
    );
    assert_eq!(
        positions("firewall { inactive: ; }\n", Code::SyntaxError),
        vec![(1, 12)]
    );
}

#[test]
fn the_error_count_per_file_is_capped() {
    let text = "}\n".repeat(1000);
    let (_, parsed) = parse(&text);
    let limit = rulecheck_syntax::Limits::default().max_errors;
    assert_eq!(parsed.diagnostics.len(), limit + 1);
    assert!(
        parsed.diagnostics[limit]
            .message
            .contains("the rest are not shown")
    );
}

// ---- Merging, tags and commands -------------------------------------------------------------------

#[test]
fn replace_tag_discards_what_the_block_held() {
    let text = "\
firewall {
    family inet {
        filter F {
            term A { then accept; }
            term B { then discard; }
        }
    }
}
firewall {
    family inet {
        replace: filter F {
            term C { then discard; }
            term A { from { protocol udp; } then accept; }
        }
    }
}
";
    let config = assert_clean(text);
    assert_eq!(term_names(&config, "F"), ["C", "A"]);
    // The new A holds only what the replacing block gave it.
    let a = term(&config, "F", "A");
    assert_eq!(a.conditions.len(), 1);
    assert_eq!(a.conditions[0].field, MatchField::Protocol);
}

#[test]
fn replace_of_a_large_block_keeps_lookups_right() {
    // More children than are scanned linearly: the tree's index must forget the replaced ones.
    let mut text = String::from("firewall { filter F {\n");
    for i in 0..40 {
        let _ = writeln!(text, "term t{i} {{ then accept; }}");
    }
    text.push_str("} }\nfirewall { replace: filter F {\n");
    for i in (0..40).rev() {
        let _ = writeln!(text, "term t{i} {{ then discard; }}");
    }
    text.push_str("term t5 { from { protocol tcp; } }\n} }\n");
    let config = assert_clean(&text);
    let names = term_names(&config, "F");
    assert_eq!(names.len(), 40);
    assert_eq!(names[0], "t39");
    let t5 = term(&config, "F", "t5");
    assert_eq!(t5.verdict(), Verdict::Discard);
    assert_eq!(t5.conditions.len(), 1);
}

#[test]
fn inactive_statements_are_not_deployed() {
    let text = "\
firewall {
    family inet {
        filter F {
            term A {
                from {
                    source-address {
                        10.0.0.0/8;
                        inactive: 10.1.0.0/16;
                    }
                    inactive: protocol tcp;
                }
                then accept;
            }
            inactive: term B {
                then discard;
            }
            term C {
                then {
                    inactive: discard;
                    count c;
                }
            }
        }
        inactive: filter G {
            term A { then accept; }
        }
    }
}
";
    let config = assert_clean(text);
    assert_eq!(term_names(&config, "F"), ["A", "C"]);
    assert!(config.filters.iter().all(|f| f.name.text != "G"));
    let a = term(&config, "F", "A");
    assert_eq!(a.conditions.len(), 1);
    let Values::Addresses(addresses) = &a.conditions[0].values else {
        panic!("source-address holds addresses");
    };
    assert_eq!(addresses.len(), 1);
    assert_eq!(addresses[0].address.to_string(), "10.0.0.0/8");
    assert_eq!(term(&config, "F", "C").verdict(), Verdict::Accept);
}

#[test]
fn deactivate_and_activate_commands() {
    let text = "\
set firewall family inet filter F term A then accept
set firewall family inet filter F term B then discard
set firewall family inet filter F term C from protocol tcp
set firewall family inet filter F term C from port 22
set firewall family inet filter F term C then accept
deactivate firewall family inet filter F term B
deactivate firewall family inet filter F term C from port
deactivate firewall family inet filter F term A
activate firewall family inet filter F term A
";
    let config = assert_clean(text);
    assert_eq!(term_names(&config, "F"), ["A", "C"]);
    let c = term(&config, "F", "C");
    assert_eq!(c.conditions.len(), 1);
    assert_eq!(c.conditions[0].field, MatchField::Protocol);
}

#[test]
fn delete_command_removes_a_statement() {
    let text = "\
set firewall family inet filter F term A then accept
set firewall family inet filter F term B then discard
delete firewall family inet filter F term A
set firewall family inet filter F term A then discard
";
    let config = assert_clean(text);
    // A was deleted and set again: it is new, so it comes after B.
    assert_eq!(term_names(&config, "F"), ["B", "A"]);
    assert_eq!(term(&config, "F", "A").verdict(), Verdict::Discard);
}

#[test]
fn duplicate_blocks_merge_in_order_of_first_appearance() {
    let text = "\
firewall {
    family inet {
        filter F {
            term A {
                from { protocol tcp; }
            }
            term B { then discard; }
        }
    }
}
firewall {
    family inet {
        filter F {
            term C { then accept; }
            term A {
                from { destination-port 22; }
                then accept;
            }
        }
    }
}
";
    let config = assert_clean(text);
    assert_eq!(config.filters.len(), 1);
    assert_eq!(term_names(&config, "F"), ["A", "B", "C"]);
    let a = term(&config, "F", "A");
    let fields: Vec<_> = a.conditions.iter().map(|c| c.field).collect();
    assert_eq!(fields, [MatchField::Protocol, MatchField::DestinationPort]);
    assert_eq!(a.verdict(), Verdict::Accept);
}

#[test]
fn insert_moves_terms_before_and_after() {
    let base = "\
set firewall family inet filter F term A then accept
set firewall family inet filter F term B then accept
set firewall family inet filter F term C then accept
set firewall family inet filter F term D then accept
";
    let config = assert_clean(&format!(
        "{base}insert firewall family inet filter F term D before term A\n"
    ));
    assert_eq!(term_names(&config, "F"), ["D", "A", "B", "C"]);
    let config = assert_clean(&format!(
        "{base}insert firewall family inet filter F term A after term C\n"
    ));
    assert_eq!(term_names(&config, "F"), ["B", "C", "A", "D"]);
    let config = assert_clean(&format!(
        "{base}insert firewall family inet filter F term B after term D\ninsert firewall family inet filter F term C before term A\n"
    ));
    assert_eq!(term_names(&config, "F"), ["C", "A", "D", "B"]);
}

#[test]
fn insert_next_to_itself_changes_nothing() {
    // regression: moving a term before itself panicked ("anchor is a sibling").
    let config = assert_clean(
        "set firewall filter F term A then accept\nset firewall filter F term B then discard\ninsert firewall filter F term A before term A\n",
    );
    assert_eq!(term_names(&config, "F"), ["A", "B"]);
}

#[test]
fn insert_without_a_path_is_an_error() {
    // regression: `insert before X` moved the root of the tree into itself.
    let (_, parsed) = parse("set firewall filter F term A then accept\ninsert before firewall\n");
    assert_eq!(codes(&parsed), [Code::SyntaxError]);
    assert_eq!(term_names(&parsed.config, "F"), ["A"]);
}

#[test]
fn insert_understands_a_term_named_before() {
    let config = assert_clean(
        "set firewall filter F term before then accept\nset firewall filter F term B then discard\ninsert firewall filter F term B before term before\n",
    );
    assert_eq!(term_names(&config, "F"), ["B", "before"]);
}

#[test]
fn comments_annotations_and_the_commit_header_are_accepted() {
    let text = "\
## Last commit: 2024-05-01 12:00:00 UTC by admin
version 21.4R3.15;
/* Edge filters, managed by the rules repository. */
firewall {
    # IPv4 only
    family inet {
        /* annotation: reviewed 2024-04 */
        filter F {
            term A { /* inline */ from { protocol tcp; } then accept; } # trailing
            term B {
                from {
                    /* multi
                       line */
                    destination-port [ 22 /* ssh */ 830 ];
                }
                then discard;
            }
        }
    }
}
";
    let config = assert_clean(text);
    assert_eq!(term_names(&config, "F"), ["A", "B"]);
    let set = "\
## Last commit: 2024-05-01 12:00:00 UTC by admin
# comment line
set firewall family inet filter F term A then accept # trailing
";
    let config = assert_clean(set);
    assert_eq!(term_names(&config, "F"), ["A"]);
}

#[test]
fn verbatim_text_is_not_modeled_but_a_typo_is_an_error() {
    let verbatim = "\
firewall {
    family inet {
        filter F {
            interface-specific;
mary had a little lamb
            term A { then accept; }
        }
    }
}
";
    let (_, parsed) = parse(verbatim);
    assert_eq!(codes(&parsed), [Code::NotModeled]);
    // A near miss of a keyword without `;` is a typo: reported as unknown, with the missing `;`.
    let typo = "firewall {\n    filter F {\n        term A {\n            then {\n                count c;\n                discrad\n            }\n        }\n    }\n}\n";
    let (_, parsed) = parse(typo);
    let mut found = codes(&parsed);
    found.sort();
    assert_eq!(found, [Code::SyntaxError, Code::UnknownStatement]);
}

// ---- Spans ------------------------------------------------------------------------------------------

/// ruff's `validate_ast`, for this tree: every span lies in its file and on character boundaries, every
/// node's word lies inside its statement, and every finding and model location lies in its file.
fn validate_spans(text: &str) {
    let (sources, parsed) = parse(text);
    let file = &sources.get(rulecheck_syntax::FileId(0)).text;
    let within = |what: &str, span: rulecheck_syntax::Span| {
        assert!(
            span.start <= span.end && span.end as usize <= file.len(),
            "{what} {span:?} is outside the file of {} bytes",
            file.len()
        );
        assert!(
            file.is_char_boundary(span.start as usize) && file.is_char_boundary(span.end as usize),
            "{what} {span:?} splits a character"
        );
    };
    let tree = &parsed.tree;
    for id in 1..tree.len() as u32 {
        let node = tree.node(NodeId(id));
        within("word", node.word.span);
        within("statement", node.statement().span);
        assert!(
            node.statement().span.contains(node.word.span),
            "word {:?} `{}` lies outside its statement {:?} `{}`",
            node.word.span,
            sources.text(node.word),
            node.statement().span,
            sources.text(node.statement())
        );
        let word = sources.text(node.word);
        assert!(
            !word.contains(['{', '}', ';', '[', ']']),
            "word `{word}` holds punctuation"
        );
        assert!((node.parent.0 as usize) < tree.len());
        for child in tree.children(NodeId(id)) {
            assert_eq!(
                tree.node(child).parent,
                NodeId(id),
                "a child names another parent"
            );
        }
    }
    for d in &parsed.diagnostics {
        within("diagnostic", d.loc.span);
        for label in &d.related {
            within("label", label.loc.span);
        }
    }
    for filter in &parsed.config.filters {
        within("filter name", filter.name.loc.span);
        for term in &filter.terms {
            within("term name", term.name.loc.span);
            for condition in &term.conditions {
                within("condition", condition.loc.span);
            }
            for action in &term.actions {
                within("action", action.loc.span);
            }
        }
    }
}

#[test]
fn every_span_lies_in_its_file_and_every_word_in_its_statement() {
    let inputs = [
        "firewall { family inet { filter F { term A { from { source-address { 10.0.0.0/8; 10.1.0.0/16 except; } protocol tcp; destination-port [ 80 443 ]; } then { count c; accept; } } } } }\n",
        "inactive: firewall { replace: filter F { term \"quoted name\" { from { tcp-flags \"syn & !ack\"; } then discard; } } }\n",
        "set firewall family inet filter F term A from protocol tcp\nset firewall family inet filter F term A then accept\ndeactivate firewall family inet filter F term A from protocol\ninsert firewall family inet filter F term A before term A\n",
        "routing-options { flow { route R { match { destination 10.0.0.1/8; packet-length [ 99971 99985 ]; } then discard; } } }\n",
        "firewall { filter F { term A { then accept } }\n} } \u{1} ] [ \"open",
        "firewall { filter F { term é { then { count ünïcode; accept; } } } }\n",
        "/* never closed",
        "a b c\nd e\n}\n",
        "",
    ];
    for input in inputs {
        validate_spans(input);
    }
}

// ---- Value findings ---------------------------------------------------------------------------------

#[test]
fn unknown_statement_comes_with_a_did_you_mean() {
    let (_, parsed) = parse(
        "firewall { family inet { filter F { term A { from { destination-prot 22; } then acept; } } } }\n",
    );
    let helps: Vec<(Code, Option<&str>)> = parsed
        .diagnostics
        .iter()
        .map(|d: &Diagnostic| (d.code, d.help.as_deref()))
        .collect();
    assert_eq!(
        helps,
        [
            (
                Code::UnknownStatement,
                Some("did you mean `destination-port`?")
            ),
            (Code::UnknownStatement, Some("did you mean `accept`?")),
        ]
    );
}

#[test]
fn invalid_values_are_rc003() {
    let inverted = "firewall { filter F { term A { from { protocol tcp; destination-port 2000-1000; } then accept; } } }\n";
    assert_eq!(
        findings(inverted, Code::InvalidValue),
        vec![(
            1,
            70,
            "range `2000-1000` is inverted: 2000 is greater than 1000".to_owned()
        )]
    );
    let bad_prefix =
        "firewall { filter F { term A { from { source-address 10.0.0.0/33; } then accept; } } }\n";
    assert_eq!(positions(bad_prefix, Code::InvalidValue), vec![(1, 54)]);
    let host_bits = "routing-options { flow { route R { match { destination 10.1.1.1/8; } then discard; } } }\n";
    let (_, parsed) = parse(host_bits);
    let d = parsed
        .diagnostics
        .iter()
        .find(|d| d.code == Code::InvalidValue)
        .expect("host bits in a flow route are RC003");
    assert!(d.message.contains("host bits"), "{}", d.message);
    assert!(d.help.as_deref().unwrap_or("").contains("10.0.0.0/8"));
    // Host bits in a filter's address are allowed: Junos masks them.
    let filter =
        "firewall { filter F { term A { from { source-address 10.1.1.1/8; } then accept; } } }\n";
    assert!(positions(filter, Code::InvalidValue).is_empty());
}

#[test]
fn values_beyond_the_field_width_are_rc104() {
    let text = "firewall { filter F { term A { from { protocol tcp; destination-port 70000; dscp 64; } then accept; } } }\n";
    let found = findings(text, Code::ValueOutOfRange);
    assert_eq!(
        found,
        vec![
            (
                1,
                70,
                "`destination-port 70000` is out of range: the field holds 0 to 65535".to_owned()
            ),
            (
                1,
                82,
                "`dscp 64` is out of range: the field holds 0 to 63".to_owned()
            ),
        ]
    );
}

#[test]
fn the_2013_flow_route_keeps_its_impossible_packet_lengths() {
    let text = "\
routing-options {
    flow {
        route 173.X.X.X/32-DNS-DROP {
            match {
                destination 173.245.48.1/32;
                port 53;
                packet-length [ 99971 99985 ];
            }
            then discard;
        }
    }
}
";
    let config = assert_clean(text);
    assert_eq!(config.flow_tables.len(), 1);
    let route = &config.flow_tables[0].routes[0];
    assert_eq!(route.name.text, "173.X.X.X/32-DNS-DROP");
    assert_eq!(route.verdict(), Verdict::Discard);
    let lengths = route
        .conditions
        .iter()
        .find(|c| c.field == MatchField::PacketLength)
        .expect("packet-length is modeled");
    let Values::Ranges(ranges) = &lengths.values else {
        panic!("packet-length holds ranges");
    };
    let values: Vec<(u64, u64)> = ranges.iter().map(|r| (r.lo, r.hi)).collect();
    assert_eq!(values, [(99_971, 99_971), (99_985, 99_985)]);
    assert_eq!(
        route.destination().map(|d| d.address.to_string()),
        Some("173.245.48.1/32".to_owned())
    );
}

#[test]
fn three_color_policer_references_name_the_policer() {
    // regression: the reference was read as a policer named `single-rate`.
    let text = "\
firewall {
    three-color-policer tc { single-rate { committed-information-rate 1m; committed-burst-size 10k; excess-burst-size 10k; } }
    filter F { term A { then { three-color-policer { single-rate tc; } accept; } } }
}
";
    let config = assert_clean(text);
    let a = term(&config, "F", "A");
    assert!(
        matches!(&a.actions[0].kind, ActionKind::Policer(name) if name.text == "tc"),
        "{:?}",
        a.actions
    );
    assert!(config.policers.iter().any(|p| p.name.text == "tc"));
}

#[test]
fn flow_route_community_takes_a_list() {
    // regression: `community [ a b ]` was reported as one value too many.
    let text = "routing-options { flow { route R { match { destination 192.0.2.0/24; } then { community [ target:1:1 no-export ]; discard; } } } }\n";
    let config = assert_clean(text);
    assert_eq!(config.flow_tables[0].routes[0].verdict(), Verdict::Discard);
}

#[test]
fn statements_longer_than_the_depth_limit_are_refused() {
    let long = format!("set {}\n", vec!["a"; 200].join(" "));
    let (_, parsed) = parse(&long);
    assert_eq!(codes(&parsed), [Code::SyntaxError]);
    let long = format!("{};\n", vec!["a"; 200].join(" "));
    let (_, parsed) = parse(&long);
    assert_eq!(codes(&parsed), [Code::SyntaxError]);
}

#[test]
fn value_findings_name_their_filter_term_and_route() {
    let text = "firewall { family inet { filter edge { term web { from { destination-port 70000; source-address { 10.0.0.300/8; } } then accept; } } } }\n\
                routing-options { flow { route drop { match { destination 192.0.2.0/33; } then discard; } } }\n";
    let (_, parsed) = rulecheck_syntax::parse_str("scoped.conf", text);
    // (code, filter, term, route) of every finding.
    type Scope<'a> = (Code, Option<&'a str>, Option<&'a str>, Option<&'a str>);
    let scopes: Vec<Scope<'_>> = parsed
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.code,
                d.filter.as_deref(),
                d.term.as_deref(),
                d.route.as_deref(),
            )
        })
        .collect();
    assert!(
        scopes.contains(&(Code::ValueOutOfRange, Some("edge"), Some("web"), None)),
        "{scopes:?}"
    );
    assert!(
        scopes.contains(&(Code::InvalidValue, Some("edge"), Some("web"), None)),
        "{scopes:?}"
    );
    assert!(
        scopes
            .iter()
            .any(|&(code, filter, _, route)| code == Code::InvalidValue
                && filter.is_none()
                && route == Some("drop")),
        "{scopes:?}"
    );
}

/// Filters are lowered on several threads, a few thousand terms at a time: the model keeps them in the
/// order written, and the findings come out as if each filter were lowered where it stands, between
/// the findings of the statements around it.
#[test]
fn filters_lowered_together_keep_their_order_and_their_findings_place() {
    let mut text = String::from("bogus-before;\nfirewall {\n    family inet {\n");
    for f in 0..7 {
        writeln!(text, "        filter f{f} {{").unwrap();
        for t in 0..900 {
            let condition = match t % 300 {
                7 => "destination-port 70000;".to_owned(),
                150 => "bogus-condition 1;".to_owned(),
                _ => format!("destination-port {t};"),
            };
            writeln!(
                text,
                "            term t{t} {{ from {{ {condition} }} then accept; }}"
            )
            .unwrap();
        }
        text.push_str("        }\n");
    }
    text.push_str("    }\n}\nbogus-after;\n");
    let (sources, parsed) = parse(&text);
    let names: Vec<&str> = parsed
        .config
        .filters
        .iter()
        .map(|f| f.name.text.as_str())
        .collect();
    assert_eq!(names, ["f0", "f1", "f2", "f3", "f4", "f5", "f6"]);
    assert!(parsed.config.filters.iter().all(|f| f.terms.len() == 900));
    let lines: Vec<u32> = parsed
        .diagnostics
        .iter()
        .map(|d| sources.get(d.loc.file).line_col(d.loc.span.start).0)
        .collect();
    // One before, two kinds in three places of each of seven filters, one after: in the text's order.
    assert_eq!(lines.len(), 1 + 7 * 6 + 1, "{:?}", codes(&parsed));
    assert!(lines.is_sorted_by(|a, b| a < b), "{lines:?}");
    let named: Vec<(Option<&str>, Option<&str>)> = parsed
        .diagnostics
        .iter()
        .map(|d| (d.filter.as_deref(), d.term.as_deref()))
        .collect();
    assert_eq!(named[1], (Some("f0"), Some("t7")));
    assert_eq!(named[42], (Some("f6"), Some("t750")));
    assert_eq!((named[0], named[43]), ((None, None), (None, None)));
}
