//! The app's one error type, and its two faces: [`PageError`] renders an
//! HTML page in the site layout, [`ApiError`] a JSON problem. Handlers pick
//! the face by their return type; the kinds and wording are shared.
//!
//! A 5xx never shows its cause: the person gets a fixed sentence and the
//! cause is logged once, here, where the error becomes a response.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use serde::Serialize;

use crate::passwordless::PasswordlessError;
use crate::templates::{ErrorPage, Layout};
use crate::verify::TokenRejection;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid username: {0}")]
    InvalidUsername(&'static str),
    #[error("passkey name too long")]
    InvalidNickname,
    #[error("username already taken")]
    UsernameTaken,
    #[error("the token is malformed or unknown to the API")]
    InvalidToken,
    #[error("the token expired")]
    TokenExpired,
    #[error("the token was refused: {0}")]
    TokenRejected(TokenRejection),
    #[error("not signed in")]
    NotSignedIn,
    #[error("the passkey belongs to another account than the username typed")]
    OtherAccount,
    #[error("malformed passkey id")]
    InvalidPasskeyId,
    #[error("the passkey is not one of the user's")]
    UnknownPasskey,
    #[error("refusing to delete the user's last passkey")]
    LastPasskey,
    #[error("cross-site request refused")]
    CrossSite,
    #[error("bad JSON body: {0}")]
    BadJson(String),
    #[error("JSON body too large")]
    BodyTooLarge,
    #[error("the body must be application/json")]
    UnsupportedMediaType,
    #[error("no such page")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("rate limit exceeded")]
    RateLimited,
    #[error(transparent)]
    Upstream(PasswordlessError),
    /// The API answered 429: this app is over its request budget there.
    #[error("the Passwordless API answered 429: it is limiting our requests")]
    UpstreamBusy,
    #[error("session cookie could not be written: {0}")]
    Session(String),
    #[error("template failed to render: {0}")]
    Render(#[from] askama::Error),
}

impl From<PasswordlessError> for AppError {
    /// The API's own codes for a person's mistakes become those mistakes;
    /// everything else is the API's trouble.
    fn from(error: PasswordlessError) -> Self {
        match error.code() {
            Some("alias_conflict") => Self::UsernameTaken,
            Some("expired_token") => Self::TokenExpired,
            Some("invalid_token" | "invalid_token_format" | "missing_token") => Self::InvalidToken,
            _ if error.status() == Some(429) => Self::UpstreamBusy,
            _ => Self::Upstream(error),
        }
    }
}

impl From<TokenRejection> for AppError {
    fn from(rejection: TokenRejection) -> Self {
        match rejection {
            TokenRejection::Expired => Self::TokenExpired,
            other => Self::TokenRejected(other),
        }
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidUsername(_)
            | Self::InvalidNickname
            | Self::InvalidToken
            | Self::TokenExpired
            | Self::TokenRejected(_)
            | Self::InvalidPasskeyId
            | Self::BadJson(_) => StatusCode::BAD_REQUEST,
            Self::NotSignedIn => StatusCode::UNAUTHORIZED,
            Self::CrossSite | Self::OtherAccount => StatusCode::FORBIDDEN,
            Self::UnknownPasskey | Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::UsernameTaken | Self::LastPasskey => StatusCode::CONFLICT,
            Self::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Upstream(PasswordlessError::Timeout) => StatusCode::GATEWAY_TIMEOUT,
            Self::Upstream(PasswordlessError::Unreachable(_)) | Self::UpstreamBusy => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Upstream(_) => StatusCode::BAD_GATEWAY,
            Self::Session(_) | Self::Render(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable, machine-readable name for page scripts and API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidUsername(_) => "invalid_username",
            Self::InvalidNickname => "invalid_nickname",
            Self::UsernameTaken => "username_taken",
            Self::InvalidToken => "invalid_token",
            Self::TokenExpired => "token_expired",
            Self::TokenRejected(rejection) => rejection.code(),
            Self::NotSignedIn => "not_signed_in",
            Self::OtherAccount => "other_account",
            Self::InvalidPasskeyId => "invalid_passkey_id",
            Self::UnknownPasskey => "unknown_passkey",
            Self::LastPasskey => "last_passkey",
            Self::CrossSite => "cross_site",
            Self::BadJson(_) => "bad_request",
            Self::BodyTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::RateLimited => "rate_limited",
            Self::Upstream(PasswordlessError::Timeout) => "upstream_timeout",
            Self::Upstream(PasswordlessError::Unreachable(_)) => "upstream_unavailable",
            Self::UpstreamBusy => "upstream_busy",
            Self::Upstream(_) => "upstream_error",
            Self::Session(_) | Self::Render(_) => "internal_error",
        }
    }

    /// What a person reads. Never the cause of a 5xx.
    pub fn message(&self) -> &'static str {
        match self {
            Self::InvalidUsername(reason) => reason,
            Self::InvalidNickname => "Passkey names can be at most 64 characters long.",
            Self::UsernameTaken => {
                "That username is already taken. Choose another, or sign in if it is yours."
            }
            Self::InvalidToken => "That passkey attempt could not be verified. Please try again.",
            Self::TokenExpired => "That took too long. Please try again.",
            Self::TokenRejected(_) => {
                "That passkey attempt could not be accepted. Please try again."
            }
            Self::NotSignedIn => "Please sign in first.",
            Self::OtherAccount => {
                "The passkey you chose belongs to a different account than that username. Try again with that username’s passkey, or use “Sign in with a passkey”."
            }
            Self::InvalidPasskeyId => "That is not a valid passkey id.",
            Self::UnknownPasskey => "That passkey is not on your account.",
            Self::LastPasskey => {
                "This is your only passkey. Add another one before deleting it, or you could not sign in again."
            }
            Self::CrossSite => "This request came from another site and was refused.",
            Self::BadJson(_) => "The request body is not the JSON this endpoint expects.",
            Self::BodyTooLarge => "The request body is too large.",
            Self::UnsupportedMediaType => "The request body must be sent as application/json.",
            Self::NotFound => "There is nothing at this address.",
            Self::MethodNotAllowed => "This address does not accept that method.",
            Self::RateLimited => "Too many attempts. Wait a minute and try again.",
            Self::Upstream(PasswordlessError::Timeout) => {
                "The passkey service took too long to answer. Try again in a moment."
            }
            Self::Upstream(PasswordlessError::Unreachable(_)) => {
                "The passkey service cannot be reached. Try again in a moment."
            }
            Self::UpstreamBusy => "The passkey service is busy. Try again in a minute.",
            Self::Upstream(PasswordlessError::Unauthorized { .. }) => {
                "The passkey service is not set up correctly for this site. This is our fault, not yours; please try again later."
            }
            Self::Upstream(_) => {
                "The passkey service answered with an error. Try again in a moment."
            }
            Self::Session(_) | Self::Render(_) => {
                "Something went wrong on our side. Please try again."
            }
        }
    }

    /// Logs a server-side cause once, where the error becomes a response.
    /// A person's mistakes (4xx) are not errors of ours and stay at debug.
    fn log(&self) {
        let status = self.status();
        if status.is_server_error() {
            log::error!("{} {}: {self}", status.as_u16(), self.code());
        } else {
            log::debug!("{} {}: {self}", status.as_u16(), self.code());
        }
    }
}

