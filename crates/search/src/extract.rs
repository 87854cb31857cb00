//! Search-item extraction: see the crate docs.
