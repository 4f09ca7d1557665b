//! `rulecheck cost`: the estimated hardware entries and memory of every filter and flow-route table.
//!
//! # Format
//!
//! Human form: per configuration, a block per filter and per flow-route table with its totals, its share
//! of the `[device]` budgets and its five costliest terms or routes with the conditions that drive them.
//!
//! `--format json` writes exactly one JSON object, built from typed structs.
//!
//! ## Wire format
//!
//! - `version` (always 1), `budget` (`term_entries`, `filter_entries`, `flow_routes`), `bytes_per_entry`
//!   (`inet`, `inet6`: the memory assumption), `over_budget` (whether anything exceeds a budget) and
//!   `units`, one per configuration (each file, or all files with `--merge`).
//! - A unit has `files`, `errors` (syntax and value errors; costs are of what parsed), `filters` and
//!   `flow_tables`.
//! - A filter has `name`, `family`, `file`, `line`, `terms` (count, nested filters inlined), `entries`,
//!   `memory_bytes`, `share` (of `filter_entries`, 1.0 is the whole budget; null for a budget of 0),
//!   `over_budget` (the filter's total exceeds `filter_entries`) and `costliest`.
//! - A flow-route table has `instance` (null for the main instance), `routes`, `route_share` (of
//!   `flow_routes`), `entries`, `memory_bytes`, `share`, `over_budget` (more routes than `flow_routes`, or
//!   more entries than `filter_entries`) and `costliest`.
//! - Each of `costliest` (at most five, most expensive first) has `name`, `nested_in` (the filter a nested
//!   term is written in, else null), `file`, `line`, `entries`, `memory_bytes`, `share` (of
//!   `term_entries`), `over_budget` (more entries than `term_entries`) and `factors`: `field`, `except`, `entries` (on one side), `sides` (2
//!   for `port` and `address`), `line`.
//!
//! Counts that saturate are `18446744073709551615` (`u64::MAX`).
//!
//! ## Example
//!
//! ```json
//! { "version": 1, "budget": { "term_entries": 4096, "filter_entries": 65536, "flow_routes": 10000 },
//!   "bytes_per_entry": { "inet": 40, "inet6": 160 }, "over_budget": false,
//!   "units": [ { "files": [ "edge.conf" ], "errors": 0,
//!     "filters": [ { "name": "edge-in", "family": "inet", "file": "edge.conf", "line": 3, "terms": 2,
//!                    "entries": 61, "memory_bytes": 2440, "share": 0.0009, "over_budget": false,
//!                    "costliest": [ … ] } ],
//!     "flow_tables": [] } ] }
//! ```

use std::io::Write;
use std::process::ExitCode;

use rulecheck_eval::Device;
use rulecheck_eval::cost::{self, Cost, TermCost, grouped};
use rulecheck_syntax::{Loc, Severity, SourceMap};
use serde::Serialize;

use crate::args::{CostArgs, TableFormat};
use crate::run::{self, Error};

/// How many of the costliest terms or routes are listed.
const COSTLIEST: usize = 5;

