//! Spawning the app against a fake Passwordless API, and talking to it.

use std::collections::HashMap;

use passkeys_actix::config::Settings;
use passkeys_actix::startup::Application;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const PUBLIC_KEY: &str = "testapp:public:2e728aa5986f4ba8b073a5b28a939795";
pub const SECRET: &str = "testapp:secret:a679563b331846c79c20b114a4f56d02";
pub const SESSION_KEY: &str =
    "a-test-session-key-that-is-long-enough-to-derive-keys-from-0123456789";

pub struct TestApp {
    pub address: String,
    pub origin: String,
    pub api: MockServer,
    pub http: reqwest::Client,
}

/// Settings for a test app talking to `api_url`, with overrides.
pub fn settings(api_url: &str, overrides: &[(&str, &str)]) -> Settings {
    let mut vars: HashMap<String, String> = [
        ("LISTEN_ADDR", "127.0.0.1:0"),
        ("PASSWORDLESS_API_URL", api_url),
        ("PASSWORDLESS_API_KEY", PUBLIC_KEY),
        ("PASSWORDLESS_API_SECRET", SECRET),
        ("SESSION_KEY", SESSION_KEY),
        ("RATE_LIMIT_PER_MINUTE", "0"),
        ("PASSWORDLESS_API_TIMEOUT_MS", "500"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (key, value) in overrides {
        vars.insert((*key).to_owned(), (*value).to_owned());
    }
    Settings::from_lookup(|key| vars.get(key).cloned()).expect("test settings are valid")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let api = MockServer::start().await;
    spawn_app_against(api, overrides).await
}

pub async fn spawn_app_against(api: MockServer, overrides: &[(&str, &str)]) -> TestApp {
    let app = Application::build(settings(&api.uri(), overrides))
        .await
        .expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let origin = app.public_origin().to_owned();
    actix_web::rt::spawn(app.run_until_stopped());

    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    wait_until_up(&http, &address).await;
    TestApp {
        address,
        origin,
        api,
        http,
    }
}

/// The app in local mode, with the local Passwordless API in memory, both
/// on port 0; returns the app's address.
#[cfg(feature = "local-api")]
pub async fn spawn_app_in_local_mode() -> String {
    let settings = Settings::from_lookup(|key| match key {
        "LISTEN_ADDR" | "LOCAL_API_ADDR" => Some("127.0.0.1:0".to_owned()),
        "LOCAL_API_STATE" => Some("memory".to_owned()),
        _ => None,
    })
    .expect("local mode needs no settings");
    let app = Application::build(settings)
        .await
        .expect("the app and the local API start");
    let address = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    wait_until_up(&reqwest::Client::new(), &address).await;
    address
}

/// Polls `/healthz` instead of sleeping for a guessed time.
async fn wait_until_up(http: &reqwest::Client, address: &str) {
    for _ in 0..200 {
        if let Ok(response) = http.get(format!("{address}/healthz")).send().await
            && response.status().is_success()
        {
            return;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the app did not come up at {address}");
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    /// A same-origin JSON POST, as the page scripts send it.
    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .header("Origin", &self.origin)
            .header("Sec-Fetch-Site", "same-origin")
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.http
            .delete(self.url(path))
            .header("Origin", &self.origin)
            .header("Sec-Fetch-Site", "same-origin")
            .send()
            .await
            .unwrap()
    }

    pub async fn signup(&self, username: &str) -> reqwest::Response {
        self.post_json("/api/signup", &json!({ "username": username }))
            .await
    }

    pub async fn signin(&self, token: &str) -> reqwest::Response {
        self.post_json("/api/signin", &json!({ "token": token }))
            .await
    }

    /// Scripts the API so that `token` verifies as `claims`, once or more.
    pub async fn api_verifies(&self, token: &str, claims: Value) {
        Mock::given(method("POST"))
            .and(path("/signin/verify"))
            .and(header("ApiSecret", SECRET))
            .and(body_partial_json(json!({ "token": token })))
            .respond_with(ResponseTemplate::new(200).set_body_json(claims))
            .mount(&self.api)
            .await;
    }

    pub async fn api_has_alias(&self, user_id: &str, alias: &str) {
        Mock::given(method("GET"))
            .and(path("/alias/list"))
            .and(query_param("userId", user_id))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "values": [{ "userId": user_id, "alias": "hash", "plaintext": alias, "tenant": "testapp" }]
            })))
            .mount(&self.api)
            .await;
    }

    pub async fn api_has_credentials(&self, user_id: &str, credentials: Vec<Value>) {
        Mock::given(method("POST"))
            .and(path("/credentials/list"))
            .and(body_partial_json(json!({ "userId": user_id })))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({ "values": credentials })),
            )
            .mount(&self.api)
            .await;
    }

    /// Signs `user_id` in through a scripted sign-in token.
    pub async fn sign_in_as(&self, user_id: &str, username: &str, credential_id_b64: &str) {
        let token = format!("verify_for_{user_id}");
        self.api_verifies(&token, signin_claims(self, user_id, credential_id_b64))
            .await;
        self.api_has_alias(user_id, username).await;
        let response = self.signin(&token).await;
        assert_eq!(response.status(), 200, "sign-in should succeed");
    }
}

/// The decoded token the API returns for a fresh sign-in at our origin.
pub fn signin_claims(app: &TestApp, user_id: &str, credential_id_b64: &str) -> Value {
    let now = chrono::Utc::now();
    json!({
        "userId": user_id,
        "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        "rpId": "localhost",
        "origin": app.origin,
        "success": true,
        "device": "Chrome, Linux",
        "country": "",
        "nickname": "Laptop",
        "credentialId": credential_id_b64,
        "purpose": "sign-in",
        "expiresAt": (now + chrono::Duration::seconds(120)).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        "tokenId": uuid::Uuid::new_v4().to_string(),
        "type": "passkey_signin"
    })
}

/// A stored credential as `/credentials/list` returns it.
pub fn credential(user_id: &str, id_b64url: &str, nickname: &str) -> Value {
    json!({
        "descriptor": { "type": "public-key", "id": id_b64url },
        "publicKey": "pQECAyYgASFYIPi4",
        "userHandle": "dXNlcg==",
        "signatureCounter": 3,
        "attestationFmt": "none",
        "createdAt": "2026-11-20T13:33:50.0764103",
        "aaGuid": "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",
        "lastUsedAt": "2026-12-01T08:00:00.5",
        "rpid": "localhost",
        "origin": "http://localhost",
        "country": "",
        "device": "Chrome, Linux",
        "nickname": nickname,
        "userId": user_id,
        "backupState": true,
        "isBackupEligible": true,
        "isDiscoverable": true
    })
}

pub async fn problem(response: reqwest::Response) -> Value {
    let content_type = response.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/problem+json"),
        "expected a JSON problem, got {content_type}"
    );
    response.json().await.unwrap()
}

pub fn assert_redirects_to(response: &reqwest::Response, location: &str) {
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[LOCATION], location);
}
