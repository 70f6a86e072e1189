//! The senders of `servers/senders`: `ureq`'s and `reqwest`'s answers and errors become the
//! outcomes the retry policy expects, checked against a stand-in on 127.0.0.1 (an answer, a
//! 429 with `Retry-After`, one too slow) and a port nobody listens on.

#[path = "../senders/reqwest_sender.rs"]
mod reqwest_sender;
#[allow(dead_code)] // the test uses a part of it
#[path = "../../relay/tests/common/stand_in.rs"]
mod stand_in;
#[path = "../senders/ureq_sender.rs"]
mod ureq_sender;

use std::net::TcpListener;
use std::time::Duration;

use sauce_webhooks::delivery::{Attempt, Message, Outbox, Outcome};
use sauce_webhooks::pagerduty::{AlertEvent, RoutingKey};
use sauce_webhooks::time::{Duration as Wait, OffsetDateTime};

/// A client sending an attempt.
type Send<'a> = dyn Fn(&Attempt) -> Outcome + 'a;

/// An attempt to post an alert to `url`.
fn attempt(url: &str) -> Attempt {
    let outbox = Outbox::new();
    let alert = AlertEvent::resolve(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap(), "checkout")
        .with_events_url(url)
        .unwrap();
    outbox.enqueue(Message::pagerduty(&alert).unwrap(), OffsetDateTime::now_utc()).unwrap();
    outbox.due(OffsetDateTime::now_utc(), 1).unwrap().pop().unwrap()
}

#[test]
fn each_client_answers_and_errors_become_the_outcomes_the_policy_expects() {
    let (accepting, _) = stand_in::stand_in(|_, _| (202, vec![]));
    let (throttling, _) = stand_in::stand_in(|_, _| (429, vec![("Retry-After".to_owned(), "120".to_owned())]));
    let (slow, _) = stand_in::stand_in(|_, _| {
        std::thread::sleep(Duration::from_secs(3));
        (202, vec![])
    });
    // A port that was free a moment ago, and that nobody listens on.
    let closed = format!("http://{}", TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap());
    let agent = ureq_sender::agent(Duration::from_millis(800));
    let client = reqwest_sender::client(Duration::from_millis(800)).unwrap();
    let senders: [(&str, &Send<'_>); 2] = [
        ("ureq", &|attempt| ureq_sender::send(&agent, attempt)),
        ("reqwest", &|attempt| reqwest_sender::send(&client, attempt)),
    ];
    for (name, send) in senders {
        assert_eq!(send(&attempt(&format!("{accepting}/v2/enqueue"))), Outcome::status(202), "{name}");
        let throttled = send(&attempt(&format!("{throttling}/v2/enqueue")));
        assert_eq!(throttled, Outcome::Status { code: 429, retry_after: Some(Wait::minutes(2)) }, "{name}");
        assert_eq!(send(&attempt(&format!("{slow}/v2/enqueue"))), Outcome::Timeout, "{name}");
        assert_eq!(send(&attempt(&format!("{closed}/v2/enqueue"))), Outcome::ConnectionFailed, "{name}");
    }
}
