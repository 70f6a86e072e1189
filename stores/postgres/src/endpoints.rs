//! Endpoints that are not healthy: failing, or disabled until enabled again.

use sauce_webhooks::delivery::EndpointHealth;

use super::{Error, Store, count};

impl Store {
    /// Every endpoint that is failing or disabled, with its health, by URL (but those whose
    /// health cannot be read).
    ///
    /// # Errors
    /// The database's.
    pub fn unhealthy_endpoints(&self) -> Result<Vec<(String, EndpointHealth)>, Error> {
        let rows = self.with_connection(|db| {
            db.query("unhealthy endpoints", "SELECT endpoint, health FROM endpoints ORDER BY endpoint", &[])
        })?;
        // A row that cannot be read is passed over, not let stop the listing of the others.
        Ok(rows
            .iter()
            .filter_map(|row| Some((row.get::<_, String>(0), serde_json::from_str(row.get::<_, &str>(1)).ok()?)))
            .collect())
    }

    /// How many endpoints are disabled.
    ///
    /// # Errors
    /// The database's.
    pub fn count_disabled_endpoints(&self) -> Result<u64, Error> {
        self.with_connection(|db| {
            Ok(count(db.query_one("disabled endpoints", "SELECT COUNT(*) FROM endpoints WHERE disabled", &[])?.get(0)))
        })
    }
}
