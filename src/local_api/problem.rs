//! RFC 7807 problem bodies in the exact flavours the Passwordless API sends.
//!
//! Every failure of the local API ends here, so the official browser client
//! (which parses every response as JSON) always gets a body it can read.

use std::collections::BTreeMap;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value, json};

/// Where the `type` of API errors points, followed by the `errorCode`.
const ERRORS_PAGE: &str = "https://docs.passwordless.dev/guide/errors.html#";

pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem response: status plus the JSON members of the body.
#[derive(Debug, Clone)]
pub struct Problem {
    status: StatusCode,
    body: Map<String, Value>,
    challenge: Option<&'static str>,
}

/// The header an authentication failure is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyHeader {
    ApiKey,
    ApiSecret,
}

impl KeyHeader {
    pub fn name(self) -> &'static str {
        match self {
            KeyHeader::ApiKey => "ApiKey",
            KeyHeader::ApiSecret => "ApiSecret",
        }
    }
}

impl Problem {
    /// An API error with a machine-readable `errorCode` (or `null` when the
    /// real service has none for this failure).
    pub fn api(status: StatusCode, code: Option<&str>, title: impl Into<String>) -> Self {
        let mut body = Map::new();
        body.insert(
            "type".into(),
            json!(format!("{ERRORS_PAGE}{}", code.unwrap_or(""))),
        );
        body.insert("title".into(), json!(title.into()));
        body.insert("status".into(), json!(status.as_u16()));
        body.insert("errorCode".into(), json!(code));
        Problem {
            status,
            body,
            challenge: None,
        }
    }

    /// 400 with an `errorCode`.
    pub fn bad_request(code: &str, title: impl Into<String>) -> Self {
        Self::api(StatusCode::BAD_REQUEST, Some(code), title)
    }

    /// 400 without an `errorCode` (`"errorCode": null`), such as "Origin is required.".
    pub fn bad_request_uncoded(title: impl Into<String>) -> Self {
        Self::api(StatusCode::BAD_REQUEST, None, title)
    }

    /// A 401 for a missing or wrong key; there is no `errorCode` here.
    pub fn unauthorized(header: KeyHeader, detail: impl Into<String>) -> Self {
        let name = header.name();
        let mut body = Map::new();
        body.insert("type".into(), json!(format!("{ERRORS_PAGE}{name}")));
        body.insert(
            "title".into(),
            json!(format!("A valid '{name}' header is required.")),
        );
        body.insert("status".into(), json!(401));
        body.insert("detail".into(), json!(detail.into()));
        Problem {
            status: StatusCode::UNAUTHORIZED,
            body,
            challenge: Some(name),
        }
    }

    /// ASP.NET's ValidationProblemDetails: field name to messages, no `errorCode`.
    pub fn validation(errors: BTreeMap<&'static str, Vec<String>>) -> Self {
        let mut body = Map::new();
        body.insert(
            "type".into(),
            json!("https://tools.ietf.org/html/rfc9110#section-15.5.1"),
        );
        body.insert(
            "title".into(),
            json!("One or more validation errors occurred."),
        );
        body.insert("status".into(), json!(400));
        body.insert("errors".into(), json!(errors));
        Problem {
            status: StatusCode::BAD_REQUEST,
            body,
            challenge: None,
        }
    }

    /// A validation problem about a single field.
    pub fn invalid_field(field: &'static str, message: impl Into<String>) -> Self {
        Self::validation(BTreeMap::from([(field, vec![message.into()])]))
    }

    /// A framework-level failure (bad JSON, wrong content type, unknown route).
    pub fn framework(status: StatusCode, title: impl Into<String>) -> Self {
        let mut body = Map::new();
        body.insert("type".into(), json!("about:blank"));
        body.insert("title".into(), json!(title.into()));
        body.insert("status".into(), json!(status.as_u16()));
        Problem {
            status,
            body,
            challenge: None,
        }
    }

    /// The 500 body; the cause is logged by the caller, never sent.
    pub fn internal() -> Self {
        let mut problem = Self::framework(
            StatusCode::INTERNAL_SERVER_ERROR,
            "An error occurred while processing your request.",
        );
        problem
            .body
            .insert("detail".into(), json!("The api has encountered an error"));
        problem
    }

    /// Adds an extra member, such as `credentialId` on `unknown_credential`.
    pub fn with_member(mut self, name: &str, value: Value) -> Self {
        self.body.insert(name.into(), value);
        self
    }

    /// The `errorCode` member, if there is one.
    #[cfg(test)]
    pub fn code(&self) -> Option<&str> {
        self.body.get("errorCode").and_then(Value::as_str)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let title = self.body.get("title").and_then(Value::as_str);
        write!(f, "{} {}", self.status.as_u16(), title.unwrap_or(""))
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if let Some(scheme) = self.challenge {
            response.insert_header((header::WWW_AUTHENTICATE, scheme));
        }
        response.body(Value::Object(self.body.clone()).to_string())
    }
}

/// "The token expired 10 seconds ago.", worded like .NET's Humanizer (largest unit only).
pub fn expired_token(ago: chrono::Duration) -> Problem {
    let seconds = ago.num_seconds().max(0);
    let (amount, unit) = match seconds {
        0 => return expired_with("no time"),
        s if s < 60 => (s, "second"),
        s if s < 3_600 => (s / 60, "minute"),
        s if s < 86_400 => (s / 3_600, "hour"),
        s if s < 604_800 => (s / 86_400, "day"),
        s => (s / 604_800, "week"),
    };
    let plural = if amount == 1 { "" } else { "s" };
    expired_with(&format!("{amount} {unit}{plural}"))
}

fn expired_with(span: &str) -> Problem {
    Problem::api(
        StatusCode::FORBIDDEN,
        Some("expired_token"),
        format!("The token expired {span} ago."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_titles_use_the_largest_whole_unit() {
        let title = |s| expired_token(chrono::Duration::seconds(s)).to_string();
        assert_eq!(title(10), "403 The token expired 10 seconds ago.");
        assert_eq!(title(61), "403 The token expired 1 minute ago.");
        assert_eq!(title(7_300), "403 The token expired 2 hours ago.");
    }

    #[test]
    fn api_problems_without_a_code_end_their_type_in_a_bare_fragment() {
        let problem = Problem::bad_request_uncoded("Origin is required.");
        assert_eq!(problem.body["type"], json!(ERRORS_PAGE));
        assert_eq!(problem.body["errorCode"], Value::Null);
    }
}
