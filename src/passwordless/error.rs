//! What can go wrong when calling the Passwordless API, typed so the app can
//! tell a person's mistake (a taken username, an expired token) from an
//! operator's (a wrong secret) and from an outage.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A problem body (RFC 7807) as the API sends it. API errors carry an
/// `errorCode` (sometimes `null`); auth and validation errors carry none.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiProblem {
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub error_code: Option<String>,
    /// Validation errors: field name to messages.
    #[serde(default)]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordlessError {
    /// The API answered 401 or 403 without an error code: the secret is
    /// wrong, locked or lacks a scope. Only the operator can fix this. The
    /// message names the title only: the API's detail quotes the start of
    /// the key it was sent, which must not reach a log.
    #[error("the Passwordless API refused our credentials ({status}): {}", .problem.title.as_deref().unwrap_or("no title"))]
    Unauthorized { status: u16, problem: ApiProblem },
    /// The API refused the request with a problem body (4xx, or a 5xx that
    /// still carried one).
    #[error("the Passwordless API answered {status} {}: {}", .problem.error_code.as_deref().unwrap_or("(no code)"), .problem.title.as_deref().unwrap_or("no title"))]
    Rejected { status: u16, problem: ApiProblem },
    /// A non-2xx answer without a usable problem body.
    #[error("the Passwordless API answered {status} without a problem body")]
    Status { status: u16 },
    /// The answer was 2xx but not the JSON we expect.
    #[error("the Passwordless API sent an unexpected body: {0}")]
    InvalidBody(String),
    /// No answer within the configured timeout.
    #[error("the Passwordless API did not answer in time")]
    Timeout,
    /// No connection at all (refused, DNS, TLS).
    #[error("cannot reach the Passwordless API: {0}")]
    Unreachable(String),
}

impl PasswordlessError {
    /// The HTTP status the API answered with, when it answered at all.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { status, .. }
            | Self::Rejected { status, .. }
            | Self::Status { status } => Some(*status),
            Self::InvalidBody(_) | Self::Timeout | Self::Unreachable(_) => None,
        }
    }

    /// The API's `errorCode`, when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Rejected { problem, .. } => problem.error_code.as_deref(),
            _ => None,
        }
    }

    pub(crate) fn from_status(status: u16, body: &[u8]) -> Self {
        let problem = serde_json::from_slice::<ApiProblem>(body).ok();
        match problem {
            Some(problem) if (status == 401 || status == 403) && problem.error_code.is_none() => {
                Self::Unauthorized { status, problem }
            }
            Some(problem) => Self::Rejected { status, problem },
            None => Self::Status { status },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_401_without_an_error_code_is_an_operator_problem() {
        let body = br#"{"type":"https://docs.passwordless.dev/guide/errors.html#ApiSecret","title":"A valid 'ApiSecret' header is required.","status":401}"#;
        assert!(matches!(
            PasswordlessError::from_status(401, body),
            PasswordlessError::Unauthorized { status: 401, .. }
        ));
    }

    #[test]
    fn a_refused_secret_is_described_without_the_start_of_the_key() {
        let body = br#"{"title":"A valid 'ApiSecret' header is required.","status":401,"detail":"The value you sent started with 'a:secret:7'"}"#;
        let message = PasswordlessError::from_status(401, body).to_string();
        assert!(message.contains("A valid 'ApiSecret' header is required."));
        assert!(!message.contains("secret:7"), "{message}");
    }

    #[test]
    fn an_expired_token_is_a_rejection_with_its_code() {
        let body = br#"{"title":"The token expired 10 seconds ago.","status":403,"errorCode":"expired_token"}"#;
        let error = PasswordlessError::from_status(403, body);
        assert_eq!(error.code(), Some("expired_token"));
    }

    #[test]
    fn a_null_error_code_and_validation_errors_are_read() {
        let body = br#"{"title":"One or more validation errors occurred.","status":400,"errorCode":null,"errors":{"userId":["The UserId field is required."]}}"#;
        let PasswordlessError::Rejected { problem, .. } = PasswordlessError::from_status(400, body)
        else {
            panic!("expected a rejection");
        };
        assert_eq!(
            problem.errors.unwrap()["userId"][0],
            "The UserId field is required."
        );
    }

    #[test]
    fn a_body_that_is_not_json_keeps_only_the_status() {
        assert!(matches!(
            PasswordlessError::from_status(502, b"<html>Bad gateway</html>"),
            PasswordlessError::Status { status: 502 }
        ));
    }
}
