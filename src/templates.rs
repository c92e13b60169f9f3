//! The pages' template structs. Each one names the data its template may use,
//! so a template can never reach for something the handler did not decide to
//! show. Templates live in `templates/` and all extend `base.html`.

use askama::Template;

/// What every page's layout needs: who is signed in, and the asset version
/// that busts browser caches after a deploy.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The signed-in username, if any (drives the navigation links).
    pub signed_in_as: Option<String>,
    /// Appended to static URLs as `?v=`.
    pub asset_version: &'static str,
}

/// What the official client JS needs, handed to the page through `data-`
/// attributes. Only the *public* key ever reaches a page.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub api_url: String,
    pub api_key: String,
    /// The `integrity` value of the vendored client script.
    pub script_integrity: &'static str,
    /// Path of the vendored client script under `/static`.
    pub script_path: &'static str,
}

impl Layout {
    pub fn signed_out() -> Self {
        Self::for_user(None)
    }

    pub fn for_user(username: Option<&str>) -> Self {
        Self {
            signed_in_as: username.map(str::to_owned),
            asset_version: crate::assets::version(),
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Layout,
}

#[derive(Template)]
#[template(path = "signup.html")]
pub struct SignupPage {
    pub layout: Layout,
    pub client: ClientConfig,
}

#[derive(Template)]
#[template(path = "signin.html")]
pub struct SigninPage {
    pub layout: Layout,
    pub client: ClientConfig,
}

/// One row of the account page's passkey list, already formatted for people.
#[derive(Debug, Clone)]
pub struct PasskeyRow {
    /// base64url credential id, used by the delete button.
    pub credential_id: String,
    /// The nickname given at registration, or a neutral fallback.
    pub name: String,
    /// The authenticator's product name from its AAGUID, when known.
    pub authenticator: Option<String>,
    /// e.g. "3 Dec 2026, 18:48 UTC".
    pub created: String,
    /// e.g. "3 Dec 2026, 18:48 UTC", or "Never".
    pub last_used: String,
    /// The device string Passwordless recorded at the last use, if any.
    pub device: Option<String>,
    /// Backed up / synced to a cloud keychain (the BS flag).
    pub synced: bool,
    /// This passkey is the one used for the current sign-in.
    pub current: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub layout: Layout,
    pub client: ClientConfig,
    pub username: String,
    pub user_id: String,
    pub passkeys: Vec<PasskeyRow>,
}

/// The error page for 404, 405, 500 and friends. `message` is written for
/// people and never carries internals.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: u16,
    pub title: String,
    pub message: String,
}
