//! Starting the local API in-process and driving it like the official
//! client and a backend would.

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use actix_web::dev::ServerHandle;
use passkey::authenticator::{Authenticator, UiHint, UserCheck, UserValidationMethod};
use passkey::client::{Client, DefaultClientData};
use passkey::crypto::AvailableBackend;
use passkey::types::ctap2::{Aaguid, Ctap2Error};
use passkey::types::{Passkey, webauthn};
use passkeys_actix::local_api::{LocalApi, LocalApiSettings, StateLocation};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use url::Url;

/// The origin and RP ID the tests register under.
pub const ORIGIN: &str = "https://example.test";
pub const RP_ID: &str = "example.test";

pub struct TestApi {
    pub base_url: String,
    pub public_key: String,
    pub secret: String,
    pub http: reqwest::Client,
    server: ServerHandle,
    running: tokio::task::JoinHandle<std::io::Result<()>>,
    state_file: Option<PathBuf>,
}

/// A local API in memory on a free port.
pub async fn spawn_api() -> TestApi {
    spawn_api_with(LocalApiSettings::in_memory()).await
}

/// A local API keeping its state in `path`.
pub async fn spawn_api_with_file(path: PathBuf) -> TestApi {
    spawn_api_with(LocalApiSettings {
        state: StateLocation::File(path),
        ..LocalApiSettings::in_memory()
    })
    .await
}

pub async fn spawn_api_with(settings: LocalApiSettings) -> TestApi {
    let api = LocalApi::start(settings).expect("the local API starts");
    let base_url = api.base_url();
    let public_key = api.public_key().to_owned();
    let secret = api.secret().to_owned();
    let state_file = api.state_file().map(PathBuf::from);
    let server = api.into_server();
    let test_api = TestApi {
        base_url,
        public_key,
        secret,
        http: reqwest::Client::new(),
        server: server.handle(),
        running: tokio::spawn(server),
        state_file,
    };
    test_api.wait_until_ready().await;
    test_api
}

/// A fresh directory for one test's state file.
pub fn temp_state_file() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("local-api-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("state.json")
}

