//! The HTTP side of the Passwordless client, over awc.

use actix_web::web::Bytes;
use awc::error::{PayloadError, SendRequestError};
use awc::http::header;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::PasswordlessError;
use super::models::{
    Alias, CountResponse, Credential, CredentialIdRequest, ListResponse, RegisterTokenRequest,
    TokenRequest, TokenResponse, VerifiedToken,
};
use crate::config::ApiSettings;

/// The largest body we read. Credential lists are the biggest answers, a
/// few hundred bytes per passkey; this leaves room for thousands.
const BODY_LIMIT: usize = 1024 * 1024;
const USER_AGENT: &str = concat!("passkeys-actix/", env!("CARGO_PKG_VERSION"), " (awc)");

/// One per worker: `awc::Client` is not `Send`, and it keeps a pool of
/// connections to the API that the worker's requests share.
#[derive(Clone)]
pub struct PasswordlessClient {
    http: awc::Client,
    base: String,
}

impl PasswordlessClient {
    pub fn new(settings: &ApiSettings) -> Self {
        let http = awc::Client::builder()
            .timeout(settings.timeout)
            .disable_redirects()
            .add_default_header((header::USER_AGENT, USER_AGENT))
            .add_default_header(("ApiSecret", settings.secret.expose()))
            .finish();
        Self {
            http,
            base: settings.base(),
        }
    }

    /// `POST /register/token`: a token that lets the browser register a
    /// passkey for `userId`.
    pub async fn register_token(
        &self,
        request: &RegisterTokenRequest<'_>,
    ) -> Result<String, PasswordlessError> {
        let response: TokenResponse = self.post("/register/token", request).await?;
        Ok(response.token)
    }

    /// `POST /signin/verify`: decodes a `verify_` token. The caller must
    /// still check its type, origin, RP ID, expiry and single use.
    pub async fn verify_signin(&self, token: &str) -> Result<VerifiedToken, PasswordlessError> {
        self.post("/signin/verify", &TokenRequest { token }).await
    }

    /// `POST /credentials/list`: the user's passkeys. The POST form keeps the
    /// user id out of URLs (and so out of any proxy's access log).
    pub async fn list_credentials(
        &self,
        user_id: &str,
    ) -> Result<Vec<Credential>, PasswordlessError> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            user_id: &'a str,
        }
        let list: ListResponse<Credential> =
            self.post("/credentials/list", &Body { user_id }).await?;
        Ok(list.values)
    }

    /// `POST /credentials/delete`. The API does not check ownership: the
    /// caller must.
    pub async fn delete_credential(&self, credential_id: &str) -> Result<(), PasswordlessError> {
        let body = CredentialIdRequest { credential_id };
        self.send(
            self.http
                .post(self.url("/credentials/delete"))
                .send_json(&body),
        )
        .await
        .map(drop)
    }

    /// `GET /alias/list`: the user's aliases (plaintext when not hashed).
    pub async fn list_aliases(&self, user_id: &str) -> Result<Vec<Alias>, PasswordlessError> {
        let request = self
            .http
            .get(self.url("/alias/list"))
            .query(&[("userId", user_id)])
            .map_err(|e| PasswordlessError::InvalidBody(e.to_string()))?;
        let body = self.send(request.send()).await?;
        let list: ListResponse<Alias> = parse(&body)?;
        Ok(list.values)
    }

    /// `GET /users/count`: cheap, and needs a valid secret, so it tells
    /// readiness probes both that the API answers and that it accepts us.
    pub async fn check_ready(&self) -> Result<(), PasswordlessError> {
        let body = self
            .send(self.http.get(self.url("/users/count")).send())
            .await?;
        parse::<CountResponse>(&body).map(drop)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, PasswordlessError> {
        let bytes = self
            .send(self.http.post(self.url(path)).send_json(body))
            .await?;
        parse(&bytes)
    }

    /// Sends, reads the body within the limit, and turns every non-2xx
    /// answer into a typed error.
    async fn send(&self, request: awc::SendClientRequest) -> Result<Bytes, PasswordlessError> {
        let mut response = request.await.map_err(from_send_error)?;
        let status = response.status();
        let body = response
            .body()
            .limit(BODY_LIMIT)
            .await
            .map_err(from_payload_error)?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(PasswordlessError::from_status(status.as_u16(), &body))
        }
    }
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, PasswordlessError> {
    serde_json::from_slice(body).map_err(|e| PasswordlessError::InvalidBody(e.to_string()))
}

fn from_send_error(error: SendRequestError) -> PasswordlessError {
    match error {
        SendRequestError::Timeout => PasswordlessError::Timeout,
        SendRequestError::Connect(awc::error::ConnectError::Timeout) => PasswordlessError::Timeout,
        other => PasswordlessError::Unreachable(other.to_string()),
    }
}

fn from_payload_error(error: PayloadError) -> PasswordlessError {
    match error {
        PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            PasswordlessError::Timeout
        }
        PayloadError::Overflow => {
            PasswordlessError::InvalidBody(format!("larger than {BODY_LIMIT} bytes"))
        }
        other => PasswordlessError::InvalidBody(other.to_string()),
    }
}
