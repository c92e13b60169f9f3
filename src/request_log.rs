//! The access log format shared by the app and the local API.

use actix_web::middleware::Logger;

/// One line per request with the method and path but never the query
/// string (`%U`, not `%r`), so a token or an email in a query can never
/// reach the logs. No client address either: logs are not the place for
/// personal data.
pub fn logger() -> Logger {
    Logger::new("%{method}xi %U %s %b bytes %D ms")
        .custom_request_replace("method", |req| req.method().to_string())
}
