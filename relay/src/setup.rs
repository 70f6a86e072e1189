//! From a configuration to what runs: every subscription's filter and target built, every
//! secret read, and every problem found at once, each saying what to write instead. `check`
//! prints the problems; `run` refuses to start on any.

use std::collections::HashSet;
use std::fmt;

use sauce_webhooks::Router;
use sauce_webhooks::connector::{Template, WebhookConnector};
use sauce_webhooks::delivery::RetryPolicy;
use sauce_webhooks::outgoing::endpoint::{Endpoint, EndpointPolicy};
use sauce_webhooks::pagerduty::{Flakiness, IncidentRules, RoutingKey};
use sauce_webhooks::routing::{Outcomes, Topic};
use sauce_webhooks::signature::Secret;
use sauce_webhooks::time::Duration;

use crate::config::{Config, SubscriptionConfig, TargetConfig};

/// The longest subscription id: it names the subscription in every log line and metric.
const MAX_ID_BYTES: usize = 128;

/// The most delivery workers: each holds a database connection and sends one request at a time.
const MAX_WORKERS: usize = 64;

/// What a subscription does with the events it gets.
#[derive(Debug)]
pub enum Target {
    /// Pages through an incident ledger with these rules.
    Page {
        /// The rules, with the routing key.
        rules: Box<IncidentRules>,
        /// Failures in a row before a page.
        failures_to_page: u32,
        /// The flakiness rules, when set.
        flakiness: Option<Flakiness>,
    },
    /// Sends through this connector.
    Send(Box<WebhookConnector>),
}

/// One subscription, ready.
#[derive(Debug)]
pub struct Subscriber {
    /// Its id.
    pub id: String,
    /// What it does.
    pub target: Target,
}

/// Everything the relay runs with, built from a configuration that has no problem.
#[derive(Debug)]
pub struct Setup {
    /// Sauce Labs' webhook token.
    pub sauce: Secret,
    /// The subscriptions' filters, keyed by their place in `subscribers`.
    pub router: Router<usize>,
    /// The subscriptions.
    pub subscribers: Vec<Subscriber>,
    /// The Standard Webhooks secrets, by the name their messages carry (the subscription id).
    pub signers: Vec<(String, Secret)>,
    /// The retry policies.
    pub policies: [RetryPolicy; 2],
    /// How long an attempt may take.
    pub lease: Duration,
    /// Which addresses webhooks may be sent to.
    pub endpoint_policy: EndpointPolicy,
}

/// Problems found in a configuration: each names what is wrong and what to write instead.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<String>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, problem) in self.0.iter().enumerate() {
            if n > 0 {
                f.write_str("\n")?;
            }
            f.write_str(problem)?;
        }
        Ok(())
    }
}

