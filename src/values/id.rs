//! Identifiers of Sauce Labs organizations, teams and users.
//!
//! Each is a newtype over `String`, so that an organization id can never be passed where a
//! user id belongs. They serialize as plain strings. Sauce Labs' ids are 32 lowercase hex
//! digits, globally unique; the crate compares them as given and assumes nothing more of them.

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id as given by Sauce Labs.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// A Sauce Labs organization id, such as `7fb25570b4064716b9b6daae1a846790`.
    ///
    /// ```
    /// use sauce_webhooks::OrgId;
    /// let org = OrgId::from("7fb25570b4064716b9b6daae1a846790");
    /// assert_eq!(org, "7fb25570b4064716b9b6daae1a846790");
    /// ```
    OrgId
);
id_type!(
    /// A Sauce Labs team id.
    ///
    /// ```
    /// use sauce_webhooks::TeamId;
    /// let team = TeamId::new("98b9f34e596047d99abba56f517846a9");
    /// assert_eq!(team.as_str(), "98b9f34e596047d99abba56f517846a9");
    /// ```
    TeamId
);
id_type!(
    /// A Sauce Labs user id (`owner_id` of a job, `user_id` of a visual build).
    ///
    /// ```
    /// use sauce_webhooks::UserId;
    /// let user = UserId::from(String::from("4c3f0a2e9b1d4e6f8a7b5c3d2e1f0a9b"));
    /// assert_eq!(user.to_string(), "4c3f0a2e9b1d4e6f8a7b5c3d2e1f0a9b");
    /// ```
    UserId
);
