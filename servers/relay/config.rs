//! The relay's configuration: a JSON file without secrets, and the secrets from the
//! environment, named in the file. The relay refuses to start when one is missing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use sauce_webhooks::connector::{Template, WebhookConnector};
use sauce_webhooks::endpoint::{Endpoint, EndpointPolicy};
use sauce_webhooks::pagerduty::{IncidentLedger, IncidentRules, RoutingKey};
use sauce_webhooks::routing::Subscription;
use sauce_webhooks::signature::Secret;
use serde::Deserialize;

/// The configuration file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where to listen (`127.0.0.1:3000` by default).
    #[serde(default = "default_listen")]
    pub listen: String,
    /// The SQLite database holding subscriptions, incident states and the outbox.
    pub database: PathBuf,
    /// The environment variable holding Sauce Labs' webhook token.
    #[serde(default = "default_sauce_secret_env")]
    pub sauce_secret_env: String,
    /// Threads delivering from the outbox.
    #[serde(default = "default_workers")]
    pub delivery_workers: usize,
    /// Where PagerDuty events go instead of `events.pagerduty.com` (a proxy, or a stand-in in
    /// tests).
    #[serde(default)]
    pub pagerduty_events_url: Option<String>,
    /// Whether webhook URLs may point at private or loopback addresses, and use `http`
    /// (tests only).
    #[serde(default)]
    pub allow_private_targets: bool,
    /// Retry delays and the wait after a 429, instead of the policies' own (tests, mostly).
    #[serde(default)]
    pub retry: Option<RetryConfig>,
    /// How long an attempt may take before its message is given out again (60 s by default).
    #[serde(default)]
    pub lease_seconds: Option<u32>,
    /// The subscriptions, written to the database at start-up.
    pub subscriptions: Vec<SubscriptionConfig>,
}

/// Retry delays for both kinds of target.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    /// The delays before each retry, in seconds.
    pub schedule_seconds: Vec<u32>,
    /// The least wait after a 408, a 429 or a timeout, in seconds.
    pub throttled_wait_seconds: u32,
}

fn default_listen() -> String {
    "127.0.0.1:3000".to_owned()
}

fn default_sauce_secret_env() -> String {
    "SAUCE_WEBHOOK_SECRET".to_owned()
}

fn default_workers() -> usize {
    4
}

/// One subscription: who it listens to, and where its events go.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionConfig {
    /// Its name, unique.
    pub id: String,
    /// Its scope and topics, as `Subscription` serializes.
    pub filter: Subscription,
    /// Where its events go.
    pub target: TargetConfig,
}

/// Where a subscription's events go.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TargetConfig {
    /// PagerDuty, through the incident ledger.
    Pagerduty {
        /// The environment variable holding the integration's routing key.
        routing_key_env: String,
        /// Failures in a row before a page (1 by default).
        #[serde(default)]
        failures_to_page: Option<u32>,
    },
    /// A webhook endpoint, through a connector.
    Webhook {
        /// The endpoint.
        url: String,
        /// Headers to add (names and values are checked).
        #[serde(default)]
        headers: BTreeMap<String, String>,
        /// The body's template (`{{event}}` by default).
        #[serde(default)]
        template: Option<String>,
        /// Whether successes are sent too.
        #[serde(default)]
        on_success: bool,
        /// The environment variable holding the Standard Webhooks secret (`whsec_…`) that signs
        /// each attempt, if any.
        #[serde(default)]
        standard_webhooks_secret_env: Option<String>,
    },
}

/// A subscription ready to act: its ledger or its connector.
pub enum Action {
    /// Pages through this ledger.
    Page(Box<IncidentLedger<super::db::Sqlite>>),
    /// Sends through this connector.
    Send(Box<WebhookConnector>),
}

/// Reads a secret from the environment: refusing to start beats starting open.
pub fn secret_var(env: &dyn Fn(&str) -> Option<String>, var: &str) -> Result<String, String> {
    env(var).filter(|value| !value.is_empty()).ok_or_else(|| format!("{var} is not set"))
}

impl SubscriptionConfig {
    /// The subscription's action, with its secrets read through `env`; the Standard Webhooks
    /// secret, if any, named after the subscription.
    pub fn action(
        &self,
        config: &Config,
        env: &dyn Fn(&str) -> Option<String>,
        incidents: super::db::Sqlite,
    ) -> Result<(Action, Option<(String, Secret)>), String> {
        let context = |err: &dyn std::fmt::Display| format!("subscription {:?}: {err}", self.id);
        match &self.target {
            TargetConfig::Pagerduty { routing_key_env, failures_to_page } => {
                let key = RoutingKey::new(secret_var(env, routing_key_env)?).map_err(|e| context(&e))?;
                let ledger = IncidentLedger::new(IncidentRules::new(key))
                    .with_failures_to_page(failures_to_page.unwrap_or(1))
                    .with_store(incidents);
                Ok((Action::Page(Box::new(ledger)), None))
            }
            TargetConfig::Webhook { url, headers, template, on_success, standard_webhooks_secret_env } => {
                let policy = EndpointPolicy::default()
                    .with_private_targets(config.allow_private_targets)
                    .with_http(config.allow_private_targets);
                let endpoint = Endpoint::parse_with(url, &policy).map_err(|e| context(&e))?;
                let mut connector = WebhookConnector::new(endpoint).with_on_success(*on_success);
                for (name, value) in headers {
                    connector = connector.with_header(name, value).map_err(|e| context(&e))?;
                }
                if let Some(template) = template {
                    connector = connector.with_template(Template::parse(template).map_err(|e| context(&e))?);
                }
                let signer = match standard_webhooks_secret_env {
                    Some(var) => {
                        let secret = Secret::from_standard_webhooks(&secret_var(env, var)?).map_err(|e| context(&e))?;
                        connector = connector.with_standard_webhooks_signer(&self.id);
                        Some((self.id.clone(), secret))
                    }
                    None => None,
                };
                Ok((Action::Send(Box::new(connector)), signer))
            }
        }
    }
}
