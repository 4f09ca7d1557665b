//! `--format json`.
//!
//! # Format
//!
//! Exactly one JSON object on standard output, built from typed structs (never by string concatenation).
//!
//! ## Wire format
//!
//! `version` (always 1), `diagnostics` (in canonical order: file, position, code), and `summary` (counts by
//! severity). Each diagnostic has `code`, `name`, `severity`, `message`, `file`, `line`, `column`,
//! `end_line`, `end_column` (1-based; columns count characters), `filter`, `term`, `route` (null where they
//! do not apply), `related` (secondary places) and `witness` (an example packet, or null).
//!
//! ## Example
//!
//! ```json
//! { "version": 1,
//!   "diagnostics": [ { "code": "RC101", "name": "packet-length-impossible", "severity": "error", … } ],
//!   "summary": { "error": 1, "warning": 0, "info": 0 } }
//! ```

use std::io::Write;

use rulecheck_syntax::{Diagnostic, Loc, SourceMap, Witness};
use serde::Serialize;
use serde_json::value::RawValue;

use super::Summary;

#[derive(Serialize)]
struct Report {
    version: u32,
    /// Each a [`JsonDiagnostic`], serialized on its own (on the machine's cores).
    diagnostics: Vec<Box<RawValue>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    message: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    filter: Option<&'a str>,
    term: Option<&'a str>,
    route: Option<&'a str>,
    related: Vec<Related<'a>>,
    witness: Option<JsonWitness<'a>>,
}

#[derive(Serialize)]
struct Related<'a> {
    message: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
}

/// The `witness` object, shared with the SARIF `properties`.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub(super) struct JsonWitness<'a> {
    family: &'a str,
    protocol: u8,
    source: &'a str,
    destination: &'a str,
    source_port: Option<u16>,
    destination_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icmp_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icmp_code: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tcp_flags: Option<u8>,
    packet_length: u32,
    dscp: u8,
    fragment_offset: u16,
    ttl: u8,
}

impl<'a> JsonWitness<'a> {
    pub(super) fn from(w: &'a Witness) -> Self {
        Self {
            family: w.family,
            protocol: w.protocol,
            source: &w.source,
            destination: &w.destination,
            source_port: w.source_port,
            destination_port: w.destination_port,
            icmp_type: w.icmp_type,
            icmp_code: w.icmp_code,
            tcp_flags: w.tcp_flags,
            packet_length: w.packet_length,
            dscp: w.dscp,
            fragment_offset: w.fragment_offset,
            ttl: w.ttl,
        }
    }
}

fn position(sources: &SourceMap, loc: Loc) -> (&str, (u32, u32), (u32, u32)) {
    let file = sources.get(loc.file);
    let (start, end) = file.line_cols(loc.span);
    (file.name.as_str(), start, end)
}

/// Writes the report.
pub fn write(
    out: &mut dyn Write,
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
) -> std::io::Result<()> {
    let chunks: Vec<&[Diagnostic]> = diagnostics.chunks(super::RENDER_CHUNK).collect();
    let rendered = rulecheck_eval::parallel_map(&chunks, rulecheck_eval::threads(), |chunk| {
        chunk
            .iter()
            .map(|d| serde_json::value::to_raw_value(&json_diagnostic(sources, d)))
            .collect::<Result<Vec<_>, _>>()
    });
    let mut all = Vec::with_capacity(diagnostics.len());
    for chunk in rendered {
        all.extend(chunk?);
    }
    let report = Report {
        version: 1,
        diagnostics: all,
        summary: Summary::of(diagnostics),
    };
    serde_json::to_writer(&mut *out, &report)?;
    writeln!(out)
}

fn json_diagnostic<'a>(sources: &'a SourceMap, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let (file, (line, column), (end_line, end_column)) = position(sources, d.loc);
    JsonDiagnostic {
        code: d.code.as_str(),
        name: d.code.name(),
        severity: d.severity.as_str(),
        message: &d.message,
        file,
        line,
        column,
        end_line,
        end_column,
        filter: d.filter.as_deref(),
        term: d.term.as_deref(),
        route: d.route.as_deref(),
        related: d
            .related
            .iter()
            .map(|r| {
                let file = sources.get(r.loc.file);
                let (line, column) = file.line_col(r.loc.span.start);
                Related {
                    message: &r.message,
                    file: &file.name,
                    line,
                    column,
                }
            })
            .collect(),
        witness: d.witness.as_ref().map(JsonWitness::from),
    }
}
