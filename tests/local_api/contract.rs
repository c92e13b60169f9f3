//! Shapes, casing, errors and CORS headers of each endpoint.

use serde_json::{Value, json};

use crate::helpers::{ORIGIN, RP_ID, ok_json, problem, spawn_api, token_of};

#[tokio::test]
async fn preflights_are_answered_for_any_origin_and_the_clients_headers() {
    // Arrange
    let api = spawn_api().await;

    // Act
    let response = api
        .http
        .request(reqwest::Method::OPTIONS, api.url("/register/begin"))
        .header("Origin", "http://localhost:8080")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "apikey,client-version,content-type",
        )
        .send()
        .await
        .unwrap();

    // Assert
    assert!(response.status().is_success());
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert!(
        headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert!(
        headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("apikey")
    );
}

#[tokio::test]
async fn a_missing_secret_is_a_401_problem_with_a_challenge() {
    // Arrange
    let api = spawn_api().await;

    // Act
    let response = api.http.get(api.url("/users/count")).send().await.unwrap();

    // Assert
    assert_eq!(response.headers()["www-authenticate"], "ApiSecret");
    let body = problem(response, 401).await;
    assert_eq!(body["title"], "A valid 'ApiSecret' header is required.");
    assert_eq!(
        body["type"],
        "https://docs.passwordless.dev/guide/errors.html#ApiSecret"
    );
    assert_eq!(body["detail"], "A valid 'ApiSecret' header is required.");
    assert!(body.get("errorCode").is_none());
}

#[tokio::test]
async fn a_public_key_sent_as_the_secret_is_named_in_the_hint() {
    // Arrange
    let api = spawn_api().await;

    // Act
    let response = api
        .http
        .get(api.url("/users/count"))
        .header("ApiSecret", &api.public_key)
        .send()
        .await
        .unwrap();

    // Assert
    let body = problem(response, 401).await;
    assert_eq!(
        body["detail"],
        "Your ApiSecret header contained a public ApiKey instead of your 'ApiSecret'."
    );
}

#[tokio::test]
async fn a_secret_sent_as_the_api_key_is_refused_with_the_apikey_challenge() {
    // Arrange
    let api = spawn_api().await;

    // Act
    let response = api
        .http
        .post(api.url("/signin/begin"))
        .header("ApiKey", &api.secret)
        .json(&json!({ "RPID": RP_ID, "Origin": ORIGIN }))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(response.headers()["www-authenticate"], "ApiKey");
    let body = problem(response, 401).await;
    assert_eq!(
        body["detail"],
        "Your ApiKey header contained a ApiSecret instead of your 'ApiKey'."
    );
}

#[tokio::test]
async fn a_register_token_without_user_id_is_a_validation_problem() {
    // Arrange
    let api = spawn_api().await;

    // Act
    let response = api
        .backend_post("/register/token", json!({ "username": "alice" }))
        .await;

    // Assert
    let body = problem(response, 400).await;
    assert_eq!(body["title"], "One or more validation errors occurred.");
    assert_eq!(
        body["errors"],
        json!({ "userId": ["The UserId field is required."] })
    );
}

#[tokio::test]
async fn request_keys_are_matched_without_regard_to_case() {
    // Arrange
    let api = spawn_api().await;

    // Act
    let response = api
        .backend_post(
            "/register/token",
            json!({ "USERID": "u1", "UserName": "alice" }),
        )
        .await;

    // Assert
    assert!(token_of(response).await.starts_with("register_"));
}

#[tokio::test]
async fn an_alias_of_another_user_conflicts_at_register_token_and_at_alias() {
    // Arrange
    let api = spawn_api().await;
    let set = api
        .backend_post("/alias", json!({ "userId": "u1", "aliases": ["alice"] }))
        .await;
    assert_eq!(set.status(), 204);

    // Act
    let token = api
        .backend_post(
            "/register/token",
            json!({ "userId": "u2", "username": "alice", "aliases": ["alice"] }),
        )
        .await;
    let alias = api
        .backend_post("/alias", json!({ "userId": "u2", "aliases": ["alice"] }))
        .await;

    // Assert
    for response in [token, alias] {
        let body = problem(response, 409).await;
        assert_eq!(body["errorCode"], "alias_conflict");
        assert_eq!(body["title"], "Alias is already in use by another userid");
    }
}

