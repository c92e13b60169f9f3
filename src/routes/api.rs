//! The `/api` scope: JSON in, JSON out, a problem body on every error.
//! The browser's own WebAuthn calls go straight to the Passwordless API;
//! these endpoints mint the tokens that start them and check the tokens
//! that end them.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::pages::base64url_from_standard;
use crate::error::{ApiError, AppError};
use crate::passwordless::{PasswordlessClient, RegisterTokenRequest, VerifiedToken};
use crate::session::{self, PendingSignup, SignedIn};
use crate::state::AppState;
use crate::username::Username;
use crate::verify::{self, TokenKind};

/// The API's own nickname limit; checked here too so the person learns
/// before the ceremony, not after it.
const MAX_NICKNAME_CHARS: usize = 64;
/// Real verify tokens are a few hundred bytes; anything far larger is not
/// worth a round trip to the API.
const MAX_TOKEN_BYTES: usize = 2048;
/// Credential ids are at most 1023 bytes, so 1364 base64url characters.
const MAX_CREDENTIAL_ID_CHARS: usize = 1364;

#[derive(Debug, Deserialize)]
pub struct SignupRequest {
    username: String,
    #[serde(default)]
    nickname: Option<String>,
}

#[derive(Deserialize)]
pub struct TokenRequest {
    token: String,
}

#[derive(Deserialize)]
pub struct SigninRequest {
    token: String,
    /// What the person typed, for a sign-in by username. An alias nobody
    /// has yields an empty `allowCredentials`, so the browser offers every
    /// passkey it holds for the site: the token may be someone else's.
    #[serde(default)]
    username: Option<String>,
}

#[derive(Serialize)]
pub struct TokenReply {
    token: String,
}

#[derive(Serialize)]
pub struct Next {
    redirect: &'static str,
}

/// Starts a sign-up: a new user id made here (never taken from the
/// browser) and a register token whose one alias is the username.
pub async fn signup(
    client: web::ThinData<PasswordlessClient>,
    session: Session,
    body: web::Json<SignupRequest>,
) -> Result<web::Json<TokenReply>, ApiError> {
    let username = Username::parse(&body.username).map_err(AppError::InvalidUsername)?;
    check_nickname(body.nickname.as_deref())?;
    let user_id = Uuid::new_v4().to_string();

    let token = client
        .register_token(&RegisterTokenRequest {
            user_id: &user_id,
            username: username.as_str(),
            display_name: username.as_str(),
            discoverable: true,
            aliases: Some([username.as_str()]),
            alias_hashing: false,
        })
        .await?;
    session::start_signup(
        &session,
        &PendingSignup {
            user_id,
            username: username.as_str().to_owned(),
        },
    )?;

    Ok(web::Json(TokenReply { token }))
}

/// Finishes a sign-in (a `passkey_signin` token) or a sign-up (the
/// `passkey_register` token of the sign-up this session started) with a
/// fresh session. A sign-in by username must end in that username's
/// account.
pub async fn signin(
    state: web::Data<AppState>,
    client: web::ThinData<PasswordlessClient>,
    session: Session,
    body: web::Json<SigninRequest>,
) -> Result<web::Json<Next>, ApiError> {
    let typed = match body.username.as_deref() {
        Some(raw) => Some(Username::parse(raw).map_err(AppError::InvalidUsername)?),
        None => None,
    };
    let verified = verify_token(&client, &body.token).await?;

    let pending = session::pending_signup(&session);
    let finishing_signup = TokenKind::of(&verified) == Some(TokenKind::PasskeyRegister);
    let (step, user_id) = match &pending {
        Some(pending) if finishing_signup => {
            (TokenKind::PasskeyRegister, Some(pending.user_id.as_str()))
        }
        _ => (TokenKind::PasskeySignin, None),
    };
    verify::accept(
        &verified,
        &[step],
        user_id,
        &state.expected(),
        &*state.used_tokens,
    )?;

    let username = match pending {
        Some(pending) if finishing_signup => pending.username,
        _ => username_of(&client, &verified.user_id).await?,
    };
    if typed.is_some_and(|typed| typed.as_str() != username) {
        return Err(AppError::OtherAccount.into());
    }
    session::sign_in(
        &session,
        &SignedIn {
            user_id: verified.user_id,
            username,
            credential_id: verified
                .credential_id
                .as_deref()
                .and_then(base64url_from_standard),
            signed_in_at: Utc::now().timestamp(),
        },
    )?;

    Ok(web::Json(Next {
        redirect: "/account",
    }))
}

