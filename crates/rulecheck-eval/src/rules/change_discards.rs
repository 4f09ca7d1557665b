//! RC502 change-discards. Found by `rulecheck diff` and the pre-push hook: see [`crate::diff`].

rule! {
    /// ## What it does
    /// Compares a configuration with its previous version (`rulecheck diff`, the pre-push hook) and reports,
    /// for each filter and for the flow routes, the packets the change newly discards: accepted before,
    /// discarded after. The set is exact; the finding describes it ("UDP to 203.0.113.0/24"), names the
    /// term that now discards it and the terms that accepted it before, and gives an example packet that the
    /// per-packet interpreter runs through both versions.
    ///
    /// ## Why is this bad?
    /// It is not: most changes that add a discard mean to. It is information for the reviewer, who should
    /// see what a change drops in words rather than reconstruct it from the text — and notice when it drops
    /// more than intended, or something else entirely.
    ///
    /// ## Example
    /// ```text
    /// # after: a new term before `allow-rest`
    /// term drop-attack-target { from { destination-address 203.0.113.0/24; protocol udp; } then discard; }
    /// term allow-rest { then accept; }
    /// ```
    pub struct ChangeDiscards => ChangeDiscards;
}
