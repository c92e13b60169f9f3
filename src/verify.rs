//! The checks a `verify_` token must pass *after* the Passwordless API has
//! vouched for it. The API checks its MAC and expiry, but happily verifies
//! the same token again and again, and reports the origin and RP ID the
//! browser claimed without judging them. Those judgements are ours.

use chrono::{DateTime, Utc};

use crate::passwordless::VerifiedToken;
use crate::replay::UsedTokens;

/// The token types this app accepts, each only at its own step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// From `/signin/complete`: a sign-in.
    PasskeySignin,
    /// From `/register/complete`: finishes sign-up or adding a passkey.
    PasskeyRegister,
}

impl TokenKind {
    fn wire_name(self) -> &'static str {
        match self {
            Self::PasskeySignin => "passkey_signin",
            Self::PasskeyRegister => "passkey_register",
        }
    }

    /// Reads the `type` member; other types (`generated_signin`,
    /// `magic_link`) are not something this app issues or accepts.
    pub fn of(token: &VerifiedToken) -> Option<Self> {
        [Self::PasskeySignin, Self::PasskeyRegister]
            .into_iter()
            .find(|kind| kind.wire_name() == token.kind)
    }
}

/// Why a verified token was still refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenRejection {
    #[error("the API did not report success")]
    NotSuccessful,
    #[error("token type `{0}` is not accepted at this step")]
    WrongType(String),
    #[error("purpose `{0}` is not a sign-in")]
    WrongPurpose(String),
    #[error("the token was made for origin {0:?}")]
    WrongOrigin(Option<String>),
    #[error("the token was made for RP ID {0:?}")]
    WrongRpId(Option<String>),
    #[error("the token has expired")]
    Expired,
    #[error("the token belongs to another user")]
    WrongUser,
    #[error("the token was already used")]
    Replayed,
}

impl TokenRejection {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Replayed => "token_replayed",
            Self::Expired => "token_expired",
            _ => "token_mismatch",
        }
    }
}

/// What this deployment expects of every token.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    pub origin: &'a str,
    pub rp_id: &'a str,
    pub now: DateTime<Utc>,
}

/// Runs every check on `token` for a step that accepts `allowed` types and,
/// when given, only `user_id`. The token id is recorded as used only when
/// every other check has passed, so a refused token does not burn an id.
pub fn accept(
    token: &VerifiedToken,
    allowed: &[TokenKind],
    user_id: Option<&str>,
    expected: &Expected<'_>,
    used: &dyn UsedTokens,
) -> Result<TokenKind, TokenRejection> {
    if !token.success {
        return Err(TokenRejection::NotSuccessful);
    }
    let kind = TokenKind::of(token)
        .filter(|kind| allowed.contains(kind))
        .ok_or_else(|| TokenRejection::WrongType(token.kind.clone()))?;
    if kind == TokenKind::PasskeySignin && token.purpose.as_deref() != Some("sign-in") {
        return Err(TokenRejection::WrongPurpose(
            token.purpose.clone().unwrap_or_default(),
        ));
    }
    if token.origin.as_deref() != Some(expected.origin) {
        return Err(TokenRejection::WrongOrigin(token.origin.clone()));
    }
    if token.rp_id.as_deref() != Some(expected.rp_id) {
        return Err(TokenRejection::WrongRpId(token.rp_id.clone()));
    }
    if token.expires_at.0 <= expected.now {
        return Err(TokenRejection::Expired);
    }
    if user_id.is_some_and(|id| id != token.user_id) {
        return Err(TokenRejection::WrongUser);
    }
    if !used.first_use(&token.token_id, token.expires_at.0) {
        return Err(TokenRejection::Replayed);
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::passwordless::ApiDateTime;
    use crate::replay::InMemoryUsedTokens;

    const ORIGIN: &str = "https://example.com";
    const RP_ID: &str = "example.com";

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn signin_token() -> VerifiedToken {
        VerifiedToken {
            success: true,
            user_id: "user-1".into(),
            timestamp: Some(ApiDateTime(now())),
            rp_id: Some(RP_ID.into()),
            origin: Some(ORIGIN.into()),
            device: None,
            country: None,
            nickname: None,
            credential_id: Some("AAEC".into()),
            purpose: Some("sign-in".into()),
            expires_at: ApiDateTime(now() + Duration::seconds(120)),
            token_id: "2f0c7b1e-9a4d-4c64-8f1b-3f0b2b7f9e10".into(),
            kind: "passkey_signin".into(),
        }
    }

    fn check(
        token: &VerifiedToken,
        used: &InMemoryUsedTokens,
    ) -> Result<TokenKind, TokenRejection> {
        let expected = Expected {
            origin: ORIGIN,
            rp_id: RP_ID,
            now: now(),
        };
        accept(token, &[TokenKind::PasskeySignin], None, &expected, used)
    }

    #[test]
    fn a_fresh_sign_in_token_from_our_origin_is_accepted_once() {
        let used = InMemoryUsedTokens::default();
        assert_eq!(check(&signin_token(), &used), Ok(TokenKind::PasskeySignin));
        assert_eq!(check(&signin_token(), &used), Err(TokenRejection::Replayed));
    }

    #[test]
    fn each_mismatch_is_refused() {
        type Case = (&'static str, fn(&mut VerifiedToken), TokenRejection);
        let cases: [Case; 6] = [
            (
                "register type at sign-in",
                |t| t.kind = "passkey_register".into(),
                TokenRejection::WrongType("passkey_register".into()),
            ),
            (
                "generated token",
                |t| t.kind = "generated_signin".into(),
                TokenRejection::WrongType("generated_signin".into()),
            ),
            (
                "other origin",
                |t| t.origin = Some("https://evil.example".into()),
                TokenRejection::WrongOrigin(Some("https://evil.example".into())),
            ),
            (
                "rpid missing",
                |t| t.rp_id = None,
                TokenRejection::WrongRpId(None),
            ),
            (
                "expired",
                |t| t.expires_at = ApiDateTime(now() - Duration::seconds(1)),
                TokenRejection::Expired,
            ),
            (
                "step-up purpose",
                |t| t.purpose = Some("step-up".into()),
                TokenRejection::WrongPurpose("step-up".into()),
            ),
        ];
        for (case, mutate, rejection) in cases {
            let mut token = signin_token();
            mutate(&mut token);
            assert_eq!(
                check(&token, &InMemoryUsedTokens::default()),
                Err(rejection),
                "{case}"
            );
        }
    }

    #[test]
    fn a_refused_token_does_not_use_up_its_id() {
        let used = InMemoryUsedTokens::default();
        let mut wrong_origin = signin_token();
        wrong_origin.origin = Some("https://evil.example".into());
        assert!(check(&wrong_origin, &used).is_err());
        assert!(check(&signin_token(), &used).is_ok());
    }

    #[test]
    fn a_token_for_another_user_is_refused_where_the_user_is_known() {
        let expected = Expected {
            origin: ORIGIN,
            rp_id: RP_ID,
            now: now(),
        };
        let used = InMemoryUsedTokens::default();
        let result = accept(
            &signin_token(),
            &[TokenKind::PasskeySignin],
            Some("user-2"),
            &expected,
            &used,
        );
        assert_eq!(result, Err(TokenRejection::WrongUser));
    }
}
