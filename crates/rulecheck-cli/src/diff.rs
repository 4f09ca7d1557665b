//! `rulecheck diff OLD NEW`: what a change newly discards and newly accepts.
//!
//! OLD and NEW are two files, two directories, or (with `--git`) two revisions of the repository in the
//! current directory. Configurations are formed as lint forms them — each file is one configuration
//! unless `--merge` — and paired by their path below OLD and NEW (for two files: with each other). A file on
//! one side only is compared with an empty configuration, so its flow routes count as added or removed
//! and its filters are listed as added or removed. Within a pair, [`rulecheck_eval::diff`] compares
//! filters by family and name and flow routes per routing instance.
//!
//! Findings are RC501, RC502 and RC503 (and RC090 when a comparison hits its bound), plus the syntax
//! errors (RC001) of the new side: a configuration that cannot be read cannot be compared, and a diff that
//! said nothing about it would wave it through. Every other lint finding is lint's business; the pre-push
//! hook runs both. The JSON, SARIF and GitHub outputs are lint's, with these findings; the human output
//! starts with the change in words. With `--git`, SARIF and GitHub name the new revision's files by their
//! path in the repository (the checkout CI annotates) and the old revision's as `OLD:path`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rulecheck_eval::Settings;
use rulecheck_eval::diff::Outcome;
use rulecheck_syntax::model::Config;
use rulecheck_syntax::{
    Code, Diagnostic, FileId, Loc, Severity, SourceFile, SourceMap, Span, diagnostic, source,
};

use crate::args::{DiffArgs, Format};
use crate::inputs;
use crate::render;
use crate::run::{Error, exit_code};
use crate::settings::{self, Loaded};

/// One side of a comparison: the files of a directory, a single file, or the rule files of a commit.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// The files, in a fixed order.
    pub files: Vec<SnapshotFile>,
}

