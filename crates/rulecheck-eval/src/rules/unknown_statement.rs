//! RC002 unknown-statement. Reported while the model is built (`rulecheck_syntax::lower`).

rule! {
    /// ## What it does
    /// Reports a keyword that Junos does not accept where it stands — in a filter, a term, `from`, `then`, a
    /// flow route, or at the top level — and suggests the closest keyword that is accepted there. A match
    /// condition of another family (`next-header` in an inet filter) is named as such.
    ///
    /// ## Why is this bad?
    /// `commit` fails on the router, or, if the typo happens to be another valid keyword elsewhere, the rule
    /// silently matches something else. `destination-prot 22` is not a port condition.
    ///
    /// ## Example
    /// ```text
    /// term ssh {
    ///     from {
    ///         protocol tcp;
    ///         destination-prot 22;    # did you mean `destination-port`?
    ///     }
    ///     then accept;
    /// }
    /// ```
    pub struct UnknownStatement => UnknownStatement;
}
