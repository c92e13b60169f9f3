//! Every route of the local API, registered in one place.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, Resource, ResponseError, Route, web};

use super::problem::Problem;
use super::{backend, browser};

/// Request bodies larger than this are refused; WebAuthn payloads are a few KiB.
const BODY_LIMIT_BYTES: usize = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post};
    cfg.app_data(web::PayloadConfig::new(BODY_LIMIT_BYTES))
        .route("/", get().to(home))
        // Backend endpoints (ApiSecret).
        .service(only(
            "/register/token",
            "POST",
            post().to(backend::register_token),
        ))
        .service(only(
            "/signin/verify",
            "POST",
            post().to(backend::signin_verify),
        ))
        .service(only(
            "/signin/generate-token",
            "POST",
            post().to(backend::signin_generate_token),
        ))
        .service(only("/alias", "POST", post().to(backend::alias_set)))
        .service(only("/alias/list", "GET", get().to(backend::alias_list)))
        .service(
            only(
                "/credentials/list",
                "GET, POST",
                get().to(backend::credentials_list_get),
            )
            .route(post().to(backend::credentials_list_post)),
        )
        .service(only(
            "/credentials/delete",
            "POST",
            post().to(backend::credentials_delete),
        ))
        .service(only("/users/list", "GET", get().to(backend::users_list)))
        .service(only("/users/count", "GET", get().to(backend::users_count)))
        .service(only(
            "/users/delete",
            "POST",
            post().to(backend::users_delete),
        ))
        // Browser endpoints (ApiKey).
        .service(only(
            "/register/begin",
            "POST",
            post().to(browser::register_begin),
        ))
        .service(only(
            "/register/complete",
            "POST",
            post().to(browser::register_complete),
        ))
        .service(only(
            "/signin/begin",
            "POST",
            post().to(browser::signin_begin),
        ))
        .service(only(
            "/signin/complete",
            "POST",
            post().to(browser::signin_complete),
        ))
        .default_service(web::to(not_found));
}

/// A resource whose other methods get a 405 naming the `allow`ed ones
/// (preflights never get here).
fn only(path: &str, allow: &'static str, route: Route) -> Resource {
    web::resource(path)
        .route(route)
        .default_service(web::to(move || method_not_allowed(allow)))
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

/// The path exists but not for this method, as ASP.NET answers it.
async fn method_not_allowed(allow: &'static str) -> HttpResponse {
    let mut response =
        Problem::framework(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed.").error_response();
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static(allow));
    response
}
