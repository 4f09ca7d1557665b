//! Symbolic evaluator.
