//! The examples of the README and of the guides (`src/guide/`) are complete programs, so that
//! they can be pasted as they are; this runs them as doctests here, where the crates they use
//! besides this one (axum, rusqlite, serde_json, the store crates) are dependencies.

/// Includes each markdown file as the documentation of a struct only doctests see.
macro_rules! doctested {
    ($($name:ident = $path:literal),* $(,)?) => {
        $(
            #[cfg(doctest)]
            #[doc = include_str!($path)]
            struct $name;
        )*
    };
}

doctested! {
    ReadmeDoctests = "../README.md",
    ParsingGuide = "../src/guide/parsing.md",
    SignaturesGuide = "../src/guide/signatures.md",
    AxumGuide = "../src/guide/axum.md",
    RoutingGuide = "../src/guide/routing.md",
    AlertsGuide = "../src/guide/alerts.md",
    PagingGuide = "../src/guide/paging.md",
    DeliveryGuide = "../src/guide/delivery.md",
    StoresGuide = "../src/guide/stores.md",
    TestingGuide = "../src/guide/testing.md",
    RobustnessGuide = "../src/guide/robustness.md",
    SemverGuide = "../src/guide/semver.md",
}