/// Runs `rulecheck cost`. Exit 1 when something is over budget or a configuration has errors.
pub fn run(args: &CostArgs) -> Result<ExitCode, Error> {
    let (loaded, read) = run::load(&args.input)?;
    let device = &loaded.settings.device;
    let mut units = Vec::new();
    let mut failed = false;
    for unit in &read.units {
        let parsed = rulecheck_syntax::parse_unit(&read.sources, unit, loaded.limits.parse);
        let errors = read
            .diagnostics
            .iter()
            .chain(&parsed.diagnostics)
            .filter(|d| unit.contains(&d.loc.file) && d.severity == Severity::Error)
            .count();
        let costs = cost::cost(&parsed.config);
        let report = UnitReport::new(&read.sources, unit, errors, &costs, device);
        failed |= report.over_budget() || errors > 0;
        units.push(report);
    }
    let mut out = crate::run::report_output();
    match args.format {
        TableFormat::Human => {
            for (i, unit) in units.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                unit.write_human(&mut out, device)?;
            }
        }
        TableFormat::Json => {
            let report = JsonReport {
                version: 1,
                budget: Budget {
                    term_entries: device.term_entries,
                    filter_entries: device.filter_entries,
                    flow_routes: device.flow_routes,
                },
                bytes_per_entry: BytesPerEntry {
                    inet: cost::INET_ENTRY_BYTES,
                    inet6: cost::INET6_ENTRY_BYTES,
                },
                over_budget: units.iter().any(UnitReport::over_budget),
                units,
            };
            serde_json::to_writer(&mut out, &report).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(Serialize)]
struct JsonReport {
    version: u32,
    budget: Budget,
    bytes_per_entry: BytesPerEntry,
    over_budget: bool,
    units: Vec<UnitReport>,
}

#[derive(Serialize)]
struct Budget {
    term_entries: u64,
    filter_entries: u64,
    flow_routes: u64,
}

#[derive(Serialize)]
struct BytesPerEntry {
    inet: u64,
    inet6: u64,
}

/// One configuration's costs, in the words of the report.
#[derive(Serialize)]
struct UnitReport {
    files: Vec<String>,
    errors: usize,
    filters: Vec<FilterReport>,
    flow_tables: Vec<FlowTableReport>,
}

#[derive(Serialize)]
struct FilterReport {
    name: String,
    family: &'static str,
    file: String,
    line: u32,
    terms: usize,
    entries: u64,
    memory_bytes: u64,
    share: Option<f64>,
    over_budget: bool,
    costliest: Vec<TermReport>,
}

#[derive(Serialize)]
struct FlowTableReport {
    instance: Option<String>,
    #[serde(skip)]
    title: String,
    routes: usize,
    route_share: Option<f64>,
    entries: u64,
    memory_bytes: u64,
    share: Option<f64>,
    over_budget: bool,
    costliest: Vec<TermReport>,
}

#[derive(Serialize)]
struct TermReport {
    name: String,
    nested_in: Option<String>,
    file: String,
    line: u32,
    entries: u64,
    memory_bytes: u64,
    share: Option<f64>,
    over_budget: bool,
    factors: Vec<FactorReport>,
    #[serde(skip)]
    drivers: String,
}

#[derive(Serialize)]
struct FactorReport {
    field: &'static str,
    except: bool,
    entries: u64,
    sides: u64,
    line: u32,
}

/// `part / whole`, or `None` for a budget of 0.
fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// `12.5%`, `n/a` for a budget of 0.
fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "n/a".to_owned(), |s| format!("{:.1}%", s * 100.0))
}

fn place(sources: &SourceMap, loc: Loc) -> (String, u32) {
    let file = sources.get(loc.file);
    (file.name.clone(), file.line_col(loc.span.start).0)
}

