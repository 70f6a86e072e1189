//! `sauce-relay`: receives Sauce Labs webhooks, pages PagerDuty and posts to webhook endpoints,
//! through an outbox in SQLite, so that nothing is lost on a crash or a restart.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sauce_relay::{check, config, database, log, ops, run, server};

/// Sauce Labs webhooks in; PagerDuty pages and webhook posts out, nothing lost on a crash.
#[derive(Parser)]
#[command(name = "sauce-relay", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the relay: logs are JSON lines on standard output; SIGTERM drains and stops it.
    Run {
        /// The configuration file (JSON); secrets come from the environment variables it names.
        config: PathBuf,
    },
    /// Checks a configuration, its secrets and its database without starting; exits 1 on a
    /// problem.
    Check {
        /// The configuration file.
        config: PathBuf,
    },
    /// Webhook endpoints that fail or are disabled.
    #[command(subcommand)]
    Endpoints(Endpoints),
    /// What could not be delivered.
    #[command(subcommand, name = "dead-letters")]
    DeadLetters(DeadLetters),
}

#[derive(Subcommand)]
enum Endpoints {
    /// Lists the endpoints that fail or are disabled, with the subscriptions that post to them.
    List {
        /// The configuration file.
        config: PathBuf,
    },
    /// Sends to a disabled endpoint again: its waiting messages go at once.
    Enable {
        /// The configuration file.
        config: PathBuf,
        /// A subscription id, or the endpoint's URL.
        #[arg(required_unless_present = "all")]
        target: Option<String>,
        /// Every disabled endpoint.
        #[arg(long, conflicts_with = "target")]
        all: bool,
    },
}

#[derive(Subcommand)]
enum DeadLetters {
    /// Lists the dead letters, oldest first, with why each was not delivered.
    List {
        /// The configuration file.
        config: PathBuf,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Queues dead letters again (needs the relay's secrets in the environment).
    Retry {
        /// The configuration file.
        config: PathBuf,
        /// The dead letters' ids.
        #[arg(required_unless_present = "all")]
        ids: Vec<i64>,
        /// Every dead letter.
        #[arg(long, conflicts_with = "ids")]
        all: bool,
    },
}

/// Opens the database the configuration at `path` names (to read only, or to change), runs
/// `work` on it, and prints what it says.
macro_rules! with_database {
    ($path:expr, $env:expr, $access:ident, |$config:ident, $store:ident| $work:expr) => {
        (|| {
            let $config = config::read($path)?;
            let to_read = matches!(Access::$access, Access::Read);
            let opened = database::open(&$config, $env, to_read)?.ok_or("no database yet: the relay has not run")?;
            let said: String = sauce_relay::on_database!(opened, $store => { let $store = &$store; $work })?;
            print!("{said}");
            Ok::<(), String>(())
        })()
    };
}

/// What a command does with the database.
enum Access {
    /// Reads it only: it runs beside a relay, and on a database the relay's user owns.
    Read,
    /// Changes it.
    Write,
}

fn main() -> ExitCode {
    let env = |var: &str| std::env::var(var).ok();
    let done = match Cli::parse().command {
        Command::Run { config } => {
            let ran = config::read(&config).and_then(|config| run::run(&config, &env, server::shutdown_signal()));
            // The relay logs JSON lines: so does its last word.
            let code = match ran {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    log::log("error", "stopped", serde_json::json!({ "error": err }));
                    ExitCode::FAILURE
                }
            };
            log::flush();
            return code;
        }
        Command::Check { config } => {
            let report = check::check(&config, &env);
            for note in &report.notes {
                println!("{note}");
            }
            for problem in &report.problems {
                eprintln!("problem: {problem}");
            }
            if report.ok() {
                println!("ok: {} is ready to run", config.display());
                Ok(())
            } else {
                let count = report.problems.len();
                Err(format!("{count} problem{} in {}", if count == 1 { "" } else { "s" }, config.display()))
            }
        }
        Command::Endpoints(Endpoints::List { config }) => {
            with_database!(&config, &env, Read, |config, store| ops::list_endpoints(&config, store))
        }
        Command::Endpoints(Endpoints::Enable { config, target, all: _ }) => {
            with_database!(&config, &env, Write, |config, store| ops::enable_endpoints(
                &config,
                store,
                target.as_deref()
            ))
        }
        Command::DeadLetters(DeadLetters::List { config, limit }) => {
            with_database!(&config, &env, Read, |config, store| ops::list_dead_letters(store, limit))
        }
        Command::DeadLetters(DeadLetters::Retry { config, ids, all: _ }) => {
            with_database!(&config, &env, Write, |config, store| ops::retry_dead_letters(&config, &env, store, &ids))
        }
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("sauce-relay: {err}");
            ExitCode::FAILURE
        }
    }
}
