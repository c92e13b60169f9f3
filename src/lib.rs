//! Passkey sign-up and sign-in with Passwordless.dev on Actix Web.

#[cfg(feature = "local-api")]
pub mod local_api;
pub mod assets;
pub mod templates;
