use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{TestApp, assert_redirects_to, credential, problem, spawn_app};

const FIRST: &str = "AAECAwQFBgcICQoLDA0ODw";
/// FIRST as the verify response spells it (standard base64).
const FIRST_STANDARD_B64: &str = "AAECAwQFBgcICQoLDA0ODw==";
const SECOND: &str = "EBESExQVFhcYGRobHB0eHw";

async fn delete_is_never_called(app: &TestApp) {
    Mock::given(method("POST"))
        .and(path("/credentials/delete"))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&app.api)
        .await;
}

/// Alice, signed in with FIRST, and owning FIRST and SECOND.
async fn alice_with_two_passkeys() -> TestApp {
    let app = spawn_app().await;
    app.sign_in_as("user-1", "alice", FIRST_STANDARD_B64).await;
    app.api_has_credentials(
        "user-1",
        vec![
            credential("user-1", FIRST, "Laptop"),
            credential("user-1", SECOND, "Phone"),
        ],
    )
    .await;
    app
}

#[actix_web::test]
async fn the_account_page_without_a_session_redirects_to_sign_in() {
    let app = spawn_app().await;

    let response = app.get("/account").await;

    assert_redirects_to(&response, "/signin");
}

#[actix_web::test]
async fn deleting_one_of_two_passkeys_deletes_it_at_the_api() {
    let app = alice_with_two_passkeys().await;
    Mock::given(method("POST"))
        .and(path("/credentials/delete"))
        .and(body_json(json!({ "credentialId": SECOND })))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&app.api)
        .await;

    let response = app.delete(&format!("/api/passkeys/{SECOND}")).await;

    assert_eq!(response.status(), 204);
}

#[actix_web::test]
async fn deleting_someone_elses_passkey_is_refused() {
    let app = alice_with_two_passkeys().await;
    delete_is_never_called(&app).await;

    let response = app
        .delete("/api/passkeys/c29tZW9uZS1lbHNlcy1wYXNza2V5")
        .await;

    assert_eq!(response.status(), 404);
    assert_eq!(problem(response).await["code"], "unknown_passkey");
}

#[actix_web::test]
async fn deleting_the_last_passkey_is_refused() {
    let app = spawn_app().await;
    app.sign_in_as("user-1", "alice", FIRST_STANDARD_B64).await;
    app.api_has_credentials("user-1", vec![credential("user-1", FIRST, "Laptop")])
        .await;
    delete_is_never_called(&app).await;

    let response = app.delete(&format!("/api/passkeys/{FIRST}")).await;

    assert_eq!(response.status(), 409);
    let body = problem(response).await;
    assert_eq!(body["code"], "last_passkey");
    assert!(body["detail"].as_str().unwrap().contains("only passkey"));
}

#[actix_web::test]
async fn passkey_ids_that_cannot_be_ids_are_a_bad_request() {
    let app = spawn_app().await;
    app.sign_in_as("user-1", "alice", FIRST_STANDARD_B64).await;
    delete_is_never_called(&app).await;

    let response = app.delete("/api/passkeys/not%20an%20id!").await;

    assert_eq!(response.status(), 400);
    assert_eq!(problem(response).await["code"], "invalid_passkey_id");
}

#[actix_web::test]
async fn passkey_changes_need_a_session() {
    let app = spawn_app().await;
    delete_is_never_called(&app).await;

    let add = app.post_json("/api/passkeys", &json!({})).await;
    let delete = app.delete(&format!("/api/passkeys/{FIRST}")).await;

    assert_eq!(add.status(), 401);
    assert_eq!(problem(add).await["code"], "not_signed_in");
    assert_eq!(delete.status(), 401);
}

#[actix_web::test]
async fn adding_a_passkey_asks_for_a_token_that_keeps_the_username() {
    let app = spawn_app().await;
    app.sign_in_as("user-1", "alice", FIRST_STANDARD_B64).await;
    Mock::given(method("POST"))
        .and(path("/register/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": "register_more" })))
        .expect(1)
        .mount(&app.api)
        .await;

    let response = app.post_json("/api/passkeys", &json!({})).await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap()["token"],
        "register_more"
    );
    let requests = app.api.received_requests().await.unwrap();
    let sent: Value = requests
        .iter()
        .find(|r| r.url.path() == "/register/token")
        .unwrap()
        .body_json()
        .unwrap();
    assert_eq!(sent["userId"], "user-1");
    assert_eq!(sent["username"], "alice");
    assert!(
        sent.get("aliases").is_none(),
        "aliases in a token would replace the user's set"
    );
}

#[actix_web::test]
async fn the_account_page_marks_the_passkey_used_for_this_sign_in() {
    let app = alice_with_two_passkeys().await;

    let html = app.get("/account").await.text().await.unwrap();

    let row_of = |id: &str| {
        html.split("<li")
            .find(|row| row.contains(id))
            .unwrap()
            .to_owned()
    };
    assert!(row_of(FIRST).contains("passkey-current"));
    assert!(!row_of(SECOND).contains("passkey-current"));
}

#[actix_web::test]
async fn names_from_the_api_are_shown_as_text_not_markup() {
    let app = spawn_app().await;
    let hostile = "<script>alert(1)</script>";
    app.sign_in_as("user-1", hostile, FIRST_STANDARD_B64).await;
    app.api_has_credentials(
        "user-1",
        vec![credential("user-1", FIRST, "<img src=x onerror=alert(2)>")],
    )
    .await;

    let html = app.get("/account").await.text().await.unwrap();

    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(html.contains("&#60;script&#62;alert(1)"), "{html}");
}
