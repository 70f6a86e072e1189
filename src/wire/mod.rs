//! From bytes to events: one pass over a body's keys ([`fields`]), the kind they reveal
//! ([`family`]), a builder per kind, and the public entry points ([`parse`], [`batch`]) with
//! their error.

pub(crate) mod api_test;
pub(crate) mod app_distribution;
pub(crate) mod batch;
pub(crate) mod concurrency;
pub(crate) mod error;
pub(crate) mod error_group;
pub(crate) mod family;
pub(crate) mod fields;
pub(crate) mod job;
pub(crate) mod key_table;
pub(crate) mod nested_objects;
pub(crate) mod parse;
pub(crate) mod position;
pub(crate) mod visual;
pub(crate) mod visual_run;
