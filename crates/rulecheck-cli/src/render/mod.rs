//! One renderer per output format. Each takes the findings in canonical order and writes them.

pub mod github;
pub mod human;
pub mod json;
pub mod location;
pub mod sarif;

use std::io::Write;

use rulecheck_syntax::{Diagnostic, Severity};

/// Findings a thread renders at a time.
pub(crate) const RENDER_CHUNK: usize = 256;
/// Findings rendered before they are written, so that a report of many findings is not held whole.
const RENDER_BATCH: usize = 32 * RENDER_CHUNK;

/// Writes what `render` makes of each finding, in order, the findings rendered on the machine's cores
/// (each finding's text depends on it alone).
pub(crate) fn write_each(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    render: impl Fn(&Diagnostic, &mut Vec<u8>) + Sync,
) -> std::io::Result<()> {
    let threads = rulecheck_eval::threads();
    for batch in diagnostics.chunks(RENDER_BATCH) {
        let chunks: Vec<&[Diagnostic]> = batch.chunks(RENDER_CHUNK).collect();
        let rendered = rulecheck_eval::parallel_map(&chunks, threads, |chunk| {
            let mut text = Vec::new();
            for d in *chunk {
                render(d, &mut text);
            }
            text
        });
        for text in rendered {
            out.write_all(&text)?;
        }
    }
    Ok(())
}

/// Counts of findings by severity.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Summary {
    /// Errors.
    pub error: usize,
    /// Warnings.
    pub warning: usize,
    /// Infos.
    pub info: usize,
}

impl Summary {
    /// Counts `diagnostics`.
    pub fn of(diagnostics: &[Diagnostic]) -> Self {
        let mut s = Summary::default();
        for d in diagnostics {
            match d.severity {
                Severity::Error => s.error += 1,
                Severity::Warning => s.warning += 1,
                Severity::Info => s.info += 1,
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use rulecheck_syntax::{Code, Loc};

    use super::*;

    /// Rendered on several threads and in batches, the findings are written in their order, each once.
    #[test]
    fn findings_rendered_together_are_written_in_order() {
        let count = 2 * RENDER_BATCH + 3 * RENDER_CHUNK + 7;
        let diagnostics: Vec<Diagnostic> = (0..count)
            .map(|i| Diagnostic::new(Code::CorrelatedTerms, Loc::default(), i.to_string()))
            .collect();
        let mut out = Vec::new();
        write_each(&mut out, &diagnostics, |d, text| {
            text.extend_from_slice(d.message.as_bytes());
            text.push(b'\n');
        })
        .unwrap();
        let expected: String = (0..count).map(|i| i.to_string() + "\n").collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
