//! Matching: see the crate docs.
