//! RC501 change-discards-protected. Found by `rulecheck diff` and the pre-push hook: see [`crate::diff`].

rule! {
    /// ## What it does
    /// Compares a configuration with its previous version (`rulecheck diff`, the pre-push hook) and reports
    /// traffic marked protected in `rulecheck.toml` (`[[protect]]`) that the change newly discards: packets
    /// a filter or the flow routes accepted before and discard after. The finding names the protected flow,
    /// the term that now discards it and the terms that accepted it before, with an example packet.
    ///
    /// ## Why is this bad?
    /// Protected flows are the traffic that must always pass — customer services, BGP, monitoring. A change
    /// that starts dropping them is an outage the moment it is pushed. It is reported in addition to the
    /// change's RC502, as an error.
    ///
    /// ## Example
    /// ```text
    /// # rulecheck.toml: [[protect]] name = "customer-web", destination = "198.51.100.0/24",
    /// #                 protocol = "tcp", destination-port = "443"
    /// # before
    /// term allow-web { from { protocol tcp; destination-port 443; } then accept; }
    /// # after: the new term comes first
    /// term drop-scan { from { destination-address 198.51.100.0/25; } then discard; }
    /// term allow-web { from { protocol tcp; destination-port 443; } then accept; }
    /// ```
    pub struct ChangeDiscardsProtected => ChangeDiscardsProtected;
}
