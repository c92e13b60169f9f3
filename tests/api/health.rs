use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::spawn_app;

#[actix_web::test]
async fn liveness_needs_nothing_but_the_process() {
    let app = spawn_app().await;

    let response = app.get("/healthz").await;

    assert_eq!(response.status(), 200);
}

#[actix_web::test]
async fn readiness_follows_the_api() {
    let app = spawn_app().await;
    let not_yet = app.get("/readyz").await;
    Mock::given(method("GET"))
        .and(path("/users/count"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({ "count": 3 })))
        .mount(&app.api)
        .await;

    let ready = app.get("/readyz").await;

    assert_eq!(not_yet.status(), 503);
    assert_eq!(ready.status(), 200);
}

#[actix_web::test]
async fn a_ready_answer_stands_for_the_next_probes_instead_of_asking_the_api_each_time() {
    let app = spawn_app().await;
    Mock::given(method("GET"))
        .and(path("/users/count"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({ "count": 3 })))
        .expect(1)
        .mount(&app.api)
        .await;

    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(app.get("/readyz").await.status().as_u16());
    }

    assert_eq!(statuses, [200; 5]);
    app.api.verify().await;
}
