//! Endpoints that are not healthy: failing, or disabled until an operator (or the configured
//! wait) enables them again.

use sauce_webhooks::delivery::EndpointHealth;

use super::{Store, from_json};

impl Store {
    /// Every endpoint that is failing or disabled, with its health, by URL (but those whose
    /// health cannot be read).
    ///
    /// # Errors
    /// The database's.
    pub fn unhealthy_endpoints(&self) -> rusqlite::Result<Vec<(String, EndpointHealth)>> {
        let rows: Vec<(String, String)> = self.with_connection(|db| {
            db.prepare("SELECT endpoint, health FROM endpoints ORDER BY endpoint")?
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })?;
        // A row that cannot be read is passed over, not let stop the listing of the others.
        Ok(rows.into_iter().filter_map(|(endpoint, json)| Some((endpoint, from_json(1, &json).ok()?))).collect())
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
