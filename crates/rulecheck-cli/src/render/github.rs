//! `--format github`: GitHub Actions workflow commands, one per finding, which GitHub shows as annotations
//! on the lines of the pull request's diff.
//!
//! # Format
//!
//! ```text
//! ::error file=rules/flow.conf,line=7,col=33,endLine=7,endColumn=38,title=RC101 packet-length-impossible::packet-length 99971 is beyond …
//! ```
//!
//! The command is `error`, `warning` or `notice` (for info). Paths are relative to the working directory
//! with `/`; columns count characters. The message is followed by the help, the secondary places and the
//! example packet, each on its own line. Values are escaped as GitHub's toolkit does (`@actions/core`,
//! `command.ts`): `%`, `\r` and `\n` everywhere, and `:` and `,` also in properties. A last plain line
//! counts the findings for whoever reads the log.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use rulecheck_syntax::{Diagnostic, Severity, SourceMap};

use super::Summary;
use super::location::Place;

/// Escapes the data of a command (after `::`).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes the value of a property (`file=…`, `title=…`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Writes one workflow command per finding and a summary line; paths are made relative to `cwd`.
pub fn write(
    out: &mut dyn Write,
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    cwd: Option<&Path>,
) -> std::io::Result<()> {
    for d in diagnostics {
        let place = Place::of(sources, d.loc, cwd);
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        for related in &d.related {
            let other = Place::of(sources, related.loc, cwd);
            let _ = write!(
                message,
                "\n{} ({}:{}:{})",
                related.message, other.path, other.line, other.column
            );
        }
        if let Some(w) = &d.witness {
            message.push_str("\nexample packet: ");
            message.push_str(&w.summary);
        }
        writeln!(
            out,
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            command(d.severity),
            escape_property(&place.path),
            place.line,
            place.column,
            place.end_line,
            place.end_column,
            escape_property(&format!("{} {}", d.code, d.code.name())),
            escape_data(&message),
        )?;
    }
    let s = Summary::of(diagnostics);
    writeln!(
        out,
        "rulecheck: {} error(s), {} warning(s), {} info",
        s.error, s.warning, s.info
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_actions_toolkit() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("C:\\x,y%\nz"), "C%3A\\x%2Cy%25%0Az");
    }
}
