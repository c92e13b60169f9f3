//! Who is signed in, kept in an encrypted cookie (actix-session's cookie
//! store), so the app holds no session table and scales out by sharing
//! `SESSION_KEY`.
//!
//! A cookie store cannot revoke a cookie it has handed out: a copied cookie
//! stays valid until it ages out. So every sign-in records when it happened
//! and is honoured for [`MAX_AGE`] only. Apps that need instant revocation
//! should move to actix-session's Redis store.

use actix_session::Session;
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// How long a sign-in lasts before the person must use a passkey again.
pub const MAX_AGE: Duration = Duration::hours(12);

const USER_KEY: &str = "user";
const PENDING_SIGNUP_KEY: &str = "signup";

/// The signed-in person, as the session remembers them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedIn {
    pub user_id: String,
    pub username: String,
    /// base64url id of the passkey used for this sign-in, if known.
    pub credential_id: Option<String>,
    /// Unix seconds.
    pub signed_in_at: i64,
}

/// A sign-up in progress: the user id the server made and the username it
/// was made for. Only a `passkey_register` token for this very user id may
/// finish it, so a register token from elsewhere cannot become a session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignup {
    pub user_id: String,
    pub username: String,
}

/// The signed-in user, or [`AppError::NotSignedIn`].
pub fn current_user(session: &Session) -> Result<SignedIn, AppError> {
    signed_in(session).ok_or(AppError::NotSignedIn)
}

/// The signed-in user, if any. An unreadable or aged-out entry counts as
/// signed out rather than as an error: the cookie is the browser's to mangle.
pub fn signed_in(session: &Session) -> Option<SignedIn> {
    let user = session.get::<SignedIn>(USER_KEY).ok().flatten()?;
    let age = Utc::now().timestamp() - user.signed_in_at;
    (0..=MAX_AGE.num_seconds()).contains(&age).then_some(user)
}

/// Starts a fresh session for `user`: the session id is renewed so a cookie
/// planted before sign-in is worthless after it.
pub fn sign_in(session: &Session, user: &SignedIn) -> Result<(), AppError> {
    session.renew();
    session.remove(PENDING_SIGNUP_KEY);
    session
        .insert(USER_KEY, user)
        .map_err(|e| AppError::Session(e.to_string()))
}

/// Ends the session and tells the browser to drop the cookie.
pub fn sign_out(session: &Session) {
    session.purge();
}

pub fn start_signup(session: &Session, pending: &PendingSignup) -> Result<(), AppError> {
    session
        .insert(PENDING_SIGNUP_KEY, pending)
        .map_err(|e| AppError::Session(e.to_string()))
}

pub fn pending_signup(session: &Session) -> Option<PendingSignup> {
    session
        .get::<PendingSignup>(PENDING_SIGNUP_KEY)
        .ok()
        .flatten()
}
