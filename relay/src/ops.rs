//! What an operator does without opening the database: list and enable endpoints, list and
//! send again dead letters. Each works on the database a running relay uses; the relay sees
//! the change at its next look.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sauce_webhooks::Event;
use sauce_webhooks::delivery::{EndpointHealth, Message, Outbox};
use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks::time::format_description::well_known::Rfc3339;

use crate::config::{Config, TargetConfig};
use crate::intake::{of_subscription, webhook_message};
use crate::setup::{self, Target};
use crate::shown;
use crate::store::{Failed, Kept, Store, StoredLetter};

/// The endpoints that fail or are disabled, one line each, with the subscriptions that post to
/// them.
///
/// # Errors
/// The database's.
pub fn list_endpoints(config: &Config, store: &Store) -> Result<String, String> {
    let users = endpoint_users(config);
    let mut out = String::new();
    let endpoints = store.unhealthy_endpoints().map_err(|e| e.to_string())?;
    if endpoints.is_empty() {
        out.push_str("every endpoint is healthy\n");
    }
    for (endpoint, health) in endpoints {
        let (state, since) = match health {
            EndpointHealth::Disabled { at, gone: true } => ("disabled (410 Gone)", at),
            EndpointHealth::Disabled { at, gone: false } => ("disabled (failed too long)", at),
            EndpointHealth::Failing { since } => ("failing", since),
            _ => continue,
        };
        let subscriptions = users.get(&endpoint).map_or_else(|| "(no subscription)".to_owned(), |ids| ids.join(", "));
        let _ = writeln!(out, "{state:<27} since {}  {:<32} {subscriptions}", time(since), shown::endpoint(&endpoint));
    }
    Ok(out)
}

/// Enables the endpoint of subscription `target` (or the endpoint whose URL is `target`), or
/// every disabled endpoint when `target` is `None`. What it did.
///
/// # Errors
/// No such endpoint, or the database's.
pub fn enable_endpoints(config: &Config, store: &Store, target: Option<&str>) -> Result<String, String> {
    let outbox = Outbox::new().with_store(store.clone());
    let disabled: Vec<String> = store
        .unhealthy_endpoints()
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|(_, health)| matches!(health, EndpointHealth::Disabled { .. }))
        .map(|(endpoint, _)| endpoint)
        .collect();
    let users = endpoint_users(config);
    let chosen: Vec<&String> = match target {
        None => disabled.iter().collect(),
        Some(target) => disabled
            .iter()
            .filter(|endpoint| {
                *endpoint == target || users.get(*endpoint).is_some_and(|ids| ids.iter().any(|id| id == target))
            })
            .collect(),
    };
    if chosen.is_empty() {
        return Err(match target {
            Some(target) => format!("no disabled endpoint is {target:?} or the endpoint of a subscription of that id"),
            None => "no endpoint is disabled".to_owned(),
        });
    }
    let mut out = String::new();
    for endpoint in chosen {
        outbox.enable_endpoint(endpoint).map_err(|e| e.to_string())?;
        let _ = writeln!(out, "enabled {}: its messages go again", shown::endpoint(endpoint));
    }
    Ok(out)
}

/// Up to `limit` dead letters, oldest first, one line each.
///
/// # Errors
/// The database's.
pub fn list_dead_letters(store: &Store, limit: usize) -> Result<String, String> {
    let letters = store.dead_letters(limit).map_err(|e| e.to_string())?;
    let mut out = String::new();
    if letters.is_empty() {
        out.push_str("no dead letters\n");
    }
    for StoredLetter { id, at, letter } in letters {
        let what = match &letter.kept {
            Kept::Message(message) => format!("message to {}", shown::endpoint(message.endpoint())),
            Kept::Event(_) => "event".to_owned(),
            Kept::Unreadable(_) => "unreadable".to_owned(),
        };
        let subscription = if letter.subscription.is_empty() { "-" } else { &letter.subscription };
        let _ = writeln!(out, "{id:>6}  {}  {subscription:<20} {what:<40} {}", time(at), letter.reason);
    }
    Ok(out)
}

/// Sends dead letters `ids` again (every one when empty): a message queued again from the
/// start, an event made a message of again with today's configuration. Each letter goes or
/// stays as a whole; what did.
///
/// # Errors
/// The configuration's problems (its secrets sign and route the letters), or the database's.
pub fn retry_dead_letters(
    config: &Config,
    env: &dyn Fn(&str) -> Option<String>,
    store: &Store,
    ids: &[i64],
) -> Result<String, String> {
    let setup = setup::build(config, env).map_err(|problems| problems.to_string())?;
    let mut outbox = Outbox::new().with_store(store.clone());
    for (name, secret) in &setup.signers {
        outbox = outbox.with_signer(name.clone(), secret.clone());
    }
    let ids: Vec<i64> = if ids.is_empty() {
        store.dead_letters(usize::MAX).map_err(|e| e.to_string())?.iter().map(|letter| letter.id).collect()
    } else {
        ids.to_vec()
    };
    let now = OffsetDateTime::now_utc();
    let mut out = String::new();
    for id in ids {
        let sent = store.transaction(
            || {
                let letter = store.take_dead_letter(id)?.ok_or("no such dead letter")?;
                if let Some(message) = remade(&setup, letter)? {
                    outbox.enqueue(message, now).map_err(|e| Failed(e.to_string()))?;
                }
                Ok::<_, Failed>(())
            },
            || true,
        );
        match sent {
            Ok(_) => {
                let _ = writeln!(out, "{id}: queued again");
            }
            Err(Failed(reason)) => {
                let _ = writeln!(out, "{id}: kept: {reason}");
            }
        }
    }
    Ok(out)
}

/// The message a dead letter becomes again, if any.
fn remade(setup: &setup::Setup, letter: StoredLetter) -> Result<Option<Message>, String> {
    match letter.letter.kept {
        Kept::Message(message) => Ok(Some((*message).into_message())),
        Kept::Unreadable(_) => Err("it cannot be read, so it cannot be sent".to_owned()),
        Kept::Event(json) => {
            let event = Event::from_slice(json.as_bytes()).map_err(|e| e.to_string())?;
            let id = &letter.letter.subscription;
            let subscriber = setup
                .subscribers
                .iter()
                .find(|sub| sub.id == *id)
                .ok_or_else(|| format!("no subscription {id:?} in the configuration"))?;
            let message = match &subscriber.target {
                Target::Page { rules, .. } => rules
                    .alert_for(&event)
                    .map(|alert| Message::pagerduty(&alert))
                    .transpose()
                    .map_err(|e| e.to_string())?,
                Target::Send(connector) => webhook_message(connector, &event)?,
            };
            Ok(message.map(|message| of_subscription(id, message)))
        }
    }
}

/// The subscriptions that post to each webhook endpoint (a URL without its query).
fn endpoint_users(config: &Config) -> BTreeMap<String, Vec<String>> {
    let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for sub in &config.subscriptions {
        if let TargetConfig::Webhook { url, .. } = &sub.target
            && let Ok(mut url) = url::Url::parse(url)
        {
            url.set_query(None);
            url.set_fragment(None);
            users.entry(url.into()).or_default().push(sub.id.clone());
        }
    }
    users
}

fn time(at: OffsetDateTime) -> String {
    at.replace_nanosecond(0).unwrap_or(at).format(&Rfc3339).unwrap_or_default()
}
