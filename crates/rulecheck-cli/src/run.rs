//! Runs a command: settings → library calls → renderer → exit code.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::CommandFactory;
use rulecheck_syntax::{
    Code, Diagnostic, FileId, Loc, Severity, SourceFile, SourceMap, Span, diagnostic, source,
    suppress,
};

use crate::args::{Args, Command, FailOn, Format, InputArgs, LintArgs};
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
        Command::Cost(cost) => crate::cost::run(&cost),
        Command::Trace(trace) => crate::trace::run(&trace),
        Command::Diff(diff) => crate::diff::run(&diff),
        Command::Hook(hook) => crate::hook::run(&hook),
        Command::Rules => {
            let mut out = std::io::stdout().lock();
            for &code in Code::ALL {
                let pending = if rulecheck_eval::rules::find(code).is_some() {
                    ""
                } else {
                    "  (not checked yet)"
                };
                writeln!(
                    out,
                    "{code}  {:<32} {:<8}{pending}",
                    code.name(),
                    code.default_severity()
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { code } => {
            let Some(code) = Code::parse(&code) else {
                return Err(Error::Input(format!(
                    "`{code}` is not a rule code or name; `rulecheck rules` lists them"
                )));
            };
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{code} {} (default: {})\n",
                code.name(),
                code.default_severity()
            )?;
            match rulecheck_eval::rules::find(code) {
                Some(rule) => writeln!(out, "{}", rule.doc())?,
                None => writeln!(
                    out,
                    "This code is reserved: this version of rulecheck does not check it yet."
                )?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            // Generated into memory first: `generate` panics on a write error such as a closed pipe.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Args::command(), "rulecheck", &mut script);
            let mut out = std::io::stdout().lock();
            out.write_all(&script)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { dir: None } => {
            let page = manual_page()?;
            let mut out = std::io::stdout().lock();
            out.write_all(&page)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { dir: Some(dir) } => {
            std::fs::create_dir_all(&dir)
                .and_then(|()| clap_mangen::generate_to(Args::command(), &dir))
                .and_then(|()| std::fs::write(dir.join("rulecheck.1"), manual_page()?))
                .map_err(|e| {
                    Error::Input(format!(
                        "cannot write manual pages to {}: {e}",
                        dir.display()
                    ))
                })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The manual page of `rulecheck`: clap's sections, with the exit status and the config file in sections
/// of their own rather than clap's "EXTRA".
fn manual_page() -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(Args::command());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    man.render_subcommands_section(&mut page)?;
    page.extend_from_slice(
        concat!(
            ".SH \"EXIT STATUS\"\n",
            ".TP\n0\nNo finding reaches the fail level (\\fB\\-\\-fail\\-on\\fR, default error).\n",
            ".TP\n1\nA finding reaches the fail level (syntax errors included).\n",
            ".TP\n2\nrulecheck could not do its job: bad arguments, an unreadable file, a bad rulecheck.toml.\n",
            ".SH FILES\n",
            ".TP\nrulecheck.toml\n",
            "In the current directory or the nearest parent, or given with \\fB\\-\\-config\\fR: the files to ",
            "check, the device budget, protected traffic and severity overrides.\n",
            ".SH \"SEE ALSO\"\n",
            "\\fBrulecheck rules\\fR lists the rule codes; \\fBrulecheck explain\\fR \\fICODE\\fR documents one.\n",
        )
        .as_bytes(),
    );
    man.render_version_section(&mut page)?;
    Ok(page)
}

/// Everything read for a run.
pub struct Checked {
    /// The files.
    pub sources: SourceMap,
    /// The findings, in canonical order, with severities as configured.
    pub diagnostics: Vec<Diagnostic>,
}

/// The inputs of a run, read and grouped into configurations.
pub struct Read {
    /// The files.
    pub sources: SourceMap,
    /// Findings about the bytes themselves (text that is not UTF-8).
    pub diagnostics: Vec<Diagnostic>,
    /// The configurations: each file on its own, or all together with `--merge`.
    pub units: Vec<Vec<FileId>>,
}

/// Reads the inputs and groups them into configurations. A file larger than `max_file_bytes` is not read:
/// it stands in the report as an empty file with an RC090 finding, which blocks.
///
/// Without `merge` each file is a configuration of its own, so the files are taken in name order (and a
/// file named twice once): the report does not depend on the order of the arguments. With `merge` the
/// order is the order of `load merge` and is kept.
pub fn read(paths: &[PathBuf], merge: bool, max_file_bytes: u64) -> Result<Read, Error> {
    let mut inputs = inputs::collect(paths)?;
    if !merge {
        inputs.sort();
        inputs.dedup();
    }
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    let mut files = Vec::new();
    for input in &inputs {
        let bytes = match inputs::read_bounded(input, max_file_bytes)? {
            inputs::Contents::Bytes(bytes) => bytes,
            inputs::Contents::TooLarge(_) => {
                let id = sources.add(SourceFile::new(input.name.clone(), String::new()));
                diagnostics.push(
                    Diagnostic::new(
                        Code::AnalysisLimit,
                        Loc::new(id, Span::new(0, 0)),
                        inputs::too_large(&input.name, max_file_bytes),
                    )
                    .with_help(
                        "split the file, or raise `[limits] max-file-bytes` in rulecheck.toml",
                    ),
                );
                files.push(id);
                continue;
            }
        };
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
    let units = if merge {
        vec![files]
    } else {
        files.into_iter().map(|f| vec![f]).collect()
    };
    Ok(Read {
        sources,
        diagnostics,
        units,
    })
}

/// Loads the settings and reads the inputs named by `input`, or by `files` in rulecheck.toml.
pub fn load(input: &InputArgs) -> Result<(Loaded, Read), Error> {
    let loaded = settings::load(input.config.as_deref())?;
    let paths = if input.paths.is_empty() {
        configured_files(&loaded)?
    } else {
        input.paths.clone()
    };
    let read = read(&paths, input.merge, loaded.limits.max_file_bytes)?;
    Ok((loaded, read))
}

/// Standard output for a report: buffered, because the terminal's stream flushes at every line and a
/// JSON report of many findings has many. The caller flushes it (an error then is a write error).
pub(crate) fn report_output() -> std::io::BufWriter<std::io::StdoutLock<'static>> {
    std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock())
}

/// Parses `unit` (files read as one configuration) and runs every check on it, inline suppressions
/// applied: what `rulecheck lint` finds in it, before the severity overrides. Returns the configuration
/// too, for callers that go on to compare it.
pub fn lint_unit(
    sources: &SourceMap,
    unit: &[FileId],
    loaded: &Loaded,
) -> (rulecheck_syntax::model::Config, Vec<Diagnostic>) {
    let rulecheck_syntax::Parsed {
        tree,
        config,
        diagnostics: mut found,
    } = rulecheck_syntax::parse_unit(sources, unit, loaded.limits.parse);
    // The model holds all the checks need; the tree would only add to the peak memory.
    drop(tree);
    gather(&mut found, rulecheck_eval::check(&config, &loaded.settings));
    // Before the severity overrides: a code turned off still counts as used by its suppressions.
    let found = suppress::apply(&config.suppressions, found);
    (config, found)
}

/// Appends `more` to `list`. Most runs read and parse without a finding: then the checks' findings,
/// many and large, become the list rather than being copied into it.
fn gather(list: &mut Vec<Diagnostic>, more: Vec<Diagnostic>) {
    if list.is_empty() {
        *list = more;
    } else {
        list.extend(more);
    }
}

/// Parses and checks the inputs.
pub fn check(read: Read, loaded: &Loaded) -> Checked {
    let Read {
        sources,
        mut diagnostics,
        units,
    } = read;
    let mut model = None;
    for unit in units {
        let (config, found) = lint_unit(&sources, &unit, loaded);
        model = Some(config);
        gather(&mut diagnostics, found);
    }
    // The last unit's model, as large as the configuration, is freed on another core while the findings
    // are sorted.
    let ((), diagnostics) = rulecheck_syntax::parallel::join(
        move || drop(model),
        || {
            let mut diagnostics: Vec<Diagnostic> = diagnostics
                .into_iter()
                .filter_map(|mut d| {
                    d.severity = loaded.settings.severity(d.code)?;
                    Some(d)
                })
                .collect();
            diagnostic::sort(&mut diagnostics);
            diagnostics.dedup();
            diagnostics
        },
    );
    Checked {
        sources,
        diagnostics,
    }
}

fn run_lint(args: &LintArgs) -> Result<ExitCode, Error> {
    let (loaded, read) = load(&args.input)?;
    let checked = check(read, &loaded);
    let mut out = report_output();
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
        Format::Sarif => render::sarif::write(
            &mut out,
            &checked.sources,
            &checked.diagnostics,
            std::env::current_dir().ok().as_deref(),
        )?,
        Format::Github => render::github::write(
            &mut out,
            &checked.sources,
            &checked.diagnostics,
            std::env::current_dir().ok().as_deref(),
        )?,
    }
    out.flush()?;
    let code = exit_code(&checked.diagnostics, args.fail_on);
    // The run ends here: the system takes the memory back at once, where freeing the findings and the
    // files one block at a time would keep the report's reader waiting.
    std::mem::forget(checked);
    Ok(code)
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
    let p: Vec<&str> = pattern.split('/').collect();
    let s: Vec<&str> = path.split('/').collect();
    wildcard(
        &p,
        &s,
        |&pat| pat == "**",
        |pat, seg| {
            wildcard(
                pat.as_bytes(),
                seg.as_bytes(),
                |&b| b == b'*',
                |a, b| *a == b'?' || a == b,
            )
        },
    )
}

/// Whether `text` matches `pattern`, where an item that `is_star` matches any run of items and every
/// other item matches one item as `matches` says. Greedy, going back only to the last star: at most
/// `pattern.len() × text.len()` steps however many stars there are (trying each star at every length
/// in turn is exponential in them, and `files` patterns come from the user's configuration).
fn wildcard<T>(
    pattern: &[T],
    text: &[T],
    is_star: impl Fn(&T) -> bool,
    matches: impl Fn(&T, &T) -> bool,
) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where to resume after the last star: the pattern after it, and the text it has taken so far.
    let mut resume: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && is_star(&pattern[p]) {
            p += 1;
            resume = Some((p, t));
        } else if p < pattern.len() && matches(&pattern[p], &text[t]) {
            p += 1;
            t += 1;
        } else if let Some((after, taken)) = resume {
            // The star takes one more item.
            p = after;
            t = taken + 1;
            resume = Some((after, taken + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(is_star)
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
        assert!(glob_match("**", "a/b/c"));
        assert!(glob_match("a/**", "a"));
        assert!(glob_match("**/x?.conf", "a/b/x1.conf"));
        assert!(!glob_match("**/x?.conf", "a/b/x12.conf"));
        assert!(glob_match("r*s/*e*g*.conf", "rules/edge.conf"));
        assert!(glob_match("a/**/b/**/c", "a/x/b/y/z/c"));
        assert!(!glob_match("a/**/b/**/c", "a/x/y/z/c"));
    }

    /// Every star tried at every length: slow, plainly right.
    fn reference(pattern: &str, path: &str) -> bool {
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

    fn words(alphabet: &[char], max: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..max {
            last = last
                .iter()
                .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                .collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    #[test]
    fn agrees_with_trying_every_star_at_every_length() {
        let patterns = words(&['a', '*', '?', '/'], 5);
        let paths = words(&['a', 'b', '/'], 4);
        for pattern in &patterns {
            for path in &paths {
                assert_eq!(
                    glob_match(pattern, path),
                    reference(pattern, path),
                    "{pattern:?} on {path:?}"
                );
            }
        }
    }

    #[test]
    fn many_stars_do_not_explode() {
        // Every star tried at every length is 2^40 steps here; going back to the last star only is not.
        let name = "a".repeat(200);
        assert!(!glob_match(&format!("{}b", "*a".repeat(40)), &name));
        assert!(glob_match(&"*a".repeat(40), &name));
        let deep = vec!["d"; 200].join("/");
        assert!(!glob_match(&format!("{}e", "**/d/".repeat(40)), &deep));
    }
}
