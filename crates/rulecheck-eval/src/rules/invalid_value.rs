//! RC003 invalid-value. Reported while values are read (`rulecheck_syntax::lower`, `values`).

rule! {
    /// ## What it does
    /// Reports a value that is malformed for its statement: an address that does not parse, a prefix length
    /// beyond the address width, an IPv6 prefix in an inet filter, an inverted range such as `1024-80`, an
    /// unknown port, protocol or ICMP name, a number too large for any field, a bad rate, and host bits set
    /// in a flow route's prefix (`192.0.2.1/24`).
    ///
    /// ## Why is this bad?
    /// Junos rejects most of these at commit; the rest match something other than what was written. A flow
    /// route for `192.0.2.1/24` discards the whole /24, not the host — the shape of the 2020 outage where a
    /// rule meant for one address matched far more.
    ///
    /// ## Example
    /// ```text
    /// from {
    ///     destination-port 1024-80;       # inverted range
    ///     protocol tpc;                   # did you mean `tcp`?
    /// }
    /// ```
    pub struct InvalidValue => InvalidValue;
}
