//! Where the tests' data lives: the documented payloads ship with the testing kit (under
//! `src/testing/payloads/`), everything else is in `tests/data/`.

#![allow(dead_code)] // each test binary uses a part

#[cfg(feature = "pagerduty")]
pub mod pagerduty_schema;
pub mod strategies;

use std::path::PathBuf;

/// The bytes of a data file, by its name below `tests/data/` or `src/testing/payloads/`.
pub fn read(name: &str) -> Vec<u8> {
    let path = path(name);
    std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Where a data file is: the kit's payloads first, then `tests/data/`.
pub fn path(name: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let payload = root.join("src/testing/payloads").join(name);
    if payload.exists() { payload } else { root.join("tests/data").join(name) }
}
