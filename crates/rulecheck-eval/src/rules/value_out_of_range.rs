//! RC104 value-out-of-range. Reported while values are read (`rulecheck_syntax::lower`).

rule! {
    /// ## What it does
    /// Reports a numeric match value beyond the width of its header field: a port above 65535, a protocol,
    /// ICMP type or code, TTL or hop limit above 255, a DSCP above 63, a precedence above 7, a fragment
    /// offset above 8191. Packet lengths have their own rule (RC101).
    ///
    /// ## Why is this bad?
    /// No packet can carry such a value. Junos rejects some at commit and truncates others; either way the
    /// condition does not mean what its author thought.
    ///
    /// ## Example
    /// ```text
    /// from {
    ///     destination-port 70000;     # ports are 16 bits: 0 to 65535
    ///     dscp 64;                    # DSCP is 6 bits: 0 to 63
    /// }
    /// ```
    pub struct ValueOutOfRange => ValueOutOfRange;
}
