//! How bad an alert is.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::AlertError;
use crate::support::clip::clip;

/// How bad an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// Informational.
    Info,
    /// Something to look at.
    Warning,
    /// Something is broken.
    Error,
    /// Wake someone up.
    Critical,
}

impl Severity {
    /// The wire word: `critical`, `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
            Self::Critical => "critical",
        }
    }
}

impl FromStr for Severity {
    type Err = AlertError;

    /// Reads a severity in any case, with surrounding spaces ignored.
    fn from_str(s: &str) -> Result<Self, AlertError> {
        [Self::Critical, Self::Error, Self::Warning, Self::Info]
            .into_iter()
            .find(|severity| s.trim().eq_ignore_ascii_case(severity.as_str()))
            .ok_or_else(|| AlertError::Severity(clip(s, 33).into_owned()))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
