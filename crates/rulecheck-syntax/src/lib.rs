//! Junos configuration parser and typed rule model for rulecheck.
//!
//! The pipeline: text → [`parse::parse_file`] → [`ConfigTree`] (both input forms merged as Junos merges
//! them) → [`lower::lower`] → [`model::Config`]. Every stage reports what it finds as [`Diagnostic`]s and
//! carries on: one bad statement never hides the others.

pub mod diagnostic;
pub mod keywords;
pub mod lexer;
pub mod lower;
pub mod model;
pub mod parallel;
pub mod parse;
pub mod source;
pub mod span;
pub mod suppress;
pub mod tree;
pub mod values;

pub use diagnostic::{Code, Diagnostic, Label, Severity, Witness};
pub use parse::{Form, Limits};
pub use source::{SourceFile, SourceMap};
pub use span::{FileId, Loc, Span};
pub use tree::ConfigTree;

/// The result of reading one configuration unit.
#[derive(Debug)]
pub struct Parsed {
    /// The merged configuration tree.
    pub tree: ConfigTree,
    /// The deployed rule model.
    pub config: model::Config,
    /// Syntax and value findings.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads `files` of `sources` as one configuration (several files are merged in order, as `load merge`
/// would).
pub fn parse_unit(sources: &SourceMap, files: &[FileId], limits: Limits) -> Parsed {
    let mut tree = ConfigTree::new();
    let mut diagnostics = Vec::new();
    for &file in files {
        parse::parse_file(&mut tree, sources, file, limits, &mut diagnostics);
    }
    let mut config = lower::lower(&tree, sources, &mut diagnostics);
    config.suppressions = lower::suppressions(&tree, sources, &mut diagnostics);
    Parsed {
        tree,
        config,
        diagnostics,
    }
}

/// Reads one text as a configuration; for tests and small tools.
pub fn parse_str(name: &str, text: &str) -> (SourceMap, Parsed) {
    let mut sources = SourceMap::new();
    let id = sources.add(SourceFile::new(name, text.to_owned()));
    let parsed = parse_unit(&sources, &[id], Limits::default());
    (sources, parsed)
}
