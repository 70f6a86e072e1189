//! Endpoints that are not healthy: failing, or disabled until an operator (or the configured
//! wait) enables them again.

use sauce_webhooks::delivery::EndpointHealth;

use super::{Store, from_json};

impl Store {
    /// Every endpoint that is failing or disabled, with its health, by URL.
    ///
    /// # Errors
    /// The database's.
    pub fn unhealthy_endpoints(&self) -> rusqlite::Result<Vec<(String, EndpointHealth)>> {
        let rows: Vec<(String, String)> = self.with_connection(|db| {
            db.prepare("SELECT endpoint, health FROM endpoints ORDER BY endpoint")?
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })?;
        rows.into_iter().map(|(endpoint, json)| Ok((endpoint, from_json(1, &json)?))).collect()
    }

    /// How many endpoints are disabled.
    ///
    /// # Errors
    /// The database's.
    pub fn count_disabled_endpoints(&self) -> rusqlite::Result<u64> {
        self.with_connection(|db| {
            db.query_row("SELECT COUNT(*) FROM endpoints WHERE disabled = 1", [], |row| row.get(0))
        })
    }
}
