//! `sauce-relay check`: everything `run` would refuse, found without starting, and what the
//! database holds that the configuration no longer covers.

use std::collections::HashSet;
use std::path::Path;

use crate::config::{self, Location};
use crate::database::{self, Database};
use crate::on_database;
use crate::setup::{self, Target};

/// What `check` found: lines to print, and whether `run` would start.
#[derive(Debug, Default)]
pub struct Report {
    /// Problems: `run` refuses to start on any.
    pub problems: Vec<String>,
    /// What `run` will do about the database, and what it holds.
    pub notes: Vec<String>,
}

impl Report {
    /// Whether `run` would start.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks the configuration at `path`, with the secrets `env` gives.
pub fn check(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Report {
    let mut report = Report::default();
    let config = match config::read(path) {
        Ok(config) => config,
        Err(problem) => {
            report.problems.push(problem);
            return report;
        }
    };
    let setup = setup::build(&config, env);
    let signers: Option<HashSet<String>> = match &setup {
        Ok(setup) => {
            let pages = setup.subscribers.iter().filter(|sub| matches!(sub.target, Target::Page { .. })).count();
            report.notes.push(format!(
                "{} subscriptions ({pages} to PagerDuty, {} to webhooks), listening on {}",
                setup.subscribers.len(),
                setup.subscribers.len() - pages,
                config.listen
            ));
            Some(setup.signers.iter().map(|(name, _)| name.clone()).collect())
        }
        Err(problems) => {
            report.problems.extend(problems.0.iter().cloned());
            None
        }
    };
    let location = match config.location(env) {
        Ok(location) => location,
        Err(problem) => {
            report.problems.push(problem);
            return report;
        }
    };
    if config.subscriptions.is_empty() {
        report.notes.push("no subscriptions: every webhook is taken in, and nothing is sent".to_owned());
    }
    if config.allow_private_targets {
        report.notes.push("allow_private_targets is on: for tests only, never in production".to_owned());
    }
    match database::open(&config, env, true) {
        Ok(None) => match &location {
            Location::File(path) => match creatable(path) {
                Ok(()) => report.notes.push(format!("database {}: created on the first run", path.display())),
                Err(problem) => report.problems.push(format!("database {}: {problem}", path.display())),
            },
            Location::Postgres(_) => report.notes.push("database: its tables are made on the first run".to_owned()),
        },
        Ok(Some(opened)) => {
            let name = opened.name();
            let looked = on_database!(opened, store => look_into(&store, &name, signers.as_ref(), &mut report).map_err(|e| e.to_string()));
            if let Err(err) = looked {
                report.problems.push(format!("database {name}: {err}"));
            }
        }
        Err(problem) => report.problems.push(problem),
    }
    report
}

/// Notes what the database holds, and the messages no configured secret can sign.
fn look_into<D: Database>(
    store: &D,
    name: &str,
    signers: Option<&HashSet<String>>,
    report: &mut Report,
) -> Result<(), D::Failure> {
    report.notes.push(format!(
        "database {name}: {} messages waiting, {} dead letters",
        store.count()?,
        store.count_dead_letters()?
    ));
    let disabled = store.count_disabled_endpoints()?;
    if disabled > 0 {
        report.notes.push(format!("{disabled} endpoints disabled: `sauce-relay endpoints list` shows them"));
    }
    let Some(signers) = signers else { return Ok(()) };
    let known: HashSet<&str> = signers.iter().map(String::as_str).collect();
    for (signer, count) in store.unsigned(&known)? {
        report.notes.push(format!(
            "{count} waiting messages are signed as {signer:?}, which no subscription signs as now (renamed or \
             removed?): `run` sets them aside as dead letters; to deliver them, name a subscription {signer:?} \
             again (its secret signs them) and send them with `sauce-relay dead-letters retry`"
        ));
    }
    Ok(())
}

/// Whether a database can be created at `path`: its nearest folder that exists is a folder the
/// relay may write in.
fn creatable(path: &Path) -> Result<(), String> {
    let mut folder = path.parent().filter(|folder| !folder.as_os_str().is_empty()).unwrap_or(Path::new("."));
    while !folder.exists() {
        folder = folder.parent().unwrap_or(Path::new("."));
    }
    if !folder.is_dir() {
        return Err(format!("{} is not a folder", folder.display()));
    }
    let probe = folder.join(format!(".sauce-relay-check-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| format!("{} cannot be written to: {e}", folder.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}
