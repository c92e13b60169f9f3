use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{TestApp, credential, problem, signin_claims, spawn_app};

const CREDENTIAL_B64: &str = "Mq1ZhrHBmhly34YaO/uuXuNuf/VCHDkuknENz/LZJR4=";
const CREDENTIAL_B64URL: &str = "Mq1ZhrHBmhly34YaO_uuXuNuf_VCHDkuknENz_LZJR4";

async fn refused_with(app: &TestApp, token: &str, claims: Value) -> Value {
    app.api_verifies(token, claims).await;
    app.api_has_alias("user-1", "alice").await;
    let response = app.signin(token).await;
    assert_eq!(response.status(), 400);
    problem(response).await
}

#[actix_web::test]
async fn a_valid_sign_in_token_starts_a_session_and_the_account_page_shows_the_user() {
    // Arrange
    let app = spawn_app().await;
    app.api_verifies("verify_ok", signin_claims(&app, "user-1", CREDENTIAL_B64))
        .await;
    app.api_has_alias("user-1", "alice").await;
    app.api_has_credentials(
        "user-1",
        vec![credential("user-1", CREDENTIAL_B64URL, "Work laptop")],
    )
    .await;

    // Act
    let response = app.signin("verify_ok").await;
    let account = app.get("/account").await;

    // Assert
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["redirect"], "/account");
    assert_eq!(account.status(), 200);
    let html = account.text().await.unwrap();
    assert!(html.contains("alice"));
    assert!(html.contains("Work laptop"));
    assert!(
        html.contains("Google Password Manager"),
        "the AAGUID is named"
    );
    assert!(html.contains(CREDENTIAL_B64URL));
}

#[actix_web::test]
async fn the_session_cookie_is_http_only_and_same_site() {
    let app = spawn_app().await;
    app.api_verifies("verify_ok", signin_claims(&app, "user-1", CREDENTIAL_B64))
        .await;
    app.api_has_alias("user-1", "alice").await;

    let response = app.signin("verify_ok").await;

    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("alice"),
        "the cookie is encrypted: {cookie}"
    );
}

#[actix_web::test]
async fn a_replayed_token_is_refused_the_second_time() {
    let app = spawn_app().await;
    app.api_verifies("verify_once", signin_claims(&app, "user-1", CREDENTIAL_B64))
        .await;
    app.api_has_alias("user-1", "alice").await;

    let first = app.signin("verify_once").await;
    let second = app.signin("verify_once").await;

    assert_eq!(first.status(), 200);
    assert_eq!(second.status(), 400);
    assert_eq!(problem(second).await["code"], "token_replayed");
}

#[actix_web::test]
async fn tokens_that_do_not_match_this_site_are_refused() {
    let app = spawn_app().await;
    let base = signin_claims(&app, "user-1", CREDENTIAL_B64);
    let past = (chrono::Utc::now() - chrono::Duration::seconds(5)).to_rfc3339();
    let cases: [(&str, &str, Value, &str); 6] = [
        (
            "verify_type",
            "type",
            json!("generated_signin"),
            "token_mismatch",
        ),
        (
            "verify_register",
            "type",
            json!("passkey_register"),
            "token_mismatch",
        ),
        (
            "verify_origin",
            "origin",
            json!("https://evil.example"),
            "token_mismatch",
        ),
        (
            "verify_rpid",
            "rpId",
            json!("evil.example"),
            "token_mismatch",
        ),
        ("verify_expired", "expiresAt", json!(past), "token_expired"),
        (
            "verify_stepup",
            "purpose",
            json!("step-up"),
            "token_mismatch",
        ),
    ];

    for (token, field, value, code) in cases {
        let mut claims = base.clone();
        claims[field] = value;
        claims["tokenId"] = json!(uuid::Uuid::new_v4().to_string());
        let body = refused_with(&app, token, claims).await;
        assert_eq!(body["code"], code, "{field}");
    }
    assert_eq!(
        app.get("/account").await.status(),
        303,
        "no session was started"
    );
}

