//! RC503 change-accepts. Found by `rulecheck diff` and the pre-push hook: see [`crate::diff`].

rule! {
    /// ## What it does
    /// Compares a configuration with its previous version (`rulecheck diff`, the pre-push hook) and reports,
    /// for each filter and for the flow routes, the packets the change newly accepts: discarded before,
    /// accepted after. The finding describes the set, names the term that now accepts it and the terms that
    /// discarded it before, and gives an example packet.
    ///
    /// ## Why is this bad?
    /// A discard is usually there for a reason — an attack, a policy, the protection of the routing engine.
    /// A change that lets such traffic through, often by accident (a term moved below a broad accept, a
    /// prefix removed from a list, a flow route deleted), deserves a second look before it is pushed.
    ///
    /// ## Example
    /// ```text
    /// # before
    /// term block-telnet { from { protocol tcp; destination-port 23; } then discard; }
    /// term allow-rest { then accept; }
    /// # after: block-telnet removed
    /// term allow-rest { then accept; }
    /// ```
    pub struct ChangeAccepts => ChangeAccepts;
}