/// One file of a [`Snapshot`].
#[derive(Clone, Debug)]
pub struct SnapshotFile {
    /// What pairs it with the file of the other side (its path below the directory or in the repository).
    pub key: String,
    /// How findings name it.
    pub name: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// What a comparison found.
#[derive(Debug, Default)]
pub struct Compared {
    /// Findings, in canonical order, with severities as configured.
    pub diagnostics: Vec<Diagnostic>,
    /// The change in words, one line per item, for the human report: added and removed filters and files,
    /// and caveats.
    pub summary: Vec<String>,
}

/// A file added to the source map, with the syntax error its bytes may carry.
fn add_file(sources: &mut SourceMap, file: &SnapshotFile, out: &mut Vec<Diagnostic>) -> FileId {
    let (text, invalid_at) = source::decode(file.bytes.clone());
    let id = sources.add(SourceFile::new(file.name.clone(), text));
    if let Some(at) = invalid_at {
        out.push(Diagnostic::new(
            Code::SyntaxError,
            Loc::new(id, Span::new(at, at + 1)),
            "the file is not valid UTF-8 here: configuration is text",
        ));
    }
    id
}

/// The configurations of one side: per file, or all merged; keyed for pairing.
fn units(
    snapshot: &Snapshot,
    merge: bool,
    sources: &mut SourceMap,
    text_errors: &mut Vec<Diagnostic>,
) -> Vec<(String, Vec<FileId>)> {
    let ids: Vec<(String, FileId)> = snapshot
        .files
        .iter()
        .map(|f| (f.key.clone(), add_file(sources, f, text_errors)))
        .collect();
    if merge {
        vec![(String::new(), ids.into_iter().map(|(_, id)| id).collect())]
    } else {
        ids.into_iter().map(|(key, id)| (key, vec![id])).collect()
    }
}

/// Compares two snapshots. `sources` receives the files of both sides.
pub fn compare(
    old: &Snapshot,
    new: &Snapshot,
    merge: bool,
    loaded: &Loaded,
    sources: &mut SourceMap,
) -> Compared {
    compare_units(Some(old), new, merge, false, loaded, sources)
}

/// What the pre-push hook checks: each file of `new` linted as `rulecheck lint` lints it, and compared
/// with `old` when there is one (a new branch has nothing to compare with). Each file is read once for
/// both.
pub fn lint_and_compare(
    old: Option<&Snapshot>,
    new: &Snapshot,
    loaded: &Loaded,
    sources: &mut SourceMap,
) -> Compared {
    compare_units(old, new, false, true, loaded, sources)
}

/// [`compare`], and with `lint` every check on the new side as well.
fn compare_units(
    old: Option<&Snapshot>,
    new: &Snapshot,
    merge: bool,
    lint: bool,
    loaded: &Loaded,
    sources: &mut SourceMap,
) -> Compared {
    let settings = &loaded.settings;
    let mut diagnostics = Vec::new();
    let mut ignored = Vec::new();
    let old_units = old.map_or_else(Vec::new, |old| units(old, merge, sources, &mut ignored));
    let new_units = units(new, merge, sources, &mut diagnostics);
    let mut summary = Vec::new();
    let mut keys: Vec<&String> = old_units.iter().chain(&new_units).map(|(k, _)| k).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let before = old_units.iter().find(|(k, _)| k == key);
        let after = new_units.iter().find(|(k, _)| k == key);
        let old_parsed = before
            .map(|(_, files)| rulecheck_syntax::parse_unit(sources, files, loaded.limits.parse));
        let new_config = after.map(|(_, files)| {
            if lint {
                let (config, found) = crate::run::lint_unit(sources, files, loaded);
                diagnostics.extend(found);
                config
            } else {
                let parsed = rulecheck_syntax::parse_unit(sources, files, loaded.limits.parse);
                diagnostics.extend(
                    parsed
                        .diagnostics
                        .into_iter()
                        .filter(|d| d.code == Code::SyntaxError),
                );
                parsed.config
            }
        });
        if old.is_none() {
            continue;
        }
        let name = |unit: Option<&(String, Vec<FileId>)>| {
            unit.map(|(_, files)| sources.get(files[0]).name.clone())
                .unwrap_or_default()
        };
        match (before, after) {
            (None, Some(_)) if !merge => summary.push(format!("added file {}", name(after))),
            (Some(_), None) if !merge => summary.push(format!("removed file {}", name(before))),
            _ => {}
        }
        if let Some(parsed) = &old_parsed {
            if parsed
                .diagnostics
                .iter()
                .any(|d| d.code == Code::SyntaxError)
            {
                summary.push(format!(
                    "note: the old version of {} has syntax errors; it is compared as far as it could be read",
                    name(before)
                ));
            }
        }
        let empty = Config::default();
        let old_config = old_parsed.as_ref().map_or(&empty, |p| &p.config);
        let new_config = new_config.as_ref().unwrap_or(&empty);
        let outcome = rulecheck_eval::diff::diff(old_config, new_config, settings);
        summarise(&outcome, sources, &mut summary);
        diagnostics.extend(outcome.diagnostics);
    }
    finish(diagnostics, summary, settings)
}

/// Applies severities, sorts and deduplicates.
fn finish(diagnostics: Vec<Diagnostic>, summary: Vec<String>, settings: &Settings) -> Compared {
    let mut diagnostics: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter_map(|mut d| {
            d.severity = settings.severity(d.code)?;
            Some(d)
        })
        .collect();
    diagnostic::sort(&mut diagnostics);
    diagnostics.dedup();
    Compared {
        diagnostics,
        summary,
    }
}

fn summarise(outcome: &Outcome, sources: &SourceMap, summary: &mut Vec<String>) {
    let at = |loc: Loc| {
        let file = sources.get(loc.file);
        format!("{}:{}", file.name, file.line_col(loc.span.start).0)
    };
    for f in &outcome.added {
        summary.push(format!(
            "added filter `{}` ({}) at {}: not compared; lint checks it and its bindings",
            f.name,
            f.family.as_str(),
            at(f.loc)
        ));
    }
    for f in &outcome.removed {
        summary.push(format!(
            "removed filter `{}` ({}), was at {}: not compared; lint of the new version reports a binding left without it",
            f.name,
            f.family.as_str(),
            at(f.loc)
        ));
    }
    for note in &outcome.notes {
        summary.push(format!("note: {note}"));
    }
}

