//! Every route of the local API, registered in one place.

use actix_web::dev::Handler;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpResponse, Resource, Responder, ResponseError, web};

use super::problem::Problem;
use super::{backend, browser};

/// Request bodies larger than this are refused; WebAuthn payloads are a few KiB.
const BODY_LIMIT_BYTES: usize = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(BODY_LIMIT_BYTES))
        .route("/", web::get().to(home))
        // Backend endpoints (ApiSecret).
        .service(post("/register/token", backend::register_token))
        .service(post("/signin/verify", backend::signin_verify))
        .service(post(
            "/signin/generate-token",
            backend::signin_generate_token,
        ))
        .service(post("/alias", backend::alias_set))
        .service(get("/alias/list", backend::alias_list))
        .service(
            web::resource("/credentials/list")
                .route(web::get().to(backend::credentials_list_get))
                .route(web::post().to(backend::credentials_list_post))
                .default_service(web::to(|| method_not_allowed("GET, POST"))),
        )
        .service(post("/credentials/delete", backend::credentials_delete))
        .service(get("/users/list", backend::users_list))
        .service(get("/users/count", backend::users_count))
        .service(post("/users/delete", backend::users_delete))
        // Browser endpoints (ApiKey).
        .service(post("/register/begin", browser::register_begin))
        .service(post("/register/complete", browser::register_complete))
        .service(post("/signin/begin", browser::signin_begin))
        .service(post("/signin/complete", browser::signin_complete))
        .default_service(web::to(not_found));
}

/// A POST-only resource; other methods get a 405 (preflights never get here).
fn post<F, Args>(path: &str, handler: F) -> Resource
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::resource(path)
        .route(web::post().to(handler))
        .default_service(web::to(|| method_not_allowed("POST")))
}

/// A GET-only resource; other methods get a 405.
fn get<F, Args>(path: &str, handler: F) -> Resource
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::resource(path)
        .route(web::get().to(handler))
        .default_service(web::to(|| method_not_allowed("GET")))
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
