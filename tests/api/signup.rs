use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{SECRET, problem, spawn_app};

#[actix_web::test]
async fn signup_returns_a_register_token_for_a_new_server_made_user() {
    // Arrange
    let app = spawn_app().await;
    Mock::given(method("POST"))
        .and(path("/register/token"))
        .and(header("ApiSecret", SECRET))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": "register_abc" })))
        .expect(1)
        .mount(&app.api)
        .await;

    // Act
    let response = app
        .post_json(
            "/api/signup",
            &json!({ "username": "  Alice@Example.com ", "userId": "chosen-by-browser" }),
        )
        .await;

    // Assert
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "token": "register_abc" }));

    let sent: Value = app.api.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    let user_id = sent["userId"].as_str().unwrap();
    assert!(
        uuid::Uuid::parse_str(user_id).is_ok(),
        "userId {user_id} is a server-made UUID"
    );
    assert_eq!(sent["username"], "alice@example.com");
    assert_eq!(sent["aliases"], json!(["alice@example.com"]));
    assert_eq!(sent["discoverable"], true);
    assert_eq!(sent["aliasHashing"], false);
}

#[actix_web::test]
async fn signup_with_a_taken_username_says_so() {
    let app = spawn_app().await;
    Mock::given(method("POST"))
        .and(path("/register/token"))
        .respond_with(
            ResponseTemplate::new(409)
                .insert_header("content-type", "application/problem+json")
                .set_body_json(json!({
                    "type": "https://docs.passwordless.dev/guide/errors.html#alias_conflict",
                    "title": "Alias is already in use by another userid",
                    "status": 409,
                    "errorCode": "alias_conflict"
                })),
        )
        .mount(&app.api)
        .await;

    let response = app.signup("alice").await;

    assert_eq!(response.status(), 409);
    let body = problem(response).await;
    assert_eq!(body["code"], "username_taken");
    assert!(body["detail"].as_str().unwrap().contains("already taken"));
}

#[actix_web::test]
async fn signup_refuses_bad_usernames_without_calling_the_api() {
    let app = spawn_app().await;
    Mock::given(method("POST"))
        .and(path("/register/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": "register_abc" })))
        .expect(0)
        .mount(&app.api)
        .await;

    let cases = [
        (json!({ "username": "" }), "empty"),
        (json!({ "username": "   " }), "only spaces"),
        (json!({ "username": "x".repeat(65) }), "too long"),
        (json!({ "username": "two words" }), "inner space"),
        (
            json!({ "username": "alice", "nickname": "n".repeat(65) }),
            "nickname too long",
        ),
    ];
    for (body, case) in cases {
        let response = app.post_json("/api/signup", &body).await;
        assert_eq!(response.status(), 400, "{case}");
        let body = problem(response).await;
        assert!(
            ["invalid_username", "invalid_nickname"].contains(&body["code"].as_str().unwrap()),
            "{case}"
        );
    }
}

#[actix_web::test]
async fn signup_refuses_bodies_that_are_not_small_json() {
    let app = spawn_app().await;
    let post = |body: String, content_type: &'static str| {
        app.http
            .post(app.url("/api/signup"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };

    let form = post("username=alice".into(), "application/x-www-form-urlencoded")
        .await
        .unwrap();
    let malformed = post("{\"username\":".into(), "application/json")
        .await
        .unwrap();
    let wrong_shape = post("{\"name\":\"alice\"}".into(), "application/json")
        .await
        .unwrap();
    let huge = post(
        format!("{{\"username\":\"{}\"}}", "a".repeat(100_000)),
        "application/json",
    )
    .await
    .unwrap();

    assert_eq!(form.status(), 415);
    assert_eq!(problem(form).await["code"], "unsupported_media_type");
    assert_eq!(malformed.status(), 400);
    assert_eq!(problem(malformed).await["code"], "bad_request");
    assert_eq!(wrong_shape.status(), 400);
    assert_eq!(huge.status(), 413);
    assert_eq!(problem(huge).await["code"], "payload_too_large");
}

#[actix_web::test]
async fn signup_accepts_json_with_a_charset_and_refuses_json_of_the_wrong_types() {
    let app = spawn_app().await;
    Mock::given(method("POST"))
        .and(path("/register/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": "register_abc" })))
        .expect(1)
        .mount(&app.api)
        .await;
    let post = |body: &'static str, content_type: &'static str| {
        app.http
            .post(app.url("/api/signup"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };

    let with_charset = post(r#"{"username":"alice"}"#, "application/json; charset=UTF-8")
        .await
        .unwrap();
    let number = post(r#"{"username":42}"#, "application/json")
        .await
        .unwrap();
    let null = post(r#"{"username":null}"#, "application/json")
        .await
        .unwrap();
    let array = post(r#"[]"#, "application/json").await.unwrap();
    let nickname = post(r#"{"username":"bob","nickname":7}"#, "application/json")
        .await
        .unwrap();

    assert_eq!(with_charset.status(), 200);
    for refused in [number, null, array, nickname] {
        assert_eq!(refused.status(), 400);
        assert_eq!(problem(refused).await["code"], "bad_request");
    }
}