fn terms(sources: &SourceMap, terms: &[TermCost<'_>], budget: u64) -> Vec<TermReport> {
    cost::costliest(terms, COSTLIEST)
        .into_iter()
        .map(|t| {
            let (file, line) = place(sources, t.name.loc);
            TermReport {
                name: t.name.text.clone(),
                nested_in: t.nested_in.map(|n| n.text.clone()),
                file,
                line,
                entries: t.entries(),
                memory_bytes: t.bytes,
                share: share(t.entries(), budget),
                over_budget: t.entries() > budget,
                factors: t
                    .expansion
                    .factors
                    .iter()
                    .map(|f| FactorReport {
                        field: f.field,
                        except: f.except,
                        entries: f.entries,
                        sides: f.sides,
                        line: place(sources, f.loc).1,
                    })
                    .collect(),
                drivers: t.expansion.drivers(),
            }
        })
        .collect()
}

impl UnitReport {
    fn new(
        sources: &SourceMap,
        files: &[rulecheck_syntax::FileId],
        errors: usize,
        costs: &Cost<'_>,
        device: &Device,
    ) -> Self {
        let filters = costs
            .filters
            .iter()
            .map(|f| {
                let (file, line) = place(sources, f.filter.name.loc);
                FilterReport {
                    name: f.filter.name.text.clone(),
                    family: f.filter.family.as_str(),
                    file,
                    line,
                    terms: f.terms.len(),
                    entries: f.entries,
                    memory_bytes: f.bytes,
                    share: share(f.entries, device.filter_entries),
                    over_budget: f.entries > device.filter_entries,
                    costliest: terms(sources, &f.terms, device.term_entries),
                }
            })
            .collect();
        let flow_tables = costs
            .flow_tables
            .iter()
            .map(|t| {
                let routes = t.routes.len() as u64;
                FlowTableReport {
                    instance: t.table.instance.as_ref().map(|n| n.text.clone()),
                    title: cost::table_name(t.table),
                    routes: t.routes.len(),
                    route_share: share(routes, device.flow_routes),
                    entries: t.entries,
                    memory_bytes: t.bytes,
                    share: share(t.entries, device.filter_entries),
                    over_budget: routes > device.flow_routes || t.entries > device.filter_entries,
                    costliest: terms(sources, &t.routes, device.term_entries),
                }
            })
            .collect();
        Self {
            files: files.iter().map(|&f| sources.get(f).name.clone()).collect(),
            errors,
            filters,
            flow_tables,
        }
    }

    /// Whether a filter, a flow-route table or a term is over its budget (the costliest term is listed).
    fn over_budget(&self) -> bool {
        let term_over = |terms: &[TermReport]| terms.iter().any(|t| t.over_budget);
        self.filters
            .iter()
            .any(|f| f.over_budget || term_over(&f.costliest))
            || self
                .flow_tables
                .iter()
                .any(|t| t.over_budget || term_over(&t.costliest))
    }

    fn write_human(&self, out: &mut dyn Write, device: &Device) -> std::io::Result<()> {
        writeln!(out, "{}", self.files.join(", "))?;
        if self.errors > 0 {
            writeln!(
                out,
                "  {} error(s) in the configuration; costs are of what parsed (`rulecheck lint` shows them)",
                self.errors
            )?;
        }
        if self.filters.is_empty() && self.flow_tables.is_empty() {
            writeln!(out, "  no filters or flow routes")?;
        }
        for f in &self.filters {
            writeln!(
                out,
                "  filter {} ({}): {}, {} ({} of {}), about {} bytes{}",
                f.name,
                f.family,
                counted(f.terms as u64, "term", "terms"),
                cost::entries(f.entries),
                percent(f.share),
                grouped(device.filter_entries),
                grouped(f.memory_bytes),
                over(f.over_budget)
            )?;
            write_terms(out, "term", &f.costliest, device)?;
        }
        for t in &self.flow_tables {
            writeln!(
                out,
                "  flow routes of {}: {} ({} of {}), {} ({} of {}), about {} bytes{}",
                t.title,
                counted(t.routes as u64, "route", "routes"),
                percent(t.route_share),
                grouped(device.flow_routes),
                cost::entries(t.entries),
                percent(t.share),
                grouped(device.filter_entries),
                grouped(t.memory_bytes),
                over(t.over_budget)
            )?;
            write_terms(out, "route", &t.costliest, device)?;
        }
        Ok(())
    }
}

/// `1 term`, `12 terms`.
fn counted(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", grouped(n))
    }
}

fn over(over_budget: bool) -> &'static str {
    if over_budget { "  OVER BUDGET" } else { "" }
}

/// The costliest terms as a table: name, entries, share of the per-term budget, memory, drivers.
fn write_terms(
    out: &mut dyn Write,
    kind: &str,
    terms: &[TermReport],
    device: &Device,
) -> std::io::Result<()> {
    if terms.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = terms
        .iter()
        .map(|t| match &t.nested_in {
            Some(filter) => format!("{} (from {filter})", t.name),
            None => t.name.clone(),
        })
        .collect();
    let budget_header = format!("of {}", grouped(device.term_entries));
    let name_width = names
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max(kind.len());
    let entries: Vec<String> = terms.iter().map(|t| grouped(t.entries)).collect();
    let entries_width = entries.iter().map(String::len).max().unwrap_or(0).max(7);
    let shares: Vec<String> = terms.iter().map(|t| percent(t.share)).collect();
    let share_width = shares
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max(budget_header.len());
    let bytes: Vec<String> = terms.iter().map(|t| grouped(t.memory_bytes)).collect();
    let bytes_width = bytes.iter().map(String::len).max().unwrap_or(0).max(5);
    writeln!(
        out,
        "    {kind:<name_width$}  {:>entries_width$}  {budget_header:>share_width$}  {:>bytes_width$}  driven by",
        "entries", "bytes"
    )?;
    for (i, t) in terms.iter().enumerate() {
        let line = format!(
            "    {:<name_width$}  {:>entries_width$}  {:>share_width$}  {:>bytes_width$}  {}{}",
            names[i],
            entries[i],
            shares[i],
            bytes[i],
            t.drivers,
            over(t.over_budget)
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}
