//! Passkey sign-up and sign-in with Passwordless.dev on Actix Web.

pub mod assets;
#[cfg(feature = "local-api")]
pub mod local_api;
pub mod templates;
