//! RC020 not-modeled. Reported while the model is built (`rulecheck_syntax::lower`).

rule! {
    /// ## What it does
    /// Reports a condition, action or construct that rulecheck reads but does not evaluate: conditions on
    /// router state (`forwarding-class`, `interface`, `loss-priority`), headers outside the model
    /// (`flexible-match-*`, `extension-header`, `esp-spi`), filters of other families (`bridge`,
    /// `ethernet-switching`), `apply-path` prefix lists and `apply-groups` inheritance.
    ///
    /// ## Why is this bad?
    /// It is not bad in itself. It says where rulecheck's proof stops: a term with an unmodeled condition
    /// matches some unknown part of what its other conditions match, so rulecheck never counts on it to
    /// catch traffic (it is never the "blocker" in RC301), and findings about it are stated for what is
    /// modeled. Nothing is silently ignored.
    ///
    /// ## Example
    /// ```text
    /// term voice {
    ///     from {
    ///         forwarding-class expedited-forwarding;    # state of the router, not of the packet
    ///     }
    ///     then accept;
    /// }
    /// ```
    pub struct NotModeled => NotModeled;
}