#[tokio::test]
async fn too_many_or_too_long_aliases_are_refused() {
    // Arrange
    let api = spawn_api().await;
    let eleven: Vec<String> = (0..11).map(|i| format!("alias-{i}")).collect();

    // Act
    let many = api
        .backend_post("/alias", json!({ "userId": "u1", "aliases": eleven }))
        .await;
    let long = api
        .backend_post(
            "/alias",
            json!({ "userId": "u1", "aliases": ["x".repeat(251)] }),
        )
        .await;

    // Assert
    assert!(problem(many, 400).await["errors"]["aliases"].is_array());
    assert!(problem(long, 400).await["errors"]["aliases"].is_array());
}

#[tokio::test]
async fn aliases_keep_their_plaintext_only_when_hashing_is_off() {
    // Arrange
    let api = spawn_api().await;
    api.backend_post(
        "/alias",
        json!({ "userId": "u1", "aliases": ["Alice"], "hashing": false }),
    )
    .await;
    api.backend_post("/alias", json!({ "userId": "u2", "aliases": ["bob"] }))
        .await;

    // Act
    let plain = ok_json(api.backend_get("/alias/list?userid=u1").await).await;
    let hashed = ok_json(api.backend_get("/alias/list?userId=u2").await).await;

    // Assert
    let plain = &plain["values"][0];
    assert_eq!(plain["plaintext"], "Alice");
    assert_eq!(plain["tenant"], "local");
    assert_eq!(plain["alias"].as_str().unwrap().len(), 44);
    assert_eq!(hashed["values"][0]["plaintext"], Value::Null);
}

#[tokio::test]
async fn alias_list_without_a_user_id_is_a_problem_without_a_code() {
    // Arrange
    let api = spawn_api().await;

    // Act
    let response = api.backend_get("/alias/list").await;

    // Assert
    let body = problem(response, 400).await;
    assert_eq!(body["title"], "UserId is empty");
    assert_eq!(body["errorCode"], Value::Null);
}

#[tokio::test]
async fn users_are_listed_counted_and_deleted() {
    // Arrange
    let api = spawn_api().await;
    api.backend_post(
        "/alias",
        json!({ "userId": "u1", "aliases": ["a"], "hashing": false }),
    )
    .await;

    // Act
    let listed = ok_json(api.backend_get("/users/list").await).await;
    let counted = ok_json(api.backend_get("/users/count").await).await;
    let deleted = api
        .backend_post("/users/delete", json!({ "userId": "u1" }))
        .await;

    // Assert
    assert_eq!(
        listed["values"],
        json!([{ "userId": "u1", "aliasCount": 1, "aliases": ["a"], "credentialsCount": 0, "lastUsedAt": null }])
    );
    assert_eq!(
        counted,
        json!({ "count": 0 }),
        "only users with credentials count"
    );
    assert_eq!(deleted.status(), 200);
    assert_eq!(deleted.text().await.unwrap(), "");
    let after = ok_json(api.backend_get("/users/list").await).await;
    assert_eq!(after["values"], json!([]));
}

#[tokio::test]
async fn credentials_of_an_unknown_user_are_an_empty_list_by_get_and_post() {
    // Arrange
    let api = spawn_api().await;

    // Act
    let by_get = ok_json(api.backend_get("/credentials/list?userId=nobody").await).await;
    let by_post = ok_json(
        api.backend_post("/credentials/list", json!({ "userId": "nobody" }))
            .await,
    )
    .await;

    // Assert
    assert_eq!(by_get, json!({ "values": [] }));
    assert_eq!(by_post, json!({ "values": [] }));
}

#[tokio::test]
async fn a_generated_token_verifies_with_null_ceremony_fields() {
    // Arrange
    let api = spawn_api().await;
    let token = token_of(
        api.backend_post(
            "/signin/generate-token",
            json!({ "userId": "u1", "timeToLive": 30 }),
        )
        .await,
    )
    .await;

    // Act
    let verified = ok_json(api.verify(&token).await).await;

    // Assert
    assert_eq!(verified["type"], "generated_signin");
    assert_eq!(verified["purpose"], "sign-in");
    assert_eq!(verified["credentialId"], Value::Null);
    assert_eq!(verified["device"], Value::Null);
    assert_eq!(verified["rpId"], Value::Null);
}

