//! Command-line arguments: they mirror the flags and only validate; [`crate::settings`] turns them into
//! settings merged with `rulecheck.toml`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// The exit status, shown by `--help` and in the manual page.
const EXIT_STATUS: &str = "Exit status: 0 when no finding reaches the fail level (`--fail-on`, default error); \
1 when one does (syntax errors included); 2 when rulecheck could not do its job (bad arguments, an \
unreadable file, a bad rulecheck.toml).";

/// Validates Junos firewall filters and BGP flow routes before they reach a router.
#[derive(Debug, Parser)]
#[command(
    name = "rulecheck",
    version,
    propagate_version = true,
    about,
    long_about = None,
    after_long_help = EXIT_STATUS
)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check configuration files and report findings.
    Lint(LintArgs),
    /// Estimate the hardware entries and memory of every term, filter and flow-route table, against the
    /// `[device]` budgets. Exits 1 when something is over budget.
    Cost(CostArgs),
    /// Show what a filter or the flow routes do with one packet, term by term.
    Trace(TraceArgs),
    /// Compare two versions of the rules: what the change newly discards and newly accepts.
    Diff(DiffArgs),
    /// The git pre-push hook.
    #[command(subcommand)]
    Hook(HookCommand),
    /// List every rule code with its name and default severity.
    Rules,
    /// Explain what a rule checks and why.
    Explain {
        /// A code such as RC101, or a rule name.
        code: String,
    },
    /// Print a shell completion script, e.g. `rulecheck completions bash > /etc/bash_completion.d/rulecheck`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `rulecheck man > rulecheck.1`, or write one page per command.
    Man {
        /// Write rulecheck.1 and a page per subcommand (rulecheck-lint.1, …) into this directory instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Which configuration to read: shared by the commands that read configuration.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// Files or directories to check (`-` reads standard input). Default: the files named in rulecheck.toml.
    pub paths: Vec<PathBuf>,
    /// The config file (default: rulecheck.toml in the current directory or the nearest parent).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Check all paths together as one configuration.
    #[arg(long)]
    pub merge: bool,
}

/// Arguments of `rulecheck lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// What to read.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit 1 when a finding reaches this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
}

/// Arguments of `rulecheck cost`.
#[derive(Debug, clap::Args)]
pub struct CostArgs {
    /// What to read.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Human)]
    pub format: TableFormat,
}

/// Output formats of reports that are tables rather than findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// Aligned text.
    Human,
    /// One JSON object.
    Json,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A report with the source line underlined.
    Human,
    /// One JSON object (see the JSON format in the README).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request's diff.
    Github,
}

/// Severities for `--fail-on`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Fail on errors only.
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Fail on any finding.
    Info,
}

/// Arguments of `rulecheck trace`.
#[derive(Debug, clap::Args)]
pub struct TraceArgs {
    /// The configuration file.
    pub path: PathBuf,
    /// The filter to run the packet through.
    #[arg(long, conflicts_with = "flow")]
    pub filter: Option<String>,
    /// Run the packet through the flow routes instead (of the main instance, or of the named routing instance).
    #[arg(long, num_args = 0..=1, default_missing_value = "")]
    pub flow: Option<String>,
    /// The packet, e.g. 'proto=tcp src=192.0.2.1 dst=203.0.113.5 sport=1234 dport=80 len=60'.
    #[arg(long)]
    pub packet: String,
}

/// Arguments of `rulecheck diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The old version: a file or a directory, or a revision with `--git`.
    pub old: String,
    /// The new version: a file or a directory, or a revision with `--git`.
    pub new: String,
    /// OLD and NEW are git revisions of the repository in the current directory; their rule files are read
    /// from git, not from the work tree.
    #[arg(long)]
    pub git: bool,
    /// The config file (default: rulecheck.toml in the current directory or the nearest parent; with
    /// `--git`, rulecheck.toml at the root of NEW).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit 1 when a finding reaches this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Compare all files of each side as one configuration.
    #[arg(long)]
    pub merge: bool,
}

/// `rulecheck hook` subcommands.
#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Install the pre-push hook in the current git repository.
    Install {
        /// Replace a pre-push hook that rulecheck did not write (it is kept as pre-push.before-rulecheck).
        #[arg(long)]
        force: bool,
    },
    /// Run the pre-push check (git calls this through the installed hook, with the refs on standard input).
    PrePush {
        /// The name of the remote pushed to.
        remote: Option<String>,
        /// The URL of the remote.
        url: Option<String>,
        /// Refuse the push when a finding reaches this severity.
        #[arg(long, value_enum, value_name = "SEVERITY")]
        fail_on: Option<FailOn>,
    },
}
