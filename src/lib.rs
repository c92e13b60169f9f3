//! Passkey sign-up and sign-in with Passwordless.dev on Actix Web.
//!
//! Reading order: `config` (settings), `startup` (how the server is built),
//! `routes` (every URL), then `passwordless` (the API client), `verify`
//! (what a sign-in token must prove) and `session`.

pub mod aaguid;
pub mod assets;
pub mod config;
pub mod error;
#[cfg(feature = "local-api")]
pub mod local_api;
pub mod passwordless;
pub mod replay;
pub mod request_log;
pub mod routes;
pub mod security;
pub mod session;
pub mod startup;
pub mod state;
pub mod templates;
pub mod username;
pub mod verify;
