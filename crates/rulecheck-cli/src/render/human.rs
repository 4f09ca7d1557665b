//! `--format human`: miette's graphical report with the source line underlined.

use std::fmt;
use std::io::Write;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use rulecheck_syntax::{Diagnostic, Severity, SourceMap};

use super::Summary;

/// How to draw the report.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Use colour.
    pub color: bool,
    /// Wrap at this many columns.
    pub width: usize,
}

/// A file's text under its name, borrowed, so that no finding copies a file.
struct Named<'a> {
    name: &'a str,
    text: &'a str,
}

impl SourceCode for Named<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_owned(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// One finding as miette sees it.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Named<'a>,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let code = self.diagnostic.code;
        Some(Box::new(format!("{code} {}", code.name())))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

fn report<'a>(sources: &'a SourceMap, d: &'a Diagnostic) -> Report<'a> {
    let file = sources.get(d.loc.file);
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(d.code.name().to_owned()),
        d.loc.span,
    )];
    let mut notes = Vec::new();
    for related in &d.related {
        if related.loc.file == d.loc.file {
            labels.push(LabeledSpan::new_with_span(
                Some(related.message.clone()),
                related.loc.span,
            ));
        } else {
            let other = sources.get(related.loc.file);
            let (line, column) = other.line_col(related.loc.span.start);
            notes.push(format!(
                "{} at {}:{line}:{column}",
                related.message, other.name
            ));
        }
    }
    if let Some(w) = &d.witness {
        notes.push(format!("example packet: {}", w.summary));
    }
    let help = match (&d.help, notes.is_empty()) {
        (None, true) => None,
        (Some(h), true) => Some(h.clone()),
        (help, false) => Some(
            help.iter()
                .cloned()
                .chain(notes)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    };
    Report {
        diagnostic: d,
        source: Named {
            name: &file.name,
            text: &file.text,
        },
        help,
        labels,
    }
}

/// Writes every finding and a summary line.
pub fn write(
    out: &mut dyn Write,
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    style: Style,
) -> std::io::Result<()> {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(style.width);
    for d in diagnostics {
        let mut text = String::new();
        if handler
            .render_report(&mut text, &report(sources, d))
            .is_err()
        {
            text = format!("{}: {} {}\n", d.severity, d.code, d.message);
        }
        out.write_all(text.as_bytes())?;
    }
    let s = Summary::of(diagnostics);
    if diagnostics.is_empty() {
        writeln!(out, "no findings")
    } else {
        writeln!(
            out,
            "{} error(s), {} warning(s), {} info",
            s.error, s.warning, s.info
        )
    }
}
