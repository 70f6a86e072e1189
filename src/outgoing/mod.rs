//! What the crate asks the host to send, and where it may send it: the [`OutgoingRequest`]
//! that PagerDuty alerts and webhook connectors make (the crate sends nothing itself), and the
//! checks of the URLs webhooks may point at ([`endpoint`]).

#[cfg(feature = "connector")]
#[cfg_attr(docsrs, doc(cfg(feature = "connector")))]
pub mod endpoint;
mod request;

pub use request::OutgoingRequest;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use request::{FromHttpError, IntoHttpError};
