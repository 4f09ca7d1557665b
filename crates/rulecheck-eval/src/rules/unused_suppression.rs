//! RC031 unused-suppression. Reported when suppressions are applied (`rulecheck_syntax::suppress::apply`).

rule! {
    /// ## What it does
    /// Reports a code that a `rulecheck: allow …` suppression names but that no finding in its term, flow
    /// route or filter has: the suppression allows nothing.
    ///
    /// ## Why is this bad?
    /// A stale suppression is a trap: the problem it was written for is gone, and the next finding of
    /// that code in the element would be hidden without anyone deciding so. It can also mean the
    /// suppression stands before the wrong element and the finding it was meant for is still reported.
    ///
    /// ## Example
    /// ```text
    /// /* rulecheck: allow RC304 reason: meant for accept-rest, but placed before block-scanner */
    /// term block-scanner { from { source-address 198.51.100.0/24; } then discard; }
    /// term accept-rest { then accept; }
    /// ```
    pub struct UnusedSuppression => UnusedSuppression;
}
