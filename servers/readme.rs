//! The README's examples are complete programs, so that they can be pasted as they are; this
//! runs them as doctests here, where the crates they use besides this one (axum, rusqlite,
//! serde_json) are dependencies.

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