/// Builds what `config` describes, reading secrets through `env`; every problem at once.
///
/// # Errors
/// Every problem found.
pub fn build(config: &Config, env: &dyn Fn(&str) -> Option<String>) -> Result<Setup, Problems> {
    let mut problems = Vec::new();
    let sauce = env_secret(env, &config.sauce_secret_env)
        .map_err(|e| format!("sauce_secret_env: {e}"))
        .and_then(|token| Secret::new(token).map_err(|e| format!("{}: {e}", config.sauce_secret_env)))
        .map_err(|problem| problems.push(problem))
        .ok();
    if config.lease_seconds.is_some_and(|lease| lease < 2) {
        // Requests may take half the lease: under 2 s, that rounds to nothing.
        problems.push("lease_seconds: must be 2 or more".to_owned());
    }
    if !(1..=MAX_WORKERS).contains(&config.delivery_workers) {
        problems.push(format!(
            "delivery_workers: {} workers; write 1 to {MAX_WORKERS} (4 by default)",
            config.delivery_workers
        ));
    }
    if let Some(problem) = config.pagerduty_events_url.as_deref().and_then(|url| events_url_problem(url, config)) {
        problems.push(format!("pagerduty_events_url: {problem}"));
    }
    if !(1..=MAX_WORKERS).contains(&config.pagerduty_workers) {
        problems.push(format!(
            "pagerduty_workers: {} workers; write 1 to {MAX_WORKERS} (2 by default)",
            config.pagerduty_workers
        ));
    }
    for (key, value) in [
        ("max_events_per_body", config.max_events_per_body),
        ("max_attempts_per_endpoint", config.max_attempts_per_endpoint),
        ("max_connections", config.max_connections),
        ("max_connections_per_client", config.max_connections_per_client),
    ] {
        if value == 0 {
            problems.push(format!("{key}: must be 1 or more"));
        }
    }
    if let Some(org) = &config.organization
        && (org.is_empty() || org.len() > 64 || !org.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    {
        problems.push("organization: the Sauce Labs org_id (32 hex digits), as Sauce Labs sends it".to_owned());
    }
    if let Err(problem) = config.location(env) {
        problems.push(problem);
    }
    if config.max_database_megabytes < 16 {
        problems.push("max_database_megabytes: 16 at least (1024 by default)".to_owned());
    }
    if config.max_connections == 0 || config.max_connections_per_client == 0 {
        problems
            .push("max_connections, max_connections_per_client: must be 1 or more (64 and 8 by default)".to_owned());
    }
    if config.max_queued_messages == 0 {
        problems.push("max_queued_messages: must be 1 or more (100000 by default)".to_owned());
    }
    if let Err(e) = config.listen.parse::<std::net::SocketAddr>() {
        problems.push(format!("listen: {e}: write an address and port, such as \"127.0.0.1:3000\""));
    }
    let endpoint_policy = EndpointPolicy::default()
        .with_http(config.allow_private_targets)
        .with_private_targets(config.allow_private_targets);
    let mut router = Router::new();
    let mut subscribers = Vec::new();
    let mut signers = Vec::new();
    let mut ids = HashSet::new();
    for sub in &config.subscriptions {
        if let Some(problem) = id_problem(&sub.id, &mut ids) {
            problems.push(problem);
            continue;
        }
        let mut problem = |what: String| problems.push(format!("subscription {:?}: {what}", sub.id));
        let target = match &sub.target {
            TargetConfig::Pagerduty { routing_key_env, failures_to_page } => {
                for topic in failures_only(sub) {
                    problem(failures_only_problem(topic));
                }
                page(config, env, routing_key_env, *failures_to_page, &mut problem)
            }
            TargetConfig::Webhook { .. } => {
                send(sub, endpoint_policy, env, &mut problem, &mut signers).map(|c| Target::Send(Box::new(c)))
            }
        };
        if let Some(target) = target {
            router.insert(subscribers.len(), sub.filter.clone());
            subscribers.push(Subscriber { id: sub.id.clone(), target });
        }
    }
    match sauce {
        Some(sauce) if problems.is_empty() => Ok(Setup {
            sauce,
            router,
            subscribers,
            signers,
            policies: policies(config),
            lease: Duration::seconds(config.lease_seconds.unwrap_or(60).into()),
            endpoint_policy,
        }),
        _ => Err(Problems(problems)),
    }
}

/// A secret from the environment variable `var`: refusing to start beats starting open.
fn env_secret(env: &dyn Fn(&str) -> Option<String>, var: &str) -> Result<String, String> {
    match env(var) {
        Some(value) if !value.is_empty() => Ok(value),
        Some(_) => Err(format!("the environment variable {var} is empty")),
        None => Err(format!("the environment variable {var} is not set")),
    }
}

/// What is wrong with an events URL that the library takes but that cannot work: one without
/// PagerDuty's path, or one at a private address the HTTP client will not connect to.
fn events_url_problem(url: &str, config: &Config) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    if parsed.path() == "/" {
        return Some(format!(
            "{url} has no path: PagerDuty's is /v2/enqueue (https://events.eu.pagerduty.com/v2/enqueue for the EU region)"
        ));
    }
    let private = match parsed.host()? {
        url::Host::Ipv4(ip) => !EndpointPolicy::default().permits_ip(ip.into()),
        url::Host::Ipv6(ip) => !EndpointPolicy::default().permits_ip(ip.into()),
        url::Host::Domain(_) => false,
    };
    (private && !config.allow_private_targets).then(|| {
        "a private address, which the relay does not connect to: set allow_private_targets (tests only)".to_owned()
    })
}

/// Why `id` cannot name a subscription, if it cannot.
fn id_problem(id: &str, seen: &mut HashSet<String>) -> Option<String> {
    if id.is_empty() || id.len() > MAX_ID_BYTES || id.chars().any(char::is_control) {
        return Some(format!("subscription {id:?}: an id is 1 to {MAX_ID_BYTES} bytes without control characters"));
    }
    if !seen.insert(id.to_owned()) {
        return Some(format!("subscription {id:?}: the id is used twice; give each subscription its own"));
    }
    None
}

/// The topics of `sub` that deliver failures only, where nothing delivers that kind's
/// successes.
fn failures_only(sub: &SubscriptionConfig) -> Vec<Topic> {
    let topics: Vec<Topic> = sub.filter.topics().collect();
    topics.iter().copied().filter(|&topic| every_result(topic).is_some_and(|all| !topics.contains(&all))).collect()
}

/// The topic that delivers every result of `topic`'s kind, if `topic` delivers failures only.
fn every_result(topic: Topic) -> Option<Topic> {
    match topic {
        Topic::VirtualDeviceJobs(Outcomes::FailedOnly) => Some(Topic::VirtualDeviceJobs(Outcomes::All)),
        Topic::RealDeviceJobs(Outcomes::FailedOnly) => Some(Topic::RealDeviceJobs(Outcomes::All)),
        Topic::ApiTestResults(Outcomes::FailedOnly) => Some(Topic::ApiTestResults(Outcomes::All)),
        Topic::VisualRuns(Outcomes::FailedOnly) => Some(Topic::VisualRuns(Outcomes::All)),
        Topic::AppDistribution(Outcomes::FailedOnly) => Some(Topic::AppDistribution(Outcomes::All)),
        _ => None,
    }
}

