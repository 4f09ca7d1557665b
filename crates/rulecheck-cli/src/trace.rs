//! `rulecheck trace`: one packet through one filter or the flow routes, term by term.

use std::io::Write;
use std::process::ExitCode;

use rulecheck_eval::interpret::{self, Decision, TermMatch};
use rulecheck_eval::packet::parse_packet;
use rulecheck_syntax::model::Verdict;
use rulecheck_syntax::{Limits, SourceFile, SourceMap, source};

use crate::args::TraceArgs;
use crate::inputs::{self, Input};
use crate::run::Error;

/// Runs the trace and prints it. Exit 0 when the packet is accepted, 1 when it is discarded.
pub fn run(args: &TraceArgs) -> Result<ExitCode, Error> {
    let packet = parse_packet(&args.packet).map_err(|e| Error::Input(format!("--packet: {e}")))?;
    let input = Input {
        name: args.path.display().to_string(),
        path: Some(args.path.clone()),
    };
    let (text, _) = source::decode(inputs::read(&input, inputs::MAX_FILE_BYTES)?);
    let mut sources = SourceMap::new();
    let file = sources.add(SourceFile::new(input.name.clone(), text));
    let parsed = rulecheck_syntax::parse_unit(&sources, &[file], Limits::default());
    let config = &parsed.config;
    let mut out = std::io::stdout().lock();
    writeln!(out, "packet: {packet}")?;
    let line = |loc: rulecheck_syntax::Loc| sources.get(loc.file).line_col(loc.span.start).0;
    let trace = if let Some(name) = &args.filter {
        let filter = config
            .filters
            .iter()
            .find(|f| &f.name.text == name)
            .ok_or_else(|| Error::Input(format!("{}: no filter named `{name}`", input.name)))?;
        let terms = rulecheck_eval::analysis::expand_terms(config, filter);
        let trace = interpret::run_filter(config, filter, &packet);
        let last = match trace.decided_by {
            Decision::Term(i) | Decision::Unknown(i) => i + 1,
            Decision::Default => terms.len(),
        };
        for term in &terms[..last] {
            let outcome = match interpret::term_matches(config, &term.conditions, &packet) {
                TermMatch::No => "no match".to_owned(),
                TermMatch::Unknown => format!(
                    "may match (unmodeled condition) -> {}",
                    term.verdict().as_str()
                ),
                TermMatch::Yes => format!("match -> {}", term.verdict().as_str()),
            };
            writeln!(
                out,
                "  term {} (line {}): {outcome}",
                term.name.text,
                line(term.name.loc)
            )?;
        }
        trace
    } else {
        let instance = args.flow.as_deref().unwrap_or("");
        let table = config
            .flow_tables
            .iter()
            .find(|t| t.instance.as_ref().map_or("", |n| n.text.as_str()) == instance)
            .ok_or_else(|| {
                Error::Input(format!(
                    "{}: no flow routes{}",
                    input.name,
                    if instance.is_empty() {
                        String::new()
                    } else {
                        format!(" in instance `{instance}`")
                    }
                ))
            })?;
        let routes = rulecheck_eval::flow_order::ordered(table);
        let trace = interpret::run_flow(config, &routes, &packet);
        for route in &routes {
            let outcome = match interpret::term_matches(config, &route.conditions, &packet) {
                TermMatch::No => "no match".to_owned(),
                TermMatch::Unknown => "may match (unmodeled condition)".to_owned(),
                TermMatch::Yes => format!("match -> {}", route.verdict().as_str()),
            };
            writeln!(
                out,
                "  route {} (line {}): {outcome}",
                route.name.text,
                line(route.name.loc)
            )?;
        }
        trace
    };
    let how = match trace.decided_by {
        Decision::Term(_) => "",
        Decision::Default if args.filter.is_some() => " (no term matched: implicit discard)",
        Decision::Default => " (no route matched: flow routes accept by default)",
        Decision::Unknown(_) => " (depends on a condition rulecheck does not model)",
    };
    writeln!(out, "verdict: {}{how}", trace.verdict.as_str())?;
    Ok(if trace.verdict == Verdict::Accept {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
