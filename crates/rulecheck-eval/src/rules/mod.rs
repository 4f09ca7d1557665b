//! The rules: one file per rule code, each with its documentation and its check.
//!
//! [`ALL`] is the one table mapping codes to rules; a test walks it and fails if a code lacks a rule, docs,
//! a fixture that fires or a fixture that stays quiet.

use rulecheck_syntax::Code;

/// Declares a rule: its doc comment becomes the text `rulecheck explain` prints.
macro_rules! rule {
    ($(#[doc = $doc:literal])* pub struct $name:ident => $code:ident;) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            /// The rule's code.
            pub const CODE: rulecheck_syntax::Code = rulecheck_syntax::Code::$code;
            /// The rule's documentation.
            pub const DOC: &'static str = concat!($($doc, "\n"),*);
            /// The rule as listed in [`crate::rules::ALL`].
            pub const META: crate::rules::RuleMeta = crate::rules::RuleMeta { code: Self::CODE, raw_doc: Self::DOC };
        }
    };
}

pub mod analysis_limit;
pub mod invalid_value;
pub mod not_modeled;
pub mod syntax_error;
pub mod undefined_reference;
pub mod unknown_statement;
pub mod unused_definition;
pub mod value_out_of_range;

/// A rule as the command line lists it.
#[derive(Clone, Copy, Debug)]
pub struct RuleMeta {
    /// Its code.
    pub code: Code,
    raw_doc: &'static str,
}

impl RuleMeta {
    /// The documentation: "What it does", "Why is this bad?", "Example".
    pub fn doc(&self) -> String {
        self.raw_doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_owned()
    }
}

/// Every rule, in code order.
pub const ALL: &[RuleMeta] = &[
    syntax_error::SyntaxError::META,
    unknown_statement::UnknownStatement::META,
    invalid_value::InvalidValue::META,
    undefined_reference::UndefinedReference::META,
    unused_definition::UnusedDefinition::META,
    not_modeled::NotModeled::META,
    analysis_limit::AnalysisLimit::META,
    value_out_of_range::ValueOutOfRange::META,
];

/// The rule with this code.
pub fn find(code: Code) -> Option<&'static RuleMeta> {
    ALL.iter().find(|r| r.code == code)
}