/// What is wrong with a PagerDuty target that sees only failures, and what to write.
fn failures_only_problem(topic: Topic) -> String {
    let json = |topic: Topic| serde_json::to_string(&topic).unwrap_or_default();
    let instead = every_result(topic).map(json).unwrap_or_default();
    format!(
        "a PagerDuty target must see every result, or its incidents never resolve (and later failures are \
         skipped as already open): write {instead} instead of {}",
        json(topic)
    )
}

fn page(
    config: &Config,
    env: &dyn Fn(&str) -> Option<String>,
    routing_key_env: &str,
    failures_to_page: Option<u32>,
    problem: &mut dyn FnMut(String),
) -> Option<Target> {
    let key = match env_secret(env, routing_key_env) {
        Ok(key) => key,
        Err(e) => {
            problem(format!("routing_key_env: {e}"));
            return None;
        }
    };
    let rules = match RoutingKey::new(key) {
        Ok(key) => IncidentRules::new(key),
        Err(e) => {
            problem(format!("{routing_key_env}: {e}"));
            return None;
        }
    };
    let rules = match &config.pagerduty_events_url {
        Some(url) => match rules.with_events_url(url) {
            Ok(rules) => rules,
            Err(e) => {
                problem(format!("pagerduty_events_url: {e}"));
                return None;
            }
        },
        None => rules,
    };
    if failures_to_page == Some(0) {
        problem("failures_to_page: must be 1 or more".to_owned());
        return None;
    }
    if failures_to_page.is_some() && config.flakiness.is_some() {
        problem(
            "failures_to_page: with flakiness, a test pages when it is broken: set flakiness.broken_after instead"
                .to_owned(),
        );
        return None;
    }
    let flakiness = config.flakiness.as_ref().map(crate::config::FlakinessConfig::rules);
    Some(Target::Page { rules: Box::new(rules), failures_to_page: failures_to_page.unwrap_or(1), flakiness })
}

fn send(
    sub: &SubscriptionConfig,
    policy: EndpointPolicy,
    env: &dyn Fn(&str) -> Option<String>,
    problem: &mut dyn FnMut(String),
    signers: &mut Vec<(String, Secret)>,
) -> Option<WebhookConnector> {
    let TargetConfig::Webhook { url, headers, template, on_success, standard_webhooks_secret_env } = &sub.target else {
        return None;
    };
    let mut connector = match Endpoint::parse_with(url, &policy) {
        Ok(endpoint) => WebhookConnector::new(endpoint).with_on_success(*on_success),
        Err(e) => {
            problem(format!("url: {e}"));
            return None;
        }
    };
    for (name, value) in headers {
        match connector.with_header(name, value) {
            Ok(with) => connector = with,
            Err(e) => {
                problem(format!("headers: {e}"));
                return None;
            }
        }
    }
    if let Some(template) = template {
        match Template::parse(template) {
            Ok(template) => connector = connector.with_template(template),
            Err(e) => {
                problem(format!("template: {e}"));
                return None;
            }
        }
    }
    if let Some(var) = standard_webhooks_secret_env {
        let value = match env_secret(env, var) {
            Ok(value) => value,
            Err(e) => {
                problem(format!("standard_webhooks_secret_env: {e}"));
                return None;
            }
        };
        match Secret::from_standard_webhooks(&value) {
            // The secret is known by the subscription's id: the name its messages carry.
            Ok(secret) => signers.push((sub.id.clone(), secret)),
            Err(e) => {
                problem(format!("{var}: {e}"));
                return None;
            }
        }
        connector = connector.with_standard_webhooks_signer(&sub.id);
    }
    Some(connector)
}

/// The retry policies, with the configured delays.
fn policies(config: &Config) -> [RetryPolicy; 2] {
    let seconds = |list: &[u32]| list.iter().map(|&s| Duration::seconds(s.into())).collect::<Vec<_>>();
    [RetryPolicy::pagerduty(), RetryPolicy::webhook()].map(|mut policy| {
        if let Some(retry) = &config.retry {
            if let Some(schedule) = &retry.schedule_seconds {
                policy = policy.with_schedule(seconds(schedule));
            }
            if let Some(wait) = retry.throttled_wait_seconds {
                policy = policy.with_throttled_wait(Duration::seconds(wait.into()));
            }
            if let Some(refused) = &retry.refused_schedule_seconds
                && policy.target() == sauce_webhooks::delivery::EndpointKind::Webhook
            {
                policy = policy.with_refused_schedule(seconds(refused));
            }
        }
        policy
    })
}
