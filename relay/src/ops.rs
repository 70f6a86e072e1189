//! What an operator does without opening the database: list and enable endpoints, list and
//! send again dead letters. Each works on the database a running relay uses; the relay sees
//! the change at its next look.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sauce_webhooks::Event;
use sauce_webhooks::delivery::{
    DeadLetterKind, DeadLetterSummary, EndpointHealth, EndpointKind, Kept, Message, Outbox, StoredDeadLetter,
};
use sauce_webhooks::pagerduty::IncidentLedger;
use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks::time::format_description::well_known::Rfc3339;

use crate::config::{Config, TargetConfig};
use crate::database::{Database, Failed};
use crate::intake::webhook_message;
use crate::setup::{self, Subscriber, Target};
use crate::shown;

/// The endpoints that fail or are disabled, one line each, with the subscriptions that post to
/// them.
///
/// # Errors
/// The database's.
pub fn list_endpoints<D: Database>(config: &Config, store: &D) -> Result<String, String> {
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
        let line = format!("{state:<27} since {}  {:<32} {subscriptions}", time(since), shown::endpoint(&endpoint));
        let _ = writeln!(out, "{}", shown::text(&line));
    }
    Ok(out)
}

/// Enables the endpoint of subscription `target` (or the endpoint whose URL is `target`), or
/// every disabled endpoint when `target` is `None`. What it did.
///
/// # Errors
/// No such endpoint, or the database's.
pub fn enable_endpoints<D: Database>(config: &Config, store: &D, target: Option<&str>) -> Result<String, String> {
    let outbox = Outbox::new().with_store(store.clone());
    let disabled: Vec<String> = store
        .unhealthy_endpoints()
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|(_, health)| matches!(health, EndpointHealth::Disabled { .. }))
        .map(|(endpoint, _)| endpoint)
        .collect();
    let users = endpoint_users(config);
    let named = |endpoint: &String, target: &str| {
        *endpoint == target
            || users.get(endpoint).is_some_and(|ids| ids.iter().any(|id| id == target))
            || shown::endpoint(endpoint).trim_end_matches("/…") == target.trim_end_matches(['/', '…'])
    };
    let chosen: Vec<&String> = match target {
        None => disabled.iter().collect(),
        Some(target) => disabled.iter().filter(|endpoint| named(endpoint, target)).collect(),
    };
    if chosen.is_empty() {
        return Err(match target {
            Some(target) => format!(
                "no disabled endpoint is {target:?}, as listed or in full, or the endpoint of a subscription of that id"
            ),
            None => "no endpoint is disabled".to_owned(),
        });
    }
    if let (Some(target), [_, _, ..]) = (target, chosen.as_slice()) {
        return Err(format!("{target:?} names {} disabled endpoints: name one by its subscription's id", chosen.len()));
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
pub fn list_dead_letters<D: Database>(store: &D, limit: usize) -> Result<String, String> {
    let letters = store.dead_letter_summaries(limit).map_err(|e| e.to_string())?;
    let mut out = String::new();
    if letters.is_empty() {
        out.push_str("no dead letters\n");
    }
    for DeadLetterSummary { id, at, subscription, reason, kind, .. } in letters {
        let what = match kind {
            DeadLetterKind::Alert { action, dedup_key } => format!(
                "pagerduty {} {}",
                action.as_deref().unwrap_or("alert"),
                dedup_key.as_deref().unwrap_or("(no dedup key)")
            ),
            // A webhook message ordered per test: its key ends in the test, after a space.
            DeadLetterKind::Webhook { endpoint, ordering_key } => format!(
                "webhook to {} about {}",
                shown::endpoint(&endpoint),
                ordering_key.split_once(' ').map_or("(no test)", |(_, test)| test)
            ),
            DeadLetterKind::Event => "an event no message could be made of".to_owned(),
            _ => "unreadable".to_owned(),
        };
        let subscription = if subscription.is_empty() { "-".to_owned() } else { subscription };
        // What the database holds is shown, never obeyed: no control character reaches the terminal.
        let line = format!("{id:>6}  {}  {subscription:<20} {what}: {reason}", time(at));
        let _ = writeln!(out, "{}", shown::text(&line));
    }
    Ok(out)
}

/// Sends dead letters `ids` again (every one when empty): a message queued again from the
/// start (after what its test sent since, under a new id), an event made a message of again
/// with today's configuration. A PagerDuty alert that the incident's state has overtaken (a
/// trigger of an incident closed since, a resolve of one open again since) is dropped: sent,
/// it would open a passed test's incident or close a failing one's. Each letter goes, is
/// dropped or stays as a whole.
///
/// # Errors
/// The configuration's problems (its secrets sign and route the letters), the database's, or,
/// with what was done, that some letters could not be sent and stay.
pub fn retry_dead_letters<D: Database>(
    config: &Config,
    env: &dyn Fn(&str) -> Option<String>,
    store: &D,
    ids: &[i64],
) -> Result<String, String> {
    let setup = setup::build(config, env).map_err(|problems| problems.to_string())?;
    let mut outbox = Outbox::new().with_store(store.clone());
    for (name, secret) in &setup.signers {
        outbox = outbox.with_signer(name.clone(), secret.clone());
    }
    let ids: Vec<i64> = if ids.is_empty() { store.dead_letter_ids().map_err(|e| e.to_string())? } else { ids.to_vec() };
    let now = OffsetDateTime::now_utc();
    let mut out = String::new();
    let mut kept = 0;
    for id in ids {
        let sent = store.transaction(|| {
            let letter = store.take_dead_letter(id)?.ok_or_else(|| Failed("no such dead letter".into()))?;
            let Some(message) = remade(&setup, letter).map_err(Failed)? else {
                return Ok(Some("nothing to send for it now".to_owned()));
            };
            if let Some(stale) = overtaken(&setup, store, &message)? {
                return Ok(Some(stale));
            }
            outbox.enqueue(message, now)?;
            Ok::<_, Failed>(None)
        });
        let _ = match sent {
            Ok(None) => writeln!(out, "{id}: queued again"),
            Ok(Some(why)) => writeln!(out, "{id}: dropped: {why}"),
            Err(Failed(reason)) => {
                kept += 1;
                writeln!(out, "{id}: kept: {reason}")
            }
        };
    }
    if kept > 0 {
        return Err(format!("{out}{kept} dead letters could not be sent, and stay"));
    }
    Ok(out)
}

/// Why a PagerDuty `message` no longer says what is true of its incident, if it does not.
fn overtaken<D: Database>(setup: &setup::Setup, store: &D, message: &Message) -> Result<Option<String>, Failed> {
    if message.target() != EndpointKind::PagerDuty {
        return Ok(None);
    }
    let Some(Subscriber { target: Target::Page { rules, .. }, .. }) =
        setup.subscribers.iter().find(|sub| Some(sub.id.as_str()) == message.subscription())
    else {
        return Ok(None);
    };
    let body: serde_json::Value = serde_json::from_slice(&message.request().body).unwrap_or_default();
    let (Some(action), Some(dedup_key)) = (body["event_action"].as_str(), body["dedup_key"].as_str()) else {
        return Ok(None);
    };
    let ledger = IncidentLedger::new((**rules).clone()).with_store(store.clone());
    let open = ledger.incident(dedup_key)?.is_some_and(|state| state.is_open());
    Ok(match action {
        "trigger" if !open => Some("its test passed since: the incident is closed, and a trigger would open it".into()),
        "resolve" if open => {
            Some("its test failed again since: the incident is open, and a resolve would close it".into())
        }
        _ => None,
    })
}

/// The message a dead letter becomes again, if any.
fn remade(setup: &setup::Setup, letter: StoredDeadLetter) -> Result<Option<Message>, String> {
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
            Ok(message.map(|message| message.for_subscription(id)))
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
