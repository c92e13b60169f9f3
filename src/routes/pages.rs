//! Server-rendered pages. Each handler reads the session, asks the API for
//! what the page shows, and renders one template.

use actix_session::Session;
use actix_web::http::header::{self, ContentType, HeaderValue};
use actix_web::{HttpResponse, web};
use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{Datelike, Timelike};

use crate::aaguid::authenticator_name;
use crate::error::{AppError, PageError, error_page_in};
use crate::passwordless::{ApiDateTime, Credential, PasswordlessClient};
use crate::session::{self, SignedIn};
use crate::state::AppState;
use crate::templates::{AccountPage, HomePage, Layout, PasskeyRow, SigninPage, SignupPage};

pub async fn home(session: Session) -> Result<HttpResponse, PageError> {
    render(&HomePage {
        layout: layout(&session),
    })
}

pub async fn signup(
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    render(&SignupPage {
        layout: layout(&session),
        client: state.client.clone(),
    })
}

pub async fn signin(
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    render(&SigninPage {
        layout: layout(&session),
        client: state.client.clone(),
    })
}

pub async fn account(
    session: Session,
    state: web::Data<AppState>,
    client: web::ThinData<PasswordlessClient>,
) -> Result<HttpResponse, PageError> {
    let user = session::current_user(&session)?;

    let mut credentials = match client.list_credentials(&user.user_id).await {
        Ok(credentials) => credentials,
        Err(error) => return Ok(PageError::from(error).page_for(&user.username)),
    };
    credentials.sort_by_key(|c| std::cmp::Reverse(c.created_at));

    render(&AccountPage {
        layout: Layout::for_user(Some(&user.username)),
        client: state.client.clone(),
        passkeys: credentials.iter().map(|c| passkey_row(c, &user)).collect(),
        username: user.username,
        user_id: user.user_id,
    })
}

/// Rendered here rather than returned as an error, so a signed-in person
/// keeps the navigation of a signed-in person.
pub async fn not_found(session: Session) -> HttpResponse {
    error_page_in(&AppError::NotFound, layout(&session))
}

/// For a page's other methods.
pub async fn method_not_allowed(session: Session) -> HttpResponse {
    method_not_allowed_page(layout(&session))
}

/// The 405 page of anything that answers GET and HEAD only, which `Allow`
/// names: pages and static files.
pub(super) fn method_not_allowed_page(layout: Layout) -> HttpResponse {
    let mut response = error_page_in(&AppError::MethodNotAllowed, layout);
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    response
}

fn layout(session: &Session) -> Layout {
    Layout::for_user(
        session::signed_in(session)
            .as_ref()
            .map(|u| u.username.as_str()),
    )
}

fn render(page: &impl Template) -> Result<HttpResponse, PageError> {
    let html = page.render().map_err(AppError::from)?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(html))
}

fn passkey_row(credential: &Credential, user: &SignedIn) -> PasskeyRow {
    let id = &credential.descriptor.id;
    PasskeyRow {
        credential_id: id.clone(),
        name: credential
            .nickname
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "Unnamed passkey".to_owned()),
        authenticator: credential
            .aa_guid
            .as_deref()
            .and_then(authenticator_name)
            .map(str::to_owned),
        created: credential
            .created_at
            .map(human_date)
            .unwrap_or_else(|| "Unknown".to_owned()),
        last_used: credential
            .last_used_at
            .map(human_date)
            .unwrap_or_else(|| "Never".to_owned()),
        device: credential.device.clone().filter(|d| !d.is_empty()),
        synced: credential.backup_state.unwrap_or(false),
        current: user.credential_id.as_deref() == Some(id.as_str()),
    }
}

/// `21 Apr 2023, 13:33 UTC`, put together by hand: chrono's `format` would
/// parse its format string again for every date on every page.
fn human_date(date: ApiDateTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let at = date.0;
    format!(
        "{} {} {}, {:02}:{:02} UTC",
        at.day(),
        MONTHS[at.month0() as usize],
        at.year(),
        at.hour(),
        at.minute()
    )
}

/// The verify response carries the credential id in standard base64; lists
/// carry base64url. The session keeps the list form, to compare with it.
pub(crate) fn base64url_from_standard(id: &str) -> Option<String> {
    STANDARD
        .decode(id)
        .ok()
        .map(|bytes| URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_day_month_year_and_utc_time() {
        let date = ApiDateTime::parse("2023-04-01T09:05:50.0764103").unwrap();
        assert_eq!(human_date(date), "1 Apr 2023, 09:05 UTC");
        let date = ApiDateTime::parse("2024-12-31T23:59:59Z").unwrap();
        assert_eq!(human_date(date), "31 Dec 2024, 23:59 UTC");
    }

    #[test]
    fn credential_ids_convert_from_standard_base64_to_base64url() {
        assert_eq!(
            base64url_from_standard("Mq1ZhrHBmhly34YaO/uuXuNuf/VCHDkuknENz/LZJR4=").as_deref(),
            Some("Mq1ZhrHBmhly34YaO_uuXuNuf_VCHDkuknENz_LZJR4")
        );
        assert_eq!(base64url_from_standard("not base64!"), None);
    }
}