/// An error from a JSON endpoint: answered as `application/problem+json`.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub AppError);

/// An error from a page: answered as an HTML page in the site layout.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct PageError(#[from] pub AppError);

impl PageError {
    /// The error page as `username` should see it: a handler that knows who
    /// is signed in answers with this, so the navigation does not pretend
    /// they were signed out.
    pub fn page_for(&self, username: &str) -> HttpResponse {
        self.0.log();
        error_page_in(&self.0, Layout::for_user(Some(username)))
    }
}

macro_rules! into_app_error {
    ($($source:ty),*) => {$(
        impl From<$source> for ApiError {
            fn from(error: $source) -> Self { Self(error.into()) }
        }
        impl From<$source> for PageError {
            fn from(error: $source) -> Self { Self(error.into()) }
        }
    )*};
}
into_app_error!(PasswordlessError, TokenRejection, askama::Error);

/// The RFC 9457 problem body of every `/api` error. With the default type
/// (`about:blank`) the title is the HTTP status phrase; the sentence for
/// people is `detail`, and `code` is what scripts branch on.
#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: &'static str,
    pub code: &'static str,
}

impl Problem {
    pub fn from_error(error: &AppError) -> Self {
        let status = error.status();
        Self {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: error.message(),
            code: error.code(),
        }
    }

    pub fn response(error: &AppError) -> HttpResponse {
        HttpResponse::build(error.status())
            .content_type("application/problem+json")
            .json(Self::from_error(error))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.log();
        Problem::response(&self.0)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.0.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.log();
        if matches!(self.0, AppError::NotSignedIn) {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/signin"))
                .finish();
        }
        error_page(&self.0)
    }
}

/// Renders the error page for `error` for someone signed out; if even that
/// fails, a plain sentence.
pub fn error_page(error: &AppError) -> HttpResponse {
    error_page_in(error, Layout::signed_out())
}

/// Renders the error page for `error` in `layout`.
pub fn error_page_in(error: &AppError, layout: Layout) -> HttpResponse {
    let status = error.status();
    let page = ErrorPage {
        layout,
        status: status.as_u16(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        message: error.message().to_owned(),
    };
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type(ContentType::html())
            .body(html),
        Err(render_error) => {
            log::error!("the error page failed to render: {render_error}");
            HttpResponse::build(status)
                .content_type(ContentType::plaintext())
                .body(error.message())
        }
    }
}
