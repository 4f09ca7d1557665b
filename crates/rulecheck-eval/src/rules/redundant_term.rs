//! RC302 redundant-term. Found by the same analysis as RC301: see [`super::shadowed_term::check`].

rule! {
    /// ## What it does
    /// Reports a term that can never decide a packet because earlier terms with the same action already
    /// decide every packet it matches (one earlier term, or several together).
    ///
    /// ## Why is this bad?
    /// It changes nothing today, and misleads tomorrow: someone edits the redundant term expecting an effect
    /// and gets none. It also costs hardware entries for nothing. Remove it, or move it before the terms that
    /// hide it if its counters or logging matter.
    ///
    /// ## Example
    /// ```text
    /// term web     { from { protocol tcp; destination-port [ 80 443 ]; } then accept; }
    /// term web-tls { from { protocol tcp; destination-port 443; }        then accept; }   # redundant
    /// ```
    pub struct RedundantTerm => RedundantTerm;
}
