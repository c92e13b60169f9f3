use reqwest::header::CONTENT_TYPE;

use crate::helpers::{PUBLIC_KEY, SECRET, spawn_app};

#[actix_web::test]
async fn the_public_pages_render_in_the_layout() {
    let app = spawn_app().await;

    for path in ["/", "/signup", "/signin"] {
        let response = app.get(path).await;

        assert_eq!(response.status(), 200, "{path}");
        assert!(
            response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = response.text().await.unwrap();
        assert!(html.contains("<main"), "{path} uses the layout");
        assert!(!html.contains(SECRET), "{path} never shows the secret");
        assert!(!html.contains("<script>"), "{path} has no inline script");
    }
}

#[actix_web::test]
async fn pages_hand_the_public_key_and_api_url_to_the_client_script() {
    let app = spawn_app().await;

    let html = app.get("/signin").await.text().await.unwrap();

    assert!(html.contains(PUBLIC_KEY));
    assert!(html.contains(&app.api.uri()));
    assert!(
        html.contains("integrity=\"sha384-"),
        "the vendored client is pinned by hash"
    );
    assert!(html.contains("autocomplete=\"username webauthn\""));
}

#[actix_web::test]
async fn an_unknown_page_is_a_404_page_in_the_layout() {
    let app = spawn_app().await;

    let response = app.get("/no/such/page").await;

    assert_eq!(response.status(), 404);
    assert!(
        response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("<main"));
    assert!(html.contains("Not Found"));
}

#[actix_web::test]
async fn a_wrong_method_is_a_405_page_and_a_405_problem_under_api() {
    let app = spawn_app().await;

    let page = app.http.post(app.url("/signup")).send().await.unwrap();
    let api = app.get("/api/signup").await;

    assert_eq!(page.status(), 405);
    assert!(page.text().await.unwrap().contains("<main"));
    assert_eq!(api.status(), 405);
    assert_eq!(
        crate::helpers::problem(api).await["code"],
        "method_not_allowed"
    );
}

#[actix_web::test]
async fn an_unknown_api_path_is_a_json_problem() {
    let app = spawn_app().await;

    let response = app.get("/api/nothing-here").await;

    assert_eq!(response.status(), 404);
    assert_eq!(crate::helpers::problem(response).await["code"], "not_found");
}

#[actix_web::test]
async fn static_files_are_served() {
    let app = spawn_app().await;

    let css = app.get("/static/css/site.css").await;

    assert_eq!(css.status(), 200);
    assert!(
        css.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

#[actix_web::test]
async fn head_requests_are_answered_like_get_without_a_body() {
    let app = spawn_app().await;

    for (path, status) in [
        ("/", 200),
        ("/signup", 200),
        ("/signin", 200),
        ("/healthz", 200),
        ("/account", 303),
    ] {
        let response = app.http.head(app.url(path)).send().await.unwrap();

        assert_eq!(response.status(), status, "HEAD {path}");
        assert!(response.text().await.unwrap().is_empty(), "HEAD {path}");
    }
}

#[actix_web::test]
async fn static_paths_that_are_not_files_are_404_pages_in_the_layout() {
    let app = spawn_app().await;

    for path in [
        "/static/",
        "/static/css",
        "/static/css/",
        "/static/.env",
        "/static/a%2fb",
        "/static/no-such-file.js",
    ] {
        let response = app.get(path).await;

        assert_eq!(response.status(), 404, "{path}");
        assert!(
            response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains("<main"), "{path} uses the layout");
        assert!(!html.contains("index file"), "{path}: {html}");
    }
}

#[actix_web::test]
async fn posting_to_a_static_file_is_a_405_page_in_the_layout() {
    let app = spawn_app().await;

    let response = app
        .http
        .post(app.url("/static/css/site.css"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 405);
    assert!(response.headers().contains_key("allow"));
    let html = response.text().await.unwrap();
    assert!(html.contains("<main"));
    assert!(html.contains("Method Not Allowed"));
}

#[actix_web::test]
async fn a_404_page_keeps_the_navigation_of_a_signed_in_person() {
    let app = spawn_app().await;
    app.sign_in_as("user-1", "alice", "AAEC").await;

    let response = app.get("/no/such/page").await;

    assert_eq!(response.status(), 404);
    let html = response.text().await.unwrap();
    assert!(html.contains("href=\"/account\""), "{html}");
    assert!(!html.contains("href=\"/signin\""), "{html}");
}

#[actix_web::test]
async fn a_405_page_keeps_the_navigation_of_a_signed_in_person() {
    let app = spawn_app().await;
    app.sign_in_as("user-1", "alice", "AAEC").await;

    // What the account page's sign-out form does when its script is missing.
    let response = app
        .http
        .post(app.url("/account"))
        .header("Origin", &app.origin)
        .header("Sec-Fetch-Site", "same-origin")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, HEAD");
    let html = response.text().await.unwrap();
    assert!(html.contains("Method Not Allowed"), "{html}");
    assert!(html.contains("href=\"/account\""), "{html}");
    assert!(!html.contains("href=\"/signin\""), "{html}");
}