#[actix_web::test]
async fn a_token_the_api_rejects_is_a_clear_client_error() {
    let app = spawn_app().await;
    for (token, status, code, expected) in [
        ("verify_bad", 400, "invalid_token", "invalid_token"),
        ("verify_old", 403, "expired_token", "token_expired"),
    ] {
        Mock::given(method("POST"))
            .and(path("/signin/verify"))
            .and(wiremock::matchers::body_partial_json(
                json!({ "token": token }),
            ))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("content-type", "application/problem+json")
                    .set_body_json(json!({
                        "type": format!("https://docs.passwordless.dev/guide/errors.html#{code}"),
                        "title": "The token you supplied was not valid.",
                        "status": status,
                        "errorCode": code
                    })),
            )
            .mount(&app.api)
            .await;

        let response = app.signin(token).await;

        assert_eq!(response.status(), 400, "{code}");
        assert_eq!(problem(response).await["code"], expected, "{code}");
    }
}

#[actix_web::test]
async fn something_that_is_not_a_verify_token_never_reaches_the_api() {
    let app = spawn_app().await;
    Mock::given(method("POST"))
        .and(path("/signin/verify"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&app.api)
        .await;

    let wrong_prefix = app.signin("register_abc").await;
    let huge = app.signin(&format!("verify_{}", "a".repeat(3000))).await;

    assert_eq!(problem(wrong_prefix).await["code"], "invalid_token");
    assert_eq!(problem(huge).await["code"], "invalid_token");
}

#[actix_web::test]
async fn a_register_token_finishes_only_the_sign_up_this_session_started() {
    // Arrange: a sign-up in this session, for a user id the server made.
    let app = spawn_app().await;
    Mock::given(method("POST"))
        .and(path("/register/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": "register_abc" })))
        .mount(&app.api)
        .await;
    assert_eq!(app.signup("Bob").await.status(), 200);
    let sent: Value = app.api.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    let new_user = sent["userId"].as_str().unwrap().to_owned();

    let mut someone_else = signin_claims(&app, "someone-else", CREDENTIAL_B64);
    someone_else["type"] = json!("passkey_register");
    someone_else["purpose"] = Value::Null;
    let mut ours = signin_claims(&app, &new_user, CREDENTIAL_B64);
    ours["type"] = json!("passkey_register");
    ours["purpose"] = Value::Null;
    app.api_verifies("verify_other", someone_else).await;
    app.api_verifies("verify_ours", ours).await;
    app.api_has_credentials(
        &new_user,
        vec![credential(&new_user, CREDENTIAL_B64URL, "Phone")],
    )
    .await;

    // Act
    let other = app.signin("verify_other").await;
    let mine = app.signin("verify_ours").await;
    let account = app.get("/account").await;

    // Assert
    assert_eq!(other.status(), 400);
    assert_eq!(problem(other).await["code"], "token_mismatch");
    assert_eq!(mine.status(), 200);
    let html = account.text().await.unwrap();
    assert!(html.contains("bob"), "the normalised username is shown");
}

#[actix_web::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    app.sign_in_as("user-1", "alice", CREDENTIAL_B64).await;

    let response = app.post_json("/api/signout", &json!({})).await;
    let account = app.get("/account").await;

    assert_eq!(response.status(), 200);
    assert_eq!(account.status(), 303);
}

/// alice's passkey has just been used, and the page names `typed` as the
/// username it signed in with.
async fn sign_in_with_alices_passkey_as(typed: &str) -> (TestApp, reqwest::Response) {
    let app = spawn_app().await;
    app.api_verifies(
        "verify_alice",
        signin_claims(&app, "user-1", CREDENTIAL_B64),
    )
    .await;
    app.api_has_alias("user-1", "alice").await;
    let response = app
        .post_json(
            "/api/signin",
            &json!({ "token": "verify_alice", "username": typed }),
        )
        .await;
    (app, response)
}

#[actix_web::test]
async fn signing_in_by_username_with_another_accounts_passkey_is_refused() {
    // Nobody is called "bob", so the browser offered every passkey it had
    // for the site, and the person picked alice's.
    let (app, response) = sign_in_with_alices_passkey_as("bob").await;
    let account = app.get("/account").await;

    assert_eq!(response.status(), 403);
    let body = problem(response).await;
    assert_eq!(body["code"], "other_account");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("different account"),
        "{body}"
    );
    assert_eq!(account.status(), 303, "no session was started");
}

#[actix_web::test]
async fn signing_in_by_username_compares_the_username_as_it_was_normalised() {
    let (_app, response) = sign_in_with_alices_passkey_as("  Alice ").await;

    assert_eq!(response.status(), 200);
}
