//! See `tests/fuzz_checks/mod.rs` for what this target checks.
#![no_main]

#[path = "../../tests/fuzz_checks/mod.rs"]
#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::event_from_slice(data));
