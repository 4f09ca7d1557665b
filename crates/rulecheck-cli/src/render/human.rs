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
    /// Where each line starts, as miette counts lines (see [`line_starts`]).
    line_starts: &'a [usize],
}

impl SourceCode for Named<'_> {
    /// miette's own `read_span` for text walks from the first byte of the file to the span, so a report
    /// of many findings in one large file took time quadratic in its size. This hands miette the same text
    /// starting a few lines before the span instead and shifts the result back: miette's walk keeps no
    /// state across a line break but the last `before` line starts and counts, so starting it at an
    /// earlier line start gives the same contents, and adding the skipped lines gives the same numbers.
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        // Lines wholly before the span: those whose break ends before its first byte.
        let line = self
            .line_starts
            .partition_point(|&start| start <= span.offset())
            .saturating_sub(1);
        // One line more than the context: a span that starts a line is seen from the break before it.
        let skipped = line.saturating_sub(before + 1);
        let base = self.line_starts.get(skipped).copied().unwrap_or(0);
        let shifted = SourceSpan::new(span.offset().saturating_sub(base).into(), span.len());
        let inner = self.text.as_bytes()[base..].read_span(&shifted, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_owned(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + base).into(), inner.span().len()),
            inner.line() + skipped,
            inner.column(),
            inner.line_count() + skipped,
        )))
    }
}

/// The offset of each line's start as miette's `read_span` counts lines: 0, and the offset after every
/// line feed, after every carriage return not followed by a line feed.
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            starts.push(i + 1);
        }
    }
    starts
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

/// Lines between a finding and a related place in the same file up to which the place is drawn in the
/// finding's snippet; farther ones are named in a note.
const NEAR_LINES: usize = 8;

fn report<'a>(sources: &'a SourceMap, line_starts: &'a [usize], d: &'a Diagnostic) -> Report<'a> {
    let file = sources.get(d.loc.file);
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(d.code.name().to_owned()),
        d.loc.span,
    )];
    let mut notes = Vec::new();
    let line_of = |offset: usize| line_starts.partition_point(|&start| start <= offset);
    let line = line_of(d.loc.span.start as usize);
    for related in &d.related {
        // A label far from the finding would draw every line between them: a note names its place instead.
        let near = line_of(related.loc.span.start as usize).abs_diff(line) <= NEAR_LINES;
        if related.loc.file == d.loc.file && near {
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
            line_starts,
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
    // Lines break at spaces only: a term or filter name stays whole, so it can be searched for and
    // copied, where the default breaks after any hyphen (`police-icmp-` / `24`). The default's Unicode
    // line-break rules also cost more than the rest of the report.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
    // Indexed once per file that has a finding, not once per finding.
    let mut line_index: Vec<Vec<usize>> = vec![Vec::new(); sources.len()];
    for d in diagnostics {
        let starts = &mut line_index[d.loc.file.0 as usize];
        if starts.is_empty() {
            *starts = line_starts(&sources.get(d.loc.file).text);
        }
    }
    super::write_each(out, diagnostics, |d, out| {
        let starts = &line_index[d.loc.file.0 as usize];
        let mut text = String::new();
        if handler
            .render_report(&mut text, &report(sources, starts, d))
            .is_err()
        {
            text = format!("{}: {} {}\n", d.severity, d.code, d.message);
        }
        out.extend_from_slice(text.as_bytes());
    })?;
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// What miette reads for `span` in `text`, as comparable values.
    type Read = Result<(Vec<u8>, usize, usize, usize, usize, usize), String>;

    fn read(source: &dyn SourceCode, span: SourceSpan, before: usize, after: usize) -> Read {
        source
            .read_span(&span, before, after)
            .map(|c| {
                (
                    c.data().to_vec(),
                    c.span().offset(),
                    c.span().len(),
                    c.line(),
                    c.column(),
                    c.line_count(),
                )
            })
            .map_err(|e| e.to_string())
    }

    /// The report of `d` without colour, `width` columns wide.
    fn rendered(sources: &SourceMap, d: &Diagnostic, width: usize) -> String {
        let mut out = Vec::new();
        let style = Style {
            color: false,
            width,
        };
        write(&mut out, sources, std::slice::from_ref(d), style).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_related_place_far_from_the_finding_is_named_not_drawn() {
        // 2,000 lines; the finding on the last, related places on the first and just above the finding.
        let text = (1..=2000).fold(String::new(), |mut text, i| {
            use std::fmt::Write as _;
            let _ = writeln!(text, "term t{i} {{ }}");
            text
        });
        let starts = line_starts(&text);
        let span = |line: usize| {
            let start = starts[line - 1] as u32;
            rulecheck_syntax::Span::new(start + 5, start + 9)
        };
        let mut sources = SourceMap::new();
        let file = sources.add(rulecheck_syntax::SourceFile::new("f.conf", text.clone()));
        let at = |line| rulecheck_syntax::Loc {
            file,
            span: span(line),
        };
        let d = Diagnostic::new(
            rulecheck_syntax::Code::ShadowedTerm,
            at(2000),
            "term `t2000` never acts",
        )
        .with_related(at(1), "term `t1` catches its packets first")
        .with_related(at(1995), "term `t1995` catches its packets first");
        let out = rendered(&sources, &d, 100);
        // The near place is drawn, the far one named; the lines between them are not printed.
        assert!(out.contains("1995 │ term t1995"), "{out}");
        assert!(
            out.contains("term `t1` catches its packets first at f.conf:1:6"),
            "{out}"
        );
        assert!(!out.contains("t1000"), "{out}");
        assert!(out.lines().count() < 30, "{out}");
    }

    #[test]
    fn wrapped_lines_keep_hyphenated_names_whole() {
        let text = "term police-icmp-24 { }\n";
        let mut sources = SourceMap::new();
        let file = sources.add(rulecheck_syntax::SourceFile::new("f.conf", text.to_owned()));
        let loc = rulecheck_syntax::Loc {
            file,
            span: rulecheck_syntax::Span::new(5, 19),
        };
        // The name would straddle the wrap width at every offset of the padding.
        for pad in 0..30 {
            let message = format!("{} decided earlier by `police-icmp-24`", "x".repeat(pad));
            let d = Diagnostic::new(rulecheck_syntax::Code::ShadowedTerm, loc, message)
                .with_help("term `police-icmp-24-and-more-words` catches its packets first");
            let out = rendered(&sources, &d, 60);
            assert!(out.contains("`police-icmp-24`"), "{out}");
            assert!(out.contains("`police-icmp-24-and-more-words`"), "{out}");
        }
    }

    proptest! {
        /// Reading from a few lines before the span gives exactly what miette's walk from the start of
        /// the file gives, line breaks of every kind, spans at line starts and empty spans included. Spans
        /// lie inside the text, as every finding's does (miette itself panics on some that do not).
        #[test]
        fn read_span_matches_miette(
            text in "[ab\r\n]{0,40}",
            start in 0usize..44,
            len in 0usize..12,
            before in 0usize..3,
            after in 0usize..3,
        ) {
            let start = start % (text.len() + 1);
            let len = len % (text.len() - start + 1);
            let starts = line_starts(&text);
            let named = Named { name: "f", text: &text, line_starts: &starts };
            let span = SourceSpan::new(start.into(), len);
            prop_assert_eq!(
                read(&named, span, before, after),
                read(&text, span, before, after)
            );
        }
    }
}
