//! The browser calls the local API cross-origin with custom headers, so every
//! call is preceded by a CORS preflight. This middleware answers preflights,
//! puts `Access-Control-Allow-Origin: *` on every response (errors included),
//! and turns any error the framework produced itself (unknown path, body too
//! large) into a JSON problem, because the official client parses every
//! response body as JSON.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, ResponseError};

use super::problem::{PROBLEM_JSON, Problem};

/// Headers the official client and backends send.
const ALLOWED_HEADERS: &str = "apikey, apisecret, client-version, content-type";

pub async fn cors_and_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if req.method() == Method::OPTIONS {
        let requested = req
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .cloned()
            .unwrap_or(HeaderValue::from_static(ALLOWED_HEADERS));
        let response = HttpResponse::NoContent()
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, requested))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
            .finish();
        let mut response = req.into_response(response);
        add_common_headers(response.headers_mut());
        return Ok(response);
    }

    // Handlers' errors arrive here as responses already; an `Err` could only
    // come from a middleware inside this one, and there is none.
    let response = next.call(req).await?.map_into_boxed_body();
    let mut response = if needs_problem_body(&response) {
        let status = response.status();
        let title = status.canonical_reason().unwrap_or("Error");
        let body = Problem::framework(status, format!("{title}.")).error_response();
        response.into_response(body)
    } else {
        response
    };
    add_common_headers(response.headers_mut());
    Ok(response)
}

fn needs_problem_body(response: &ServiceResponse<BoxBody>) -> bool {
    let status: StatusCode = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    (status.is_client_error() || status.is_server_error()) && !is_problem
}

fn add_common_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    // The real service's security headers.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self';"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}
