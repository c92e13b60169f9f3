//! A typed client for the Passwordless.dev backend API (the calls that need
//! the secret). One method per call the app makes; handlers never build raw
//! HTTP requests. The wire contract is `shared/passwordless-api.md`.

mod client;
mod error;
mod models;

pub use client::PasswordlessClient;
pub use error::{ApiProblem, PasswordlessError};
pub use models::{
    Alias, ApiDateTime, Credential, CredentialDescriptor, RegisterTokenRequest, VerifiedToken,
};