#[tokio::test]
async fn bad_verify_tokens_get_the_contract_codes() {
    // Arrange
    let api = spawn_api().await;
    let cases = [
        (json!({}), "missing_token"),
        (json!({ "token": "register_abc" }), "invalid_token"),
        (json!({ "token": "verify_***" }), "invalid_token_format"),
        (
            json!({ "token": "verify_QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ" }),
            "invalid_token",
        ),
    ];

    for (body, code) in cases {
        // Act
        let response = api.backend_post("/signin/verify", body.clone()).await;

        // Assert
        let problem = problem(response, 400).await;
        assert_eq!(problem["errorCode"], code, "for {body}");
    }
}

#[tokio::test]
async fn register_begin_without_origin_is_a_problem_without_a_code() {
    // Arrange
    let api = spawn_api().await;
    let token = api.register_token("u1", &[]).await;

    // Act
    let response = api
        .browser_post("/register/begin", json!({ "token": token, "RPID": RP_ID }))
        .await;

    // Assert
    let body = problem(response, 400).await;
    assert_eq!(body["title"], "Origin is required.");
    assert_eq!(body["errorCode"], Value::Null);
}

#[tokio::test]
async fn unknown_paths_and_malformed_json_get_json_problems() {
    // Arrange
    let api = spawn_api().await;

    // Act
    let unknown = api.backend_get("/no/such/path").await;
    let malformed = api
        .http
        .post(api.url("/register/token"))
        .header("ApiSecret", &api.secret)
        .header("Content-Type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();

    // Assert
    problem(unknown, 404).await;
    problem(malformed, 400).await;
}

#[tokio::test]
async fn numbers_are_accepted_where_strings_are_expected() {
    // Arrange
    let api = spawn_api().await;

    // Act
    let set = api
        .backend_post(
            "/alias",
            json!({ "userId": 42, "aliases": [5550100], "hashing": false }),
        )
        .await;
    let listed = ok_json(api.backend_get("/alias/list?userId=42").await).await;
    let begun = api
        .browser_post(
            "/signin/begin",
            json!({ "alias": 5550100, "RPID": RP_ID, "Origin": ORIGIN }),
        )
        .await;

    // Assert
    assert_eq!(set.status(), 204, "{}", set.text().await.unwrap());
    assert_eq!(listed["values"][0]["plaintext"], "5550100");
    assert_eq!(ok_json(begun).await["data"]["allowCredentials"], json!([]));
}

#[tokio::test]
async fn a_huge_body_is_refused_with_a_json_problem() {
    // Arrange
    let api = spawn_api().await;
    let huge = json!({ "userId": "u1", "username": "x".repeat(1024 * 1024) });

    // Act
    let response = api.backend_post("/register/token", huge).await;

    // Assert
    problem(response, 413).await;
}

#[tokio::test]
async fn alias_lengths_are_counted_in_utf16_units_like_the_real_service() {
    // Arrange
    let api = spawn_api().await;
    // 200 characters, but 400 UTF-16 units: over the limit of 250.
    let emoji = "\u{1F600}".repeat(200);

    // Act
    let response = api
        .backend_post("/alias", json!({ "userId": "u1", "aliases": [emoji] }))
        .await;

    // Assert
    assert!(problem(response, 400).await["errors"]["aliases"].is_array());
}

#[tokio::test]
async fn a_known_path_with_the_wrong_method_is_a_405_problem() {
    // Arrange
    let api = spawn_api().await;

    // Act
    let get_token = api.backend_get("/register/token").await;
    let post_count = api.backend_post("/users/count", json!({})).await;

    // Assert
    assert_eq!(get_token.headers()["allow"], "POST");
    problem(get_token, 405).await;
    assert_eq!(post_count.headers()["allow"], "GET");
    problem(post_count, 405).await;
}
