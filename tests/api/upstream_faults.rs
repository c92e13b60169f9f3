//! What people see when the Passwordless API misbehaves: a 5xx they can act
//! on, never the cause.

use std::time::Duration;

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{SECRET, TestApp, problem, spawn_app, spawn_app_against};

async fn api_answers_register_with(app: &TestApp, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/register/token"))
        .respond_with(response)
        .mount(&app.api)
        .await;
}

async fn assert_signup_fails_with(app: &TestApp, status: u16, code: &str) {
    let response = app.signup("alice").await;
    assert_eq!(response.status(), status, "{code}");
    let text = response.text().await.unwrap();
    assert!(!text.contains(SECRET), "no secret in {text}");
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["code"], code);
}

#[actix_web::test]
async fn a_wrong_secret_is_an_operator_problem_not_the_users() {
    let app = spawn_app().await;
    api_answers_register_with(
        &app,
        ResponseTemplate::new(401).insert_header("content-type", "application/problem+json").set_body_json(json!({
            "type": "https://docs.passwordless.dev/guide/errors.html#ApiSecret",
            "title": "A valid 'ApiSecret' header is required.",
            "status": 401,
            "detail": "We don't recognize the value you supplied for your 'ApiSecret'. It started with: 'testapp:se'."
        })),
    )
    .await;

    let response = app.signup("alice").await;

    assert_eq!(response.status(), 502);
    let body = problem(response).await;
    assert_eq!(body["code"], "upstream_error");
    assert!(
        !body.to_string().contains("ApiSecret"),
        "internals stay in the log: {body}"
    );
}

#[actix_web::test]
async fn an_api_that_is_rate_limiting_us_is_busy_not_broken() {
    let app = spawn_app().await;
    api_answers_register_with(&app, ResponseTemplate::new(429)).await;

    let response = app.signup("alice").await;

    assert_eq!(response.status(), 503);
    let body = problem(response).await;
    assert_eq!(body["code"], "upstream_busy");
    assert!(body["detail"].as_str().unwrap().contains("busy"), "{body}");
}

#[actix_web::test]
async fn an_api_500_becomes_a_502() {
    let app = spawn_app().await;
    api_answers_register_with(
        &app,
        ResponseTemplate::new(500)
            .set_body_json(json!({ "status": 500, "detail": "The api has encountered an error" })),
    )
    .await;

    assert_signup_fails_with(&app, 502, "upstream_error").await;
}

#[actix_web::test]
async fn a_body_that_is_not_json_becomes_a_502() {
    let app = spawn_app().await;
    api_answers_register_with(
        &app,
        ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"),
    )
    .await;

    assert_signup_fails_with(&app, 502, "upstream_error").await;
}

#[actix_web::test]
async fn an_api_slower_than_the_timeout_becomes_a_504() {
    let app = spawn_app().await;
    api_answers_register_with(
        &app,
        ResponseTemplate::new(200)
            .set_body_json(json!({ "token": "register_late" }))
            .set_delay(Duration::from_secs(3)),
    )
    .await;

    assert_signup_fails_with(&app, 504, "upstream_timeout").await;
}

#[actix_web::test]
async fn an_api_that_refuses_connections_becomes_a_503() {
    // A port that was just free: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("http://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let unused = MockServer::start().await;
    let app = spawn_app_against(unused, &[("PASSWORDLESS_API_URL", &closed_url)]).await;

    assert_signup_fails_with(&app, 503, "upstream_unavailable").await;
}

#[actix_web::test]
async fn the_account_page_shows_api_trouble_as_a_page_in_the_layout() {
    let app = spawn_app().await;
    app.sign_in_as("user-1", "alice", "AAEC").await;
    Mock::given(method("POST"))
        .and(path("/credentials/list"))
        .respond_with(ResponseTemplate::new(500).set_body_string("boom: stack trace here"))
        .mount(&app.api)
        .await;

    let response = app.get("/account").await;

    assert_eq!(response.status(), 502);
    let html = response.text().await.unwrap();
    assert!(html.contains("<main"));
    assert!(html.contains("passkey service"));
    assert!(!html.contains("stack trace"));
}

#[actix_web::test]
async fn the_account_page_error_keeps_the_signed_in_navigation() {
    let app = spawn_app().await;
    app.sign_in_as("user-1", "alice", "AAEC").await;
    Mock::given(method("POST"))
        .and(path("/credentials/list"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&app.api)
        .await;

    let response = app.get("/account").await;

    assert_eq!(response.status(), 504);
    let html = response.text().await.unwrap();
    assert!(html.contains("took too long"), "{html}");
    assert!(html.contains("href=\"/account\""), "{html}");
    assert!(!html.contains("href=\"/signin\""), "{html}");
}

#[actix_web::test]
async fn a_wrong_secret_on_the_account_page_is_our_fault_in_plain_words() {
    let app = spawn_app().await;
    app.sign_in_as("user-1", "alice", "AAEC").await;
    Mock::given(method("POST"))
        .and(path("/credentials/list"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("content-type", "application/problem+json")
                .set_body_json(json!({
                    "type": "https://docs.passwordless.dev/guide/errors.html#ApiSecret",
                    "title": "A valid 'ApiSecret' header is required.",
                    "status": 401,
                    "detail": "We don't recognize the value you supplied for your 'ApiSecret'. It started with: 'testapp:se'."
                })),
        )
        .mount(&app.api)
        .await;

    let response = app.get("/account").await;

    assert_eq!(response.status(), 502);
    let html = response.text().await.unwrap();
    assert!(html.contains("not set up correctly"), "{html}");
    assert!(!html.contains("ApiSecret"), "{html}");
    assert!(!html.contains("testapp:se"), "{html}");
}
