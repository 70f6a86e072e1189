//! App Distribution events from their keys.

use super::fields::{Fields, owned};
use crate::event::{AppDistributionEvent, AppLinks};
use crate::support::time::TimeOrSpan;

/// Builds an App Distribution event from the body's keys; the error names a missing required
/// key.
pub(crate) fn from_fields(f: Fields) -> Result<AppDistributionEvent, &'static str> {
    let mut app = AppDistributionEvent::new(AppDistributionEvent::event_word(f.event.ok_or("event")?));
    app.app_name = f.app_name;
    app.timestamp = match f.timestamp {
        Some(TimeOrSpan::At(at)) => Some(at),
        _ => None,
    };
    app.version = f.version;
    app.build = owned(f.build);
    app.platform = f.platform;
    app.build_id = f.api_build_id;
    app.filesize = f.filesize;
    app.links = AppLinks {
        build_url: f.app_build_url,
        landing_page_url: f.landing_page_url,
        landing_page_build_url: f.landing_page_build_url,
        app_url: f.app_url,
        session_url: f.session_url,
        screenshot_url: f.screenshot_url,
        icon_url: f.icon_url,
        community_url: f.community_url,
        referer: f.referer,
    };
    app.change_log = f.change_log;
    app.tester_email = f.tester_email;
    app.email = f.email;
    app.ip_address = f.ip_address;
    app.udid = f.udid;
    app.device = owned(f.device);
    app.device_name = f.app_device_name;
    app.raw_device_name = f.raw_device_name;
    app.crash_message = f.crash_message;
    app.text = f.text;
    app.correlation_id = f.correlation_id;
    Ok(app)
}
