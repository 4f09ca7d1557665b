//! One renderer per output format. Each takes the findings in canonical order and writes them.

pub mod github;
pub mod human;
pub mod json;
pub mod location;
pub mod sarif;

use rulecheck_syntax::{Diagnostic, Severity};

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
