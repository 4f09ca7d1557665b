//! Inline suppression: a finding accepted in the configuration itself, with the reason written beside it.
//!
//! # Grammar
//!
//! ```text
//! directive = "rulecheck:" "allow" code { [","] code } "reason:" text
//! code      = "RC" digit digit digit | rule-name          (e.g. RC304 or correlated-terms)
//! text      = at least one character that is not white space
//! ```
//!
//! A directive is the text of a comment (`/* … */` or `# …`) or of a Junos annotation (`annotate PATH
//! "…"` in the set form; Junos shows annotations as `/* … */` before the statement in the hierarchical
//! form). It stands immediately before — only comments and line breaks between — the statement of a term,
//! a flow route or a filter, and allows its codes for the findings located in that element (every
//! statement under it, in any file of the configuration). Before a `set` command, it applies to the
//! innermost term, flow route or filter that the command's path names. `annotate` names the element by
//! its full path from the top, as `set` does.
//!
//! ```text
//! /* rulecheck: allow RC304 reason: the scanner block is meant to win over accept-rest */
//! term accept-rest { then accept; }
//! ```
//!
//! A directive that cannot be read, lacks a reason, names an unknown code, a code that cannot be allowed
//! (RC001, RC030, RC031), or stands before anything else is RC030 and allows nothing. A code a directive
//! allows but no finding of the element has is RC031.

use crate::diagnostic::{Code, Diagnostic};
use crate::span::Loc;

/// The word that makes a comment a directive.
const MARKER: &str = "rulecheck:";

/// Codes no directive may allow: text Junos rejects cannot be made valid by a comment, and allowing the
/// suppression findings themselves would make the required reason optional.
const NOT_ALLOWED: &[Code] = &[
    Code::SyntaxError,
    Code::InvalidSuppression,
    Code::UnusedSuppression,
];

/// An allowance in force: the codes it allows, why, and the element it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// The codes allowed.
    pub codes: Vec<Code>,
    /// Why, as written.
    pub reason: String,
    /// The directive itself.
    pub loc: Loc,
    /// The element it covers, in words: "term `T` of filter `F`", "flow route `R`", "filter `F`".
    pub element: String,
    /// Every statement of the element: a finding located inside one of these is covered. Sorted by file
    /// and start, overlapping spans merged.
    pub extent: Vec<Loc>,
}

impl Suppression {
    /// Whether a finding at `loc` lies inside the element.
    pub fn covers(&self, loc: Loc) -> bool {
        let at = self
            .extent
            .partition_point(|e| (e.file, e.span.start) <= (loc.file, loc.span.start));
        at > 0 && {
            let e = self.extent[at - 1];
            e.file == loc.file && e.span.contains(loc.span)
        }
    }
}

/// A directive as read: what it allows and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// The codes.
    pub codes: Vec<Code>,
    /// The reason, white space collapsed.
    pub reason: String,
}

/// The text of a comment without its `/*`, `*/` or `#`; other text (an annotation's string) as it is.
pub fn comment_body(text: &str) -> &str {
    if let Some(inner) = text.strip_prefix("/*") {
        inner.strip_suffix("*/").unwrap_or(inner)
    } else if let Some(inner) = text.strip_prefix('#') {
        inner
    } else {
        text
    }
}

/// Whether a comment's or annotation's text is a directive.
pub fn is_directive(text: &str) -> bool {
    comment_body(text).trim_start().starts_with(MARKER)
}

