//! Runs a command: settings → library calls → renderer → exit code.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rulecheck_syntax::{
    Code, Diagnostic, FileId, Limits, Loc, Severity, SourceFile, SourceMap, Span, diagnostic,
    source,
};

use crate::args::{Args, Command, FailOn, Format, LintArgs};
use crate::inputs;
use crate::render;
use crate::settings::{self, Loaded};

/// Why rulecheck could not do its job (exit 2).
#[derive(Debug)]
pub enum Error {
    /// Bad arguments, an unreadable file, a bad config file.
    Input(String),
    /// Writing the output failed.
    Io(std::io::Error),
}

impl Error {
    /// Whether the output pipe was closed by the reader.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Input(message) => f.write_str(message),
            Error::Io(e) => write!(f, "cannot write output: {e}"),
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

/// Runs the command line.
pub fn run(args: Args) -> Result<ExitCode, Error> {
    match args.command {
        Command::Lint(lint) => run_lint(&lint),
        Command::Trace(trace) => crate::trace::run(&trace),
        Command::Diff(diff) => crate::diff::run(&diff),
        Command::Hook(hook) => crate::hook::run(&hook),
        Command::Rules => {
            let mut out = std::io::stdout().lock();
            for rule in rulecheck_eval::rules::ALL {
                writeln!(
                    out,
                    "{}  {:<32} {}",
                    rule.code,
                    rule.code.name(),
                    rule.code.default_severity()
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { code } => {
            let Some(rule) = Code::parse(&code).and_then(rulecheck_eval::rules::find) else {
                return Err(Error::Input(format!(
                    "`{code}` is not a rule code or name; `rulecheck rules` lists them"
                )));
            };
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{} {} (default: {})\n",
                rule.code,
                rule.code.name(),
                rule.code.default_severity()
            )?;
            writeln!(out, "{}", rule.doc())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Everything read for a run.
pub struct Checked {
    /// The files.
    pub sources: SourceMap,
    /// The findings, in canonical order, with severities as configured.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads, parses and checks the inputs.
pub fn check(paths: &[PathBuf], merge: bool, loaded: &Loaded) -> Result<Checked, Error> {
    let inputs = inputs::collect(paths)?;
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    let mut files = Vec::new();
    for input in &inputs {
        let bytes = inputs::read(input)?;
        let (text, invalid_at) = source::decode(bytes);
        let id = sources.add(SourceFile::new(input.name.clone(), text));
        if let Some(at) = invalid_at {
            diagnostics.push(Diagnostic::new(
                Code::SyntaxError,
                Loc::new(id, Span::new(at, at + 1)),
                "the file is not valid UTF-8 here: configuration is text",
            ));
        }
        files.push(id);
    }
    let units: Vec<Vec<FileId>> = if merge {
        vec![files]
    } else {
        files.into_iter().map(|f| vec![f]).collect()
    };
    for unit in units {
        let parsed = rulecheck_syntax::parse_unit(&sources, &unit, Limits::default());
        diagnostics.extend(parsed.diagnostics);
        diagnostics.extend(rulecheck_eval::check(&parsed.config, &loaded.settings));
    }
    let mut diagnostics: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter_map(|mut d| {
            d.severity = loaded.settings.severity(d.code)?;
            Some(d)
        })
        .collect();
    diagnostic::sort(&mut diagnostics);
    diagnostics.dedup();
    Ok(Checked {
        sources,
        diagnostics,
    })
}

fn run_lint(args: &LintArgs) -> Result<ExitCode, Error> {
    let loaded = settings::load(args.config.as_deref())?;
    let paths = if args.paths.is_empty() {
        configured_files(&loaded)?
    } else {
        args.paths.clone()
    };
    let checked = check(&paths, args.merge, &loaded)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Human => render::human::write(
            &mut out,
            &checked.sources,
            &checked.diagnostics,
            render::human::Style {
                color: std::io::stdout().is_terminal(),
                width: 100,
            },
        )?,
        Format::Json => render::json::write(&mut out, &checked.sources, &checked.diagnostics)?,
    }
    out.flush()?;
    Ok(exit_code(&checked.diagnostics, args.fail_on))
}

/// 1 when a finding reaches the fail level, else 0.
pub fn exit_code(diagnostics: &[Diagnostic], fail_on: Option<FailOn>) -> ExitCode {
    let level = match fail_on {
        None | Some(FailOn::Error) => Severity::Error,
        Some(FailOn::Warning) => Severity::Warning,
        Some(FailOn::Info) => Severity::Info,
    };
    if diagnostics.iter().any(|d| d.severity >= level) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The files named by `files` in rulecheck.toml.
fn configured_files(loaded: &Loaded) -> Result<Vec<PathBuf>, Error> {
    let (Some(patterns), Some(root)) = (&loaded.files, &loaded.root) else {
        return Err(Error::Input(
            "no paths given and no `files` in rulecheck.toml: name the files to check, e.g. `rulecheck lint rules/`".into(),
        ));
    };
    let mut all = Vec::new();
    let root_files = inputs::collect(std::slice::from_ref(root))?;
    for input in root_files {
        let Some(path) = input.path else { continue };
        let relative = path.strip_prefix(root).unwrap_or(&path);
        let relative = relative.to_string_lossy().replace('\\', "/");
        if patterns
            .iter()
            .any(|p| glob_match(p.trim_start_matches("./"), &relative))
        {
            all.push(path);
        }
    }
    if all.is_empty() {
        return Err(Error::Input(format!(
            "no file under {} matches `files` in rulecheck.toml",
            display_dir(root)
        )));
    }
    Ok(all)
}

fn display_dir(dir: &Path) -> String {
    if dir.as_os_str().is_empty() {
        ".".into()
    } else {
        dir.display().to_string()
    }
}

/// Matches `*` (within a path segment), `**` (any number of segments) and `?`.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    fn segments(p: &[&str], s: &[&str]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(&"**"), _) => segments(&p[1..], s) || (!s.is_empty() && segments(p, &s[1..])),
            (Some(pat), Some(seg)) => {
                segment(pat.as_bytes(), seg.as_bytes()) && segments(&p[1..], &s[1..])
            }
            _ => false,
        }
    }
    fn segment(p: &[u8], s: &[u8]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(b'*'), _) => segment(&p[1..], s) || (!s.is_empty() && segment(p, &s[1..])),
            (Some(b'?'), Some(_)) => segment(&p[1..], &s[1..]),
            (Some(a), Some(b)) => a == b && segment(&p[1..], &s[1..]),
            _ => false,
        }
    }
    let p: Vec<&str> = pattern.split('/').collect();
    let s: Vec<&str> = path.split('/').collect();
    segments(&p, &s)
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("rules/**/*.conf", "rules/a/b/x.conf"));
        assert!(glob_match("rules/**/*.conf", "rules/x.conf"));
        assert!(!glob_match("rules/*.conf", "rules/a/x.conf"));
        assert!(glob_match("*.set", "edge.set"));
        assert!(!glob_match("*.set", "edge.conf"));
    }
}
