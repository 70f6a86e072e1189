//! Fresh databases for a test: a SQLite file in a folder of its own, or a database of its own
//! on the PostgreSQL that `tools/with-postgres` started (its URL in `SAUCE_TEST_POSTGRES`).
//! Without one, a PostgreSQL test fails, saying how to run it: it never skips.

use std::path::PathBuf;

/// The PostgreSQL that tests run against.
pub fn postgres_server() -> String {
    std::env::var("SAUCE_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!("SAUCE_TEST_POSTGRES is not set: run the tests as `tools/with-postgres cargo test --workspace --all-features`")
    })
}

/// The URL of a new, empty database named after `name` (and this process).
pub fn postgres_url(name: &str) -> String {
    let server = postgres_server();
    let database = format!("t_{}_{}", name.replace(|c: char| !c.is_ascii_alphanumeric(), "_"), std::process::id());
    let mut admin = postgres::Client::connect(&server, postgres::NoTls).expect("the test PostgreSQL answers");
    // One statement a message: several in one would run as a transaction, which neither may.
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {database}")).unwrap();
    let (base, _) = server.rsplit_once('/').unwrap();
    format!("{base}/{database}")
}

/// A store over a new PostgreSQL database, as replica `instance`.
pub fn postgres(name: &str, instance: &str) -> sauce_webhooks_postgres::Store {
    sauce_webhooks_postgres::Store::connect(&postgres_url(name), instance).unwrap()
}

/// The path of a new SQLite database.
pub fn sqlite_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sauce-relay-stores-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("relay.db")
}

/// A store over a new SQLite database.
pub fn sqlite(name: &str) -> sauce_webhooks_sqlite::Store {
    sauce_webhooks_sqlite::Store::open(&sqlite_path(name)).unwrap()
}
