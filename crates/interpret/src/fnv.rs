//! The interpreter's map hasher, now the one in `raudit_tables::hash`
//! (kept under its old name until `resolve.rs` is repointed at it).

pub use raudit_tables::hash::FxHasher as Fnv;
