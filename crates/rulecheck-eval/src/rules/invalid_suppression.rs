//! RC030 invalid-suppression. Reported while the model is built (`rulecheck_syntax::lower::suppressions`);
//! the grammar of a suppression is in `rulecheck_syntax::suppress`.

rule! {
    /// ## What it does
    /// Reports a `rulecheck:` suppression that cannot take effect: it has no `reason:` or an empty one, it
    /// names no code, an unknown code, or a code that cannot be suppressed (RC001, RC030, RC031), it does
    /// not start with `allow`, or it does not stand immediately before a term, a flow route or a filter
    /// (for `annotate`, does not name one that is configured). Such a suppression allows nothing: the
    /// findings it meant to allow are still reported.
    ///
    /// A suppression is a comment, or a Junos annotation, right before the element it covers:
    /// `rulecheck: allow CODE[, CODE…] reason: WHY`. Only comments and line breaks may stand between it and
    /// the element's statement. In the set form, it stands before a `set` command and covers the innermost
    /// term, flow route or filter on that command's path, or it is written as
    /// `annotate firewall family inet filter F term T "rulecheck: allow … reason: …"`.
    ///
    /// ## Why is this bad?
    /// A suppression hides a finding from the gate. Requiring a reason keeps the decision reviewable in the
    /// change that makes it, and a malformed suppression must not be mistaken for one that works.
    ///
    /// ## Example
    /// ```text
    /// /* rulecheck: allow RC304 */                          # no reason: RC030, RC304 is still reported
    /// term accept-rest { then accept; }
    ///
    /// /* rulecheck: allow RC304 reason: the scanner block is meant to win */
    /// term accept-rest { then accept; }                     # correct
    /// ```
    pub struct InvalidSuppression => InvalidSuppression;
}
