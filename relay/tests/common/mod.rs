//! What the relay's tests share: the relay binary run for real, stand-in HTTP servers, and
//! PagerDuty's schema check, which the crate's own tests use too.

#![allow(dead_code)] // each test binary uses a part

pub mod databases;
#[path = "../../../tests/common/pagerduty_schema.rs"]
pub mod pagerduty_schema;
pub mod relay;
pub mod stand_in;
