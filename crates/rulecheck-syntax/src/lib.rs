//! Junos configuration parser.
