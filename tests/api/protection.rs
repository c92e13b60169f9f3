use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{problem, spawn_app, spawn_app_with};

#[actix_web::test]
async fn a_cross_site_post_is_refused_before_it_reaches_the_api() {
    let app = spawn_app().await;
    Mock::given(method("POST"))
        .and(path("/register/token"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&app.api)
        .await;

    let by_origin = app
        .http
        .post(app.url("/api/signup"))
        .header("Origin", "https://evil.example")
        .json(&json!({ "username": "alice" }))
        .send()
        .await
        .unwrap();
    let by_fetch_metadata = app
        .http
        .post(app.url("/api/signup"))
        .header("Sec-Fetch-Site", "cross-site")
        .json(&json!({ "username": "alice" }))
        .send()
        .await
        .unwrap();

    assert_eq!(by_origin.status(), 403);
    assert_eq!(problem(by_origin).await["code"], "cross_site");
    assert_eq!(by_fetch_metadata.status(), 403);
}

#[actix_web::test]
async fn a_cross_site_sign_out_leaves_the_session_alone() {
    let app = spawn_app().await;
    app.sign_in_as("user-1", "alice", "AAEC").await;
    app.api_has_credentials("user-1", vec![]).await;

    let response = app
        .http
        .post(app.url("/api/signout"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
    assert_eq!(app.get("/account").await.status(), 200);
}

#[actix_web::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;

    for path in ["/", "/signin", "/nope", "/api/nope", "/static/css/site.css"] {
        let response = app.get(path).await;
        let headers = response.headers();

        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{path}");
        assert!(
            csp.contains(&format!("connect-src 'self' {}", app.api.uri())),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        let cache = headers["cache-control"].to_str().unwrap();
        if path.starts_with("/static/") {
            assert!(cache.starts_with("public"), "{path}: {cache}");
        } else {
            assert_eq!(cache, "no-store", "{path}");
        }
    }
}

/// The `?v=` of the page's own script, as the sign-in page links it.
fn script_version(page: &str) -> &str {
    let start = page
        .find("/static/js/passkeys.js?v=")
        .expect("the page links passkeys.js")
        + "/static/js/passkeys.js?v=".len();
    let end = start + page[start..].find('"').expect("the URL ends");
    &page[start..end]
}

#[actix_web::test]
async fn static_urls_carry_a_digest_of_the_files_and_are_cached_for_a_day() {
    let app = spawn_app().await;

    let page = app.get("/signin").await.text().await.unwrap();
    let version = script_version(&page).to_owned();
    let script = app
        .get(&format!("/static/js/passkeys.js?v={version}"))
        .await;

    assert_eq!(version.len(), 12, "{version}");
    assert!(version.bytes().all(|b| b.is_ascii_hexdigit()), "{version}");
    assert_eq!(script.status(), 200);
    assert_eq!(script.headers()["cache-control"], "public, max-age=86400");
}

#[cfg(feature = "local-api")]
#[actix_web::test]
async fn in_local_mode_static_files_are_checked_again_on_every_load() {
    // People edit the scripts while `cargo run` runs; a day of caching would
    // keep showing them the old ones.
    let address = crate::helpers::spawn_app_in_local_mode().await;
    let http = reqwest::Client::new();

    let script = http
        .get(format!("{address}/static/js/passkeys.js"))
        .send()
        .await
        .unwrap();
    let etag = script.headers()["etag"].clone();
    let again = http
        .get(format!("{address}/static/js/passkeys.js"))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();

    assert_eq!(script.headers()["cache-control"], "no-cache");
    assert_eq!(again.status(), 304, "unchanged files are not sent again");
    assert_eq!(again.headers()["cache-control"], "no-cache");
}

#[actix_web::test]
async fn token_endpoints_are_rate_limited_per_client() {
    let app = spawn_app_with(&[("RATE_LIMIT_PER_MINUTE", "2")]).await;
    Mock::given(method("POST"))
        .and(path("/register/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": "register_abc" })))
        .expect(2)
        .mount(&app.api)
        .await;

    let first = app.signup("alice").await;
    let second = app.signup("bob").await;
    let third = app.signup("carol").await;

    assert_eq!(first.status(), 200);
    assert_eq!(second.status(), 200);
    assert_eq!(third.status(), 429);
    assert_eq!(problem(third).await["code"], "rate_limited");
    assert_eq!(
        app.get("/signin").await.status(),
        200,
        "pages are not limited"
    );
}
