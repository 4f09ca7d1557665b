//! RC090 analysis-limit: a bound on work or input was reached, so a verdict could not be proved.

rule! {
    /// ## What it does
    /// Reports that a resource bound stopped the analysis of a filter or of the flow routes: too many
    /// fragments of packet space, too many terms, a file too large. The finding names the bound and where
    /// the analysis stopped.
    ///
    /// ## Why is this bad?
    /// rulecheck fails closed: an analysis it could not finish is not a pass, so the push is blocked rather
    /// than waved through. Split the filter, simplify the terms, or raise the bound deliberately.
    ///
    /// ## Example
    /// ```text
    /// # a filter whose terms carve the address space into more pieces than the analysis budget allows
    /// ```
    pub struct AnalysisLimit => AnalysisLimit;
}
