//! Request guards and response headers that every route gets:
//!
//! - unsafe methods (POST, PUT, PATCH, DELETE) from another site are refused,
//!   judged by `Sec-Fetch-Site` and `Origin`, which browsers set and pages
//!   cannot forge; requests carrying neither come from non-browser clients,
//!   which cannot ride on a person's cookie, and are let through;
//! - security headers go on every response, errors included, and nothing
//!   but static files may be cached (pages show who is signed in);
//! - an error response without a body (actix's own 404 and 405, the rate
//!   limiter's 429) gets one: a page in the site layout, or a JSON problem
//!   under `/api`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::error::{AppError, Problem, error_page};

/// Not among `http`'s named headers; a constant spares parsing the name
/// on every request.
static SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// How long browsers may keep the files under `/static`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaticCaching {
    /// A day: their URLs carry a digest of the files (`assets::version`), so
    /// a deploy that changes one changes its URL.
    Day,
    /// Ask every time, answered 304 while unchanged: in local mode people
    /// edit the files while the app runs, after the digest was taken.
    Revalidate,
}

impl StaticCaching {
    fn header_value(self) -> &'static str {
        match self {
            Self::Day => "public, max-age=86400",
            Self::Revalidate => "no-cache",
        }
    }
}

/// The site's own origin and the headers it sends, computed once.
#[derive(Debug)]
pub struct SecurityPolicy {
    origin: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    static_caching: StaticCaching,
}

impl SecurityPolicy {
    /// `api_origin` is where the browser client sends its WebAuthn calls,
    /// the one place besides ourselves that pages may connect to.
    pub fn new(origin: &str, api_origin: &str, static_caching: StaticCaching) -> Self {
        let csp = format!(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self' {api_origin}; form-action 'self'; base-uri 'none'; \
             frame-ancestors 'none'"
        );
        let mut headers = vec![
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::REFERRER_POLICY, "no-referrer".to_owned()),
            (header::X_FRAME_OPTIONS, "DENY".to_owned()),
            (HeaderName::from_static("cross-origin-opener-policy"), "same-origin".to_owned()),
            (
                HeaderName::from_static("permissions-policy"),
                "publickey-credentials-create=(self), publickey-credentials-get=(self), camera=(), microphone=(), geolocation=()".to_owned(),
            ),
        ];
        if origin.starts_with("https://") {
            headers.push((
                header::STRICT_TRANSPORT_SECURITY,
                "max-age=31536000".to_owned(),
            ));
        }
        let headers = headers
            .into_iter()
            .map(|(name, value)| {
                let value =
                    HeaderValue::from_str(&value).expect("security header values are ASCII");
                (name, value)
            })
            .collect();
        Self {
            origin: origin.to_owned(),
            headers,
            static_caching,
        }
    }

    /// Whether a request with these headers may change state.
    pub fn allows(&self, method: &Method, fetch_site: Option<&str>, origin: Option<&str>) -> bool {
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return true;
        }
        if let Some(site) = fetch_site {
            return site == "same-origin";
        }
        origin.is_none_or(|origin| origin == self.origin)
    }
}

/// The middleware: guard, call, then decorate the response.
pub async fn protect(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let policy = req
        .app_data::<web::Data<SecurityPolicy>>()
        .cloned()
        .expect("startup registers the SecurityPolicy");
    let is_api = req.path().starts_with("/api/") || req.path() == "/api";
    let is_static = req.path().starts_with("/static/");

    let header_str = |name: &HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok());
    let allowed = policy.allows(
        req.method(),
        header_str(&SEC_FETCH_SITE),
        header_str(&header::ORIGIN),
    );

    let mut response = if allowed {
        let response = next.call(req).await?.map_into_boxed_body();
        fill_bare_error(response, is_api)
    } else {
        let error = AppError::CrossSite;
        log::warn!("refused a cross-site {} to {}", req.method(), req.path());
        req.into_response(respond(&error, is_api))
    };

    // Pages and answers may show who is signed in and are never stored. A
    // 304 renews the browser's copy of a static file, so it says the same.
    let status = response.status();
    let cache = if is_static && (status.is_success() || status == StatusCode::NOT_MODIFIED) {
        policy.static_caching.header_value()
    } else {
        "no-store"
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    for (name, value) in &policy.headers {
        headers.insert(name.clone(), value.clone());
    }
    Ok(response)
}

fn respond(error: &AppError, is_api: bool) -> HttpResponse {
    if is_api {
        Problem::response(error)
    } else {
        error_page(error)
    }
}

/// Gives a body to error responses that were made without one.
fn fill_bare_error(response: ServiceResponse<BoxBody>, is_api: bool) -> ServiceResponse<BoxBody> {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.headers().contains_key(header::CONTENT_TYPE)
    {
        return response;
    }
    let error = match status {
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        StatusCode::TOO_MANY_REQUESTS => AppError::RateLimited,
        StatusCode::PAYLOAD_TOO_LARGE => AppError::BodyTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
        _ => return response,
    };
    let (req, original) = response.into_parts();
    let mut replacement = respond(&error, is_api);
    // Keep what the original carried for clients (`Allow`, rate-limit and
    // retry hints).
    for (name, value) in original.headers() {
        if !replacement.headers().contains_key(name) {
            replacement
                .headers_mut()
                .insert(name.clone(), value.clone());
        }
    }
    ServiceResponse::new(req, replacement)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> SecurityPolicy {
        SecurityPolicy::new(
            "https://example.com",
            "https://v4.passwordless.dev",
            StaticCaching::Day,
        )
    }

    #[test]
    fn same_origin_posts_pass_and_cross_site_posts_do_not() {
        let p = policy();
        assert!(p.allows(
            &Method::POST,
            Some("same-origin"),
            Some("https://example.com")
        ));
        assert!(!p.allows(
            &Method::POST,
            Some("cross-site"),
            Some("https://evil.example")
        ));
        assert!(!p.allows(&Method::POST, Some("same-site"), None));
        assert!(!p.allows(&Method::DELETE, None, Some("https://evil.example")));
        assert!(!p.allows(&Method::POST, None, Some("null")));
        assert!(p.allows(&Method::POST, None, Some("https://example.com")));
    }

    #[test]
    fn reads_pass_from_anywhere_and_non_browser_posts_pass() {
        let p = policy();
        assert!(p.allows(
            &Method::GET,
            Some("cross-site"),
            Some("https://evil.example")
        ));
        assert!(p.allows(&Method::POST, None, None));
    }

    #[test]
    fn the_csp_allows_scripts_from_self_and_connections_to_the_api() {
        let p = policy();
        let csp = &p
            .headers
            .iter()
            .find(|(n, _)| n == header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .1;
        let csp = csp.to_str().unwrap();
        assert!(csp.contains("script-src 'self';"));
        assert!(csp.contains("connect-src 'self' https://v4.passwordless.dev;"));
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}
