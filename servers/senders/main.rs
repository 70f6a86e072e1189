//! How the usual HTTP clients' answers and errors become the outbox's `Outcome`: `ureq` (what the
//! relay and the durable example use) and `reqwest`'s blocking client, side by side, delivering
//! through a `Dispatcher`. `cargo run -p sauce-webhooks-servers --example senders -- URL` posts a
//! test alert to URL with each (a stand-in of yours: it is not signed, and is not a real page).

mod reqwest_sender;
mod ureq_sender;

use std::time::Duration;

use sauce_webhooks::delivery::{Dispatcher, Message, Outbox};
use sauce_webhooks::pagerduty::{AlertEvent, RoutingKey};
use sauce_webhooks::time::OffsetDateTime;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).unwrap_or_else(|| "http://127.0.0.1:8080/v2/enqueue".to_owned());
    let key = RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?;
    let outbox = Outbox::new();
    let now = OffsetDateTime::now_utc();
    for client in ["ureq", "reqwest"] {
        let alert = AlertEvent::resolve(key.clone(), format!("senders example, {client}")).with_events_url(&url)?;
        outbox.enqueue(Message::pagerduty(&alert)?, now)?;
    }
    let (agent, reqwest) =
        (ureq_sender::agent(Duration::from_secs(10)), reqwest_sender::client(Duration::from_secs(10))?);
    let mut dispatcher = Dispatcher::new(1);
    for sent in dispatcher.deliver_due(&outbox, OffsetDateTime::now_utc, 8, |attempt| {
        if attempt.message().ordering_key().ends_with("ureq") {
            ureq_sender::send(&agent, attempt)
        } else {
            reqwest_sender::send(&reqwest, attempt)
        }
    })? {
        println!("{}: {:?} -> {:?}", sent.attempt.message().ordering_key(), sent.outcome, sent.reported);
    }
    Ok(())
}