impl TestApi {
    /// Stops the API as a shutdown would, and waits until it has let go of
    /// its state file: its worker threads drop the state a moment after the
    /// server reports it has stopped (a process exit would drop it at once).
    pub async fn stop(self) {
        self.server.stop(true).await;
        self.running
            .await
            .expect("the server task ends")
            .expect("the server stops cleanly");
        let Some(state_file) = self.state_file else {
            return;
        };
        let mut lock_name = state_file.into_os_string();
        lock_name.push(".lock");
        let lock = std::fs::File::open(&lock_name).expect("the state file's lock exists");
        for _ in 0..500 {
            if lock.try_lock().is_ok() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the stopped local API still holds {lock_name:?}");
    }

    async fn wait_until_ready(&self) {
        for _ in 0..200 {
            if let Ok(response) = self.http.get(&self.base_url).send().await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the local API did not answer at {}", self.base_url);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A backend call with the `ApiSecret`.
    pub async fn backend_post(&self, path: &str, body: Value) -> Response {
        self.http
            .post(self.url(path))
            .header("ApiSecret", &self.secret)
            .json(&body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn backend_get(&self, path_and_query: &str) -> Response {
        self.http
            .get(self.url(path_and_query))
            .header("ApiSecret", &self.secret)
            .send()
            .await
            .expect("request sent")
    }

    /// A browser call with the `ApiKey`, as the official client makes it.
    pub async fn browser_post(&self, path: &str, body: Value) -> Response {
        self.http
            .post(self.url(path))
            .header("ApiKey", &self.public_key)
            .header("Client-Version", "js-1.1.0")
            .header("Origin", ORIGIN)
            .json(&body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn register_token(&self, user_id: &str, aliases: &[&str]) -> String {
        let response = self
            .backend_post(
                "/register/token",
                json!({ "userId": user_id, "username": user_id, "aliases": aliases, "aliasHashing": false }),
            )
            .await;
        token_of(response).await
    }

    /// `/register/begin` with the client's casing; returns `{data, session}`.
    pub async fn register_begin(&self, token: &str, rp_id: &str, origin: &str) -> Value {
        let response = self
            .browser_post(
                "/register/begin",
                json!({ "token": token, "RPID": rp_id, "Origin": origin }),
            )
            .await;
        ok_json(response).await
    }

    /// `/register/complete` with what the official client sends.
    pub async fn register_complete(
        &self,
        session: &str,
        credential: &Value,
        origin: &str,
    ) -> Response {
        self.browser_post(
            "/register/complete",
            json!({
                "session": session,
                "response": credential,
                "nickname": "Test device",
                "RPID": RP_ID,
                "Origin": origin,
            }),
        )
        .await
    }

    pub async fn signin_begin(&self, body: Value) -> Value {
        ok_json(self.browser_post("/signin/begin", body).await).await
    }

    pub async fn signin_complete(
        &self,
        session: &str,
        credential: &Value,
        origin: &str,
    ) -> Response {
        self.browser_post(
            "/signin/complete",
            json!({ "session": session, "response": credential, "RPID": RP_ID, "Origin": origin }),
        )
        .await
    }

    pub async fn verify(&self, token: &str) -> Response {
        self.backend_post("/signin/verify", json!({ "token": token }))
            .await
    }

    /// Registers a new passkey for `user_id` on `device`; returns the verify token.
    pub async fn register(&self, device: &mut Device, user_id: &str, aliases: &[&str]) -> String {
        let token = self.register_token(user_id, aliases).await;
        let begun = self.register_begin(&token, RP_ID, ORIGIN).await;
        let credential = device.create(ORIGIN, &begun["data"]).await;
        token_of(
            self.register_complete(session_of(&begun), &credential, ORIGIN)
                .await,
        )
        .await
    }

    /// Signs in with `begin_body` (userId, alias or nothing) on `device`.
    pub async fn sign_in(&self, device: &mut Device, begin_body: Value) -> Response {
        let begun = self.signin_begin(begin_body).await;
        let credential = device.get(ORIGIN, &begun["data"]).await;
        self.signin_complete(session_of(&begun), &credential, ORIGIN)
            .await
    }
}

pub fn session_of(begun: &Value) -> &str {
    begun["session"].as_str().expect("a session token")
}

pub async fn ok_json(response: Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(status, StatusCode::OK, "unexpected answer: {body}");
    body
}

pub async fn token_of(response: Response) -> String {
    ok_json(response).await["token"]
        .as_str()
        .expect("a token")
        .to_owned()
}

/// Asserts a problem response and returns its body.
pub async fn problem(response: Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "*",
        "errors carry CORS headers too"
    );
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: Value = response.json().await.expect("a JSON problem body");
    assert_eq!(body["status"], status);
    body
}

/// A user who is always present and verified.
pub struct AlwaysVerifiedUser;

#[async_trait::async_trait]
impl UserValidationMethod for AlwaysVerifiedUser {
    type PasskeyItem = Passkey;

    async fn check_user<'a>(
        &self,
        _hint: UiHint<'a, Passkey>,
        presence: bool,
        verification: bool,
    ) -> Result<UserCheck, Ctap2Error> {
        Ok(UserCheck {
            presence,
            verification,
        })
    }

    fn is_presence_enabled(&self) -> bool {
        true
    }

    fn is_verification_enabled(&self) -> Option<bool> {
        Some(true)
    }
}

type SoftwareClient = Client<
    Option<Passkey>,
    AlwaysVerifiedUser,
    AvailableBackend,
    public_suffix::PublicSuffixList,
    (),
>;

/// A software authenticator holding one passkey, behind a WebAuthn client.
pub struct Device {
    client: SoftwareClient,
}

impl Device {
    pub fn new() -> Self {
        let authenticator = Authenticator::new(
            Aaguid([0x11; 16]),
            None,
            AlwaysVerifiedUser,
            AvailableBackend,
        );
        Device {
            client: Client::new(authenticator),
        }
    }

    /// A device whose passkey counts signatures.
    pub fn with_counter() -> Self {
        let mut device = Device::new();
        device
            .client
            .authenticator_mut()
            .set_make_credentials_with_signature_counter(true);
        device
    }

    pub fn passkey_mut(&mut self) -> &mut Passkey {
        self.client
            .authenticator_mut()
            .store_mut()
            .as_mut()
            .expect("the device holds a passkey")
    }

    /// `navigator.credentials.create()`, answered in the official client's casing.
    pub async fn create(&mut self, origin: &str, options: &Value) -> Value {
        let request: webauthn::CredentialCreationOptions =
            serde_json::from_value(json!({ "publicKey": options })).expect("creation options");
        let origin = Url::parse(origin).expect("origin");
        let created = self
            .client
            .register(&origin, request, DefaultClientData)
            .await
            .expect("the authenticator creates a credential");
        let created = serde_json::to_value(created).expect("credential JSON");
        json!({
            "id": created["id"],
            "rawId": base64url(&created["rawId"]),
            "type": created["type"],
            "clientExtensionResults": created["clientExtensionResults"],
            "response": {
                "AttestationObject": base64url(&created["response"]["attestationObject"]),
                "clientDataJson": base64url(&created["response"]["clientDataJSON"]),
            },
        })
    }

    /// `navigator.credentials.get()`, answered like the official client (no userHandle).
    pub async fn get(&mut self, origin: &str, options: &Value) -> Value {
        let request: webauthn::CredentialRequestOptions =
            serde_json::from_value(json!({ "publicKey": options })).expect("request options");
        let origin = Url::parse(origin).expect("origin");
        let asserted = self
            .client
            .authenticate(&origin, request, DefaultClientData)
            .await
            .expect("the authenticator signs");
        let asserted = serde_json::to_value(asserted).expect("assertion JSON");
        json!({
            "id": asserted["id"],
            "rawId": base64url(&asserted["rawId"]),
            "type": asserted["type"],
            "clientExtensionResults": {},
            "response": {
                "authenticatorData": base64url(&asserted["response"]["authenticatorData"]),
                "clientDataJson": base64url(&asserted["response"]["clientDataJSON"]),
                "signature": base64url(&asserted["response"]["signature"]),
            },
        })
    }
}

/// The passkey crate writes bytes as JSON arrays; browsers send base64url.
fn base64url(value: &Value) -> Value {
    match value {
        Value::Array(items) => {
            let bytes: Vec<u8> = items
                .iter()
                .map(|item| {
                    item.as_u64()
                        .and_then(|b| u8::try_from(b).ok())
                        .expect("a byte")
                })
                .collect();
            json!(URL_SAFE_NO_PAD.encode(bytes))
        }
        other => other.clone(),
    }
}
