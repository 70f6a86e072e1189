//! An App Distribution event: an app uploaded or downloaded, a device registered, and in the
//! legacy (TestFairy) form a crash or a tester's feedback.

use serde::Serialize;
use time::OffsetDateTime;

use crate::support::time::serialize_optional_zoneless;

/// An App Distribution webhook. `event` says what happened: `upload`, `download` or
/// `new-udid`, and in the legacy (TestFairy) form `crash` or `feedback`; any other word is
/// kept. Its `timestamp` (`"YYYY-MM-DD HH:MM:SS"`, naming no zone) is read as UTC. A crash is
/// a failure. A registered device (`new-udid`) names no app: its app fields are `None`.
///
/// It carries no user, team or organization: it reaches the subscriptions that name its app
/// (`routing::Project::App`); one that names no app, none.
///
/// ```
/// use sauce_webhooks::Event;
///
/// let body = br#"{"event":"crash","timestamp":"2024-05-01 10:15:30","appName":"Shop","version":"1.4.2",
///     "build":57,"platform":"android","buildId":9911,"crashMessage":"java.lang.IllegalStateException"}"#;
/// let Event::AppDistribution(app) = Event::from_slice(body)? else { unreachable!() };
/// assert!(app.is_failure());
/// assert_eq!(app.build.as_deref(), Some("57"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AppDistributionEvent {
    /// What happened: `upload`, `download`, `new-udid`, `crash`, `feedback` (read so whatever
    /// their case, and spaces around), or another word, as sent.
    pub event: String,
    /// The app's name; `None` for an event of no app (a registered device).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_name: Option<String>,
    /// When it happened. Written back in App Distribution's form (`2024-05-01 10:15:30`,
    /// UTC), or in RFC 3339 when it has a fraction that form cannot hold.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "serialize_optional_zoneless")]
    pub timestamp: Option<OffsetDateTime>,
    /// The app's version (`1.2.3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The build (text in the current product, a number in the legacy one, kept as text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    /// `ios` or `android`, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// The build's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_id: Option<String>,
    /// The uploaded file's size, in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filesize: Option<u64>,
    /// Links: the build, its landing pages, the app, the session, the screenshot, the icon,
    /// the community page, the referer, by their keys (`buildUrl`, `landingPageUrl`,
    /// `landingPageBuildUrl`, `appUrl`, `sessionUrl`, `screenshotUrl`, `iconUrl`,
    /// `communityUrl`, `referer`).
    #[serde(flatten)]
    pub links: AppLinks,
    /// The upload's change log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_log: Option<String>,
    /// The tester's email (downloads, legacy events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tester_email: Option<String>,
    /// The email of the device's owner (new devices, crashes, feedback).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The client's IP address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// A new device's UDID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub udid: Option<String>,
    /// The device, as named by a new device's registration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The device's name, and its raw name (legacy events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    /// The device's raw name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_device_name: Option<String>,
    /// A crash's message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crash_message: Option<String>,
    /// Feedback's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Feedback's correlation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

/// An App Distribution event's links, each `None` when not sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AppLinks {
    /// The build's page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_url: Option<String>,
    /// The app's landing page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub landing_page_url: Option<String>,
    /// The build's landing page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub landing_page_build_url: Option<String>,
    /// The app's file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_url: Option<String>,
    /// The session's recording (legacy feedback).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_url: Option<String>,
    /// The feedback's screenshot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screenshot_url: Option<String>,
    /// The app's icon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
    /// The community page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_url: Option<String>,
    /// Where the tester came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referer: Option<String>,
}

impl AppDistributionEvent {
    /// The event `event`, with nothing else; set the other fields (the app's name, say) on
    /// the result.
    pub fn new(event: impl Into<String>) -> Self {
        Self {
            event: event.into(),
            app_name: None,
            timestamp: None,
            version: None,
            build: None,
            platform: None,
            build_id: None,
            filesize: None,
            links: AppLinks::default(),
            change_log: None,
            tester_email: None,
            email: None,
            ip_address: None,
            udid: None,
            device: None,
            device_name: None,
            raw_device_name: None,
            crash_message: None,
            text: None,
            correlation_id: None,
        }
    }

    /// Whether it is a crash.
    pub fn is_failure(&self) -> bool {
        self.event.trim().eq_ignore_ascii_case("crash")
    }
}

/// The `event` words App Distribution documents, current and legacy: a body whose `event` is
/// one of them (in any case) is an App Distribution event, even without an `appName`.
const EVENTS: [&str; 5] = ["upload", "download", "new-udid", "crash", "feedback"];

impl AppDistributionEvent {
    /// Whether `word` is one of the `event` words App Distribution documents.
    pub(crate) fn is_documented_event(word: &str) -> bool {
        Self::documented(word).is_some()
    }

    /// The documented word `word` is, in any case and with spaces around, as documented.
    fn documented(word: &str) -> Option<&'static str> {
        let word = word.trim();
        EVENTS.iter().copied().find(|known| known.eq_ignore_ascii_case(word))
    }

    /// `word` as an event reads it: a documented word in its documented form (`" NEW-UDID "`
    /// is `new-udid`), any other as sent.
    pub(crate) fn event_word(word: String) -> String {
        Self::documented(&word).map_or(word, str::to_owned)
    }
}