/// Reads a directive from a comment's or annotation's text; the error says what is wrong in a sentence.
pub fn parse_directive(text: &str) -> Result<Directive, String> {
    let body = comment_body(text).trim();
    let Some(rest) = body.strip_prefix(MARKER) else {
        return Err(format!("a suppression starts with `{MARKER}`"));
    };
    let rest = rest.trim_start();
    let Some(rest) = rest
        .strip_prefix("allow")
        .filter(|r| r.starts_with(char::is_whitespace))
    else {
        return Err(
            "expected `allow` after `rulecheck:`, as in `rulecheck: allow RC304 reason: …`".into(),
        );
    };
    let Some(at) = rest.find("reason:") else {
        return Err(
            "a suppression needs a reason: end it with `reason:` and why the finding is accepted"
                .into(),
        );
    };
    let reason = rest[at + "reason:".len()..]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if reason.is_empty() {
        return Err("the reason is empty: say after `reason:` why the finding is accepted".into());
    }
    let mut codes = Vec::new();
    for word in rest[..at].split([',', ' ', '\t', '\r', '\n']) {
        if word.is_empty() {
            continue;
        }
        let Some(code) = Code::parse(word) else {
            return Err(format!(
                "`{word}` is not a rule code or name; `rulecheck rules` lists them"
            ));
        };
        if NOT_ALLOWED.contains(&code) {
            return Err(format!("{code} {} cannot be suppressed", code.name()));
        }
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.is_empty() {
        return Err("name the codes to allow, as in `rulecheck: allow RC304 reason: …`".into());
    }
    Ok(Directive { codes, reason })
}

/// Removes the findings the suppressions cover and adds an RC031 for each code a suppression allows that
/// no finding used.
pub fn apply(suppressions: &[Suppression], diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if suppressions.is_empty() {
        return diagnostics;
    }
    let mut used: Vec<Vec<bool>> = suppressions
        .iter()
        .map(|s| vec![false; s.codes.len()])
        .collect();
    let mut kept: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(|d| {
            let mut suppressed = false;
            for (s, used) in suppressions.iter().zip(&mut used) {
                if let Some(i) = s.codes.iter().position(|&c| c == d.code) {
                    if s.covers(d.loc) {
                        used[i] = true;
                        suppressed = true;
                    }
                }
            }
            !suppressed
        })
        .collect();
    for (s, used) in suppressions.iter().zip(&used) {
        for (&code, _) in s.codes.iter().zip(used).filter(|(_, used)| !**used) {
            kept.push(
                Diagnostic::new(
                    Code::UnusedSuppression,
                    s.loc,
                    format!(
                        "`allow {code}` suppresses nothing: {} has no {code} {} finding",
                        s.element,
                        code.name()
                    ),
                )
                .with_help(
                    "remove it, or check that it stands before the element the finding is in",
                ),
            );
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_are_read_from_comments_and_annotations() {
        let d = parse_directive("/* rulecheck: allow RC304 reason: scanner block wins */").unwrap();
        assert_eq!(d.codes, vec![Code::CorrelatedTerms]);
        assert_eq!(d.reason, "scanner block wins");
        let d = parse_directive(
            "# rulecheck: allow RC302, packet-length-over-mtu reason:\n  jumbo\tframes",
        )
        .unwrap();
        assert_eq!(
            d.codes,
            vec![Code::RedundantTerm, Code::PacketLengthOverMtu]
        );
        assert_eq!(d.reason, "jumbo frames");
        let d = parse_directive("rulecheck: allow rc304 RC304 reason: x").unwrap();
        assert_eq!(d.codes, vec![Code::CorrelatedTerms]);
        assert!(is_directive("/*  rulecheck: allow */"));
        assert!(!is_directive("/* checked by rulecheck: fine */"));
    }

    #[test]
    fn bad_directives_say_what_is_wrong() {
        let error = |text| parse_directive(text).unwrap_err();
        assert!(error("/* rulecheck: allow RC304 */").contains("needs a reason"));
        assert!(error("/* rulecheck: allow RC304 reason: */").contains("reason is empty"));
        assert!(error("/* rulecheck: allow RC999 reason: x */").contains("`RC999`"));
        assert!(error("/* rulecheck: allow reason: x */").contains("name the codes"));
        assert!(error("/* rulecheck: ignore RC304 reason: x */").contains("`allow`"));
        assert!(error("/* rulecheck: allow RC001 reason: x */").contains("cannot be suppressed"));
        assert!(error("/* rulecheck: allow RC031 reason: x */").contains("cannot be suppressed"));
    }
}
