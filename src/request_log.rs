//! The access log format shared by the app and the local API.

use actix_web::middleware::{Condition, Logger};

/// One line per request with the method and path but never the query
/// string (`%U`, not `%r`), so a token or an email in a query can never
/// reach the logs. No client address either: logs are not the place for
/// personal data.
pub fn logger() -> Logger {
    Logger::new("%{method}xi %U %s %b bytes %D ms")
        .custom_request_replace("method", |req| req.method().to_string())
}

/// [`logger`] logging to `target`, or nothing at all when that target's
/// info lines are filtered out (`RUST_LOG=warn` and above): even then
/// `Logger` would render the request half of every line.
pub fn middleware(target: &'static str) -> Condition<Logger> {
    let enabled = log::log_enabled!(target: target, log::Level::Info);
    Condition::new(enabled, logger().log_target(target))
}