/// A register token for another passkey of the signed-in user. It names no
/// aliases: aliases in a token replace the user's set, and the username
/// must stay.
pub async fn add_passkey(
    client: web::ThinData<PasswordlessClient>,
    session: Session,
) -> Result<web::Json<TokenReply>, ApiError> {
    let user = session::current_user(&session)?;

    let token = client
        .register_token(&RegisterTokenRequest {
            user_id: &user.user_id,
            username: &user.username,
            display_name: &user.username,
            discoverable: true,
            aliases: None,
            alias_hashing: false,
        })
        .await?;

    Ok(web::Json(TokenReply { token }))
}

/// Checks the `passkey_register` token that adding a passkey yields, so
/// the page learns whether the new passkey really landed on this account.
pub async fn finish_adding_passkey(
    state: web::Data<AppState>,
    client: web::ThinData<PasswordlessClient>,
    session: Session,
    body: web::Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = session::current_user(&session)?;

    let verified = verify_token(&client, &body.token).await?;
    verify::accept(
        &verified,
        &[TokenKind::PasskeyRegister],
        Some(&user.user_id),
        &state.expected(),
        &*state.used_tokens,
    )?;

    Ok(HttpResponse::NoContent().finish())
}

/// Deletes one of the signed-in user's passkeys. The API deletes any
/// credential of the app by id, so ownership is checked here, and the last
/// passkey is kept: without it the account could never be entered again.
pub async fn delete_passkey(
    client: web::ThinData<PasswordlessClient>,
    session: Session,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = session::current_user(&session)?;
    let credential_id = path.into_inner();
    if !is_credential_id(&credential_id) {
        return Err(AppError::InvalidPasskeyId.into());
    }

    let credentials = client.list_credentials(&user.user_id).await?;
    if !credentials.iter().any(|c| c.descriptor.id == credential_id) {
        return Err(AppError::UnknownPasskey.into());
    }
    if credentials.len() == 1 {
        return Err(AppError::LastPasskey.into());
    }
    client.delete_credential(&credential_id).await?;

    Ok(HttpResponse::NoContent().finish())
}

pub async fn signout(session: Session) -> web::Json<Next> {
    session::sign_out(&session);
    web::Json(Next { redirect: "/" })
}

pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(AppError::NotFound.into())
}

async fn verify_token(client: &PasswordlessClient, token: &str) -> Result<VerifiedToken, ApiError> {
    // Not worth a round trip: the API would refuse these too.
    if !token.starts_with("verify_") || token.len() > MAX_TOKEN_BYTES {
        return Err(AppError::InvalidToken.into());
    }
    Ok(client.verify_signin(token).await?)
}

/// The username is the user's plaintext alias; an account without one
/// (made outside this app) shows its user id instead.
async fn username_of(client: &PasswordlessClient, user_id: &str) -> Result<String, ApiError> {
    let aliases = client.list_aliases(user_id).await?;
    Ok(aliases
        .into_iter()
        .find(|alias| alias.user_id == user_id)
        .and_then(|alias| alias.plaintext)
        .unwrap_or_else(|| user_id.to_owned()))
}

fn check_nickname(nickname: Option<&str>) -> Result<(), AppError> {
    match nickname {
        Some(name) if name.chars().count() > MAX_NICKNAME_CHARS => Err(AppError::InvalidNickname),
        _ => Ok(()),
    }
}

fn is_credential_id(id: &str) -> bool {
    (1..=MAX_CREDENTIAL_ID_CHARS).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