/// Writes the human report: the change in words, then each finding with its source.
pub fn write_human(
    out: &mut dyn Write,
    sources: &SourceMap,
    compared: &Compared,
    color: bool,
) -> std::io::Result<()> {
    let changes: Vec<&Diagnostic> = compared
        .diagnostics
        .iter()
        .filter(|d| {
            matches!(
                d.code,
                Code::ChangeDiscards | Code::ChangeAccepts | Code::ChangeDiscardsProtected
            )
        })
        .collect();
    if changes.is_empty() && compared.summary.is_empty() {
        writeln!(out, "no change in what the rules accept or discard")?;
    } else {
        writeln!(out, "What the change does:")?;
        for d in &changes {
            let mark = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            writeln!(out, "  [{} {mark}] {}", d.code, d.message)?;
            if let Some(w) = &d.witness {
                writeln!(out, "      example: {}", w.summary)?;
            }
        }
        if changes.is_empty() {
            writeln!(out, "  no change in what the rules accept or discard")?;
        }
        for line in &compared.summary {
            writeln!(out, "  {line}")?;
        }
        writeln!(out)?;
    }
    render::human::write(
        out,
        sources,
        &compared.diagnostics,
        render::human::Style { color, width: 100 },
    )
}

/// Reads a path argument as a snapshot: a file, or the configuration files under a directory.
fn read_path(path: &Path, max_file_bytes: u64) -> Result<(Snapshot, bool), Error> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::Input(format!("cannot read {}: {e}", path.display())))?;
    let inputs = inputs::collect(&[path.to_path_buf()])?;
    let mut files = Vec::new();
    for input in inputs {
        let bytes = inputs::read(&input, max_file_bytes)?;
        let key = match &input.path {
            Some(p) if meta.is_dir() => p
                .strip_prefix(path)
                .unwrap_or(p)
                .to_string_lossy()
                .replace('\\', "/"),
            _ => String::new(),
        };
        files.push(SnapshotFile {
            key,
            name: input.name,
            bytes,
        });
    }
    Ok((Snapshot { files }, meta.is_dir()))
}

/// Runs `rulecheck diff`.
pub fn run(args: &DiffArgs) -> Result<ExitCode, Error> {
    let (old, new, loaded) = if args.git {
        let commit = |rev: &str| {
            crate::git::resolve_commit(rev).ok_or_else(|| {
                Error::Input(format!("`{rev}` does not name a commit of this repository"))
            })
        };
        let (old_sha, new_sha) = (commit(&args.old)?, commit(&args.new)?);
        // CI annotations and code-scanning alerts land on the files of the checkout, which is the new
        // revision: there its files go by their bare paths. The old side keeps its `REV:` prefix, so that a
        // place in the old version is never taken for a line of the checkout.
        let new_label = if matches!(args.format, Format::Sarif | Format::Github) {
            ""
        } else {
            args.new.as_str()
        };
        let (old, _) = crate::git::snapshot(&old_sha, &args.old, args.config.as_deref())?;
        let (new, loaded) = crate::git::snapshot(&new_sha, new_label, args.config.as_deref())?;
        (old, new, loaded)
    } else {
        let loaded = settings::load(args.config.as_deref())?;
        let (old_path, new_path) = (PathBuf::from(&args.old), PathBuf::from(&args.new));
        let max = loaded.limits.max_file_bytes;
        let (old, old_dir) = read_path(&old_path, max)?;
        let (new, new_dir) = read_path(&new_path, max)?;
        if old_dir != new_dir {
            return Err(Error::Input(format!(
                "compare a file with a file or a directory with a directory: {} is {} and {} is {}",
                args.old,
                if old_dir { "a directory" } else { "a file" },
                args.new,
                if new_dir { "a directory" } else { "a file" },
            )));
        }
        (old, new, loaded)
    };
    let mut sources = SourceMap::new();
    let compared = compare(&old, &new, args.merge, &loaded, &mut sources);
    let mut out = crate::run::report_output();
    let cwd = std::env::current_dir().ok();
    match args.format {
        Format::Json => render::json::write(&mut out, &sources, &compared.diagnostics)?,
        Format::Sarif => {
            render::sarif::write(&mut out, &sources, &compared.diagnostics, cwd.as_deref())?;
        }
        Format::Github => {
            render::github::write(&mut out, &sources, &compared.diagnostics, cwd.as_deref())?;
        }
        Format::Human => write_human(
            &mut out,
            &sources,
            &compared,
            std::io::stdout().is_terminal(),
        )?,
    }
    out.flush()?;
    Ok(exit_code(&compared.diagnostics, args.fail_on))
}
