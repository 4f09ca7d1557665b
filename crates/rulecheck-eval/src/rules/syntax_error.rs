//! RC001 syntax-error. The check is the parser itself (`rulecheck_syntax::parse`).

rule! {
    /// ## What it does
    /// Reports text that is not valid Junos configuration syntax: an unbalanced `{` or `}`, a missing `;`,
    /// an unterminated string or comment, a stray character, blocks nested beyond the limit, or a file that
    /// is not UTF-8 text. Every error in a file is reported, each on the line where it stands.
    ///
    /// ## Why is this bad?
    /// A router refuses to load such a file, or, worse, a tool that splices it into a larger configuration
    /// changes its meaning. Nothing after the error can be trusted to mean what it says.
    ///
    /// ## Example
    /// ```text
    /// firewall {
    ///     filter edge {
    ///         term a { then accept }     # `;` is missing after `accept`
    ///     }
    /// }}                                 # stray `}`
    /// ```
    pub struct SyntaxError => SyntaxError;
}
