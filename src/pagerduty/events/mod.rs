//! PagerDuty's Events API v2 format: alert and change events, their payloads, limits, keys and
//! endpoints, written exactly as PagerDuty wants them. Nothing here knows Sauce Labs' events.

pub(crate) mod action;
pub(crate) mod alert;
pub(crate) mod bounded_json;
pub(crate) mod change;
pub(crate) mod dedup_key;
pub(crate) mod error;
pub(crate) mod limits;
pub(crate) mod payload;
pub(crate) mod request;
pub(crate) mod routing_key;
pub(crate) mod severity;
pub(crate) mod web_url;
pub(crate) mod writer;
