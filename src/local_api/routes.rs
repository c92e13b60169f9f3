//! Every route of the local API, registered in one place.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::problem::Problem;
use super::{backend, browser};

/// Request bodies larger than this are refused; WebAuthn payloads are a few KiB.
const BODY_LIMIT_BYTES: usize = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(BODY_LIMIT_BYTES))
        .route("/", web::get().to(home))
        // Backend endpoints (ApiSecret).
        .route("/register/token", web::post().to(backend::register_token))
        .route("/signin/verify", web::post().to(backend::signin_verify))
        .route(
            "/signin/generate-token",
            web::post().to(backend::signin_generate_token),
        )
        .route("/alias", web::post().to(backend::alias_set))
        .route("/alias/list", web::get().to(backend::alias_list))
        .route(
            "/credentials/list",
            web::get().to(backend::credentials_list_get),
        )
        .route(
            "/credentials/list",
            web::post().to(backend::credentials_list_post),
        )
        .route(
            "/credentials/delete",
            web::post().to(backend::credentials_delete),
        )
        .route("/users/list", web::get().to(backend::users_list))
        .route("/users/count", web::get().to(backend::users_count))
        .route("/users/delete", web::post().to(backend::users_delete))
        // Browser endpoints (ApiKey).
        .route("/register/begin", web::post().to(browser::register_begin))
        .route(
            "/register/complete",
            web::post().to(browser::register_complete),
        )
        .route("/signin/begin", web::post().to(browser::signin_begin))
        .route("/signin/complete", web::post().to(browser::signin_complete))
        .default_service(web::to(not_found));
}

/// What the real service answers at its root, and a cheap readiness probe.
async fn home() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("This is the local Passwordless API. This place is for computers.")
}

async fn not_found() -> Result<HttpResponse, Problem> {
    Err(Problem::framework(StatusCode::NOT_FOUND, "Not Found."))
}
