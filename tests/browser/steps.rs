//! Steps that several flows share, written as a person does them.

use crate::harness::{BrowserTest, Step, ensure};

/// Signs up as `username` with the authenticator's passkey and lands on the
/// account page.
pub async fn sign_up(browser: &BrowserTest, username: &str) -> Step {
    sign_up_naming_the_passkey(browser, username, "").await
}

/// Signs up as `username`, naming the first passkey `passkey_name`.
pub async fn sign_up_naming_the_passkey(
    browser: &BrowserTest,
    username: &str,
    passkey_name: &str,
) -> Step {
    browser.visit("/signup").await?;
    browser.type_into("#username", username).await?;
    if !passkey_name.is_empty() {
        browser.type_into("#nickname", passkey_name).await?;
    }
    browser.click("#signup-button").await?;
    browser.wait_for_url("/account").await?;
    browser.wait_for_text("#account-username", username).await
}

/// Signs out from the account page.
pub async fn sign_out(browser: &BrowserTest) -> Step {
    browser.click("#signout-button").await?;
    browser.wait_for_url("/").await
}

/// Opens the sign-in page with autofill left pending, as for a person who
/// ignores the browser's suggestion (see `set_automatic_presence`), and
/// lets the authenticator answer the explicit request that follows.
pub async fn open_sign_in_ignoring_autofill(browser: &BrowserTest) -> Step {
    browser.set_automatic_presence(false).await?;
    browser.visit("/signin").await?;
    browser.wait_for_autofill_request().await?;
    browser.set_automatic_presence(true).await
}

/// The names of the passkeys listed on the account page, in order.
pub async fn passkey_names(browser: &BrowserTest) -> Step<Vec<String>> {
    browser
        .eval(
            "[...document.querySelectorAll('#passkeys li.passkey .passkey-name')]\
             .map(e => e.textContent.trim())",
        )
        .await
}

/// Clicks "Delete" on the passkey listed as `name`, which opens the
/// confirmation dialog.
pub async fn ask_to_delete(browser: &BrowserTest, name: &str) -> Step {
    let id: Option<String> = browser
        .eval(&format!(
            "[...document.querySelectorAll('#passkeys li.passkey')]\
             .find(li => li.querySelector('.passkey-name')?.textContent.trim() === {})\
             ?.dataset.credentialId ?? null",
            serde_json::Value::String(name.to_owned())
        ))
        .await?;
    let Some(id) = id else {
        return Err(crate::harness::Failure::new(format!(
            "no passkey named {name:?} is listed; the list is {:?}",
            passkey_names(browser).await?
        )));
    };
    browser
        .click(&format!(
            "#passkeys li.passkey[data-credential-id=\"{id}\"] button.passkey-delete"
        ))
        .await?;
    browser
        .wait_for_count("dialog#confirm-delete[open]", 1)
        .await
}

/// Fails unless the account page lists exactly `expected`.
pub async fn expect_passkeys(browser: &BrowserTest, expected: &[&str]) -> Step {
    browser
        .wait_for_count("#passkeys li.passkey", expected.len())
        .await?;
    let names = passkey_names(browser).await?;
    ensure(
        names == expected,
        format!("expected the passkeys {expected:?}, the account page lists {names:?}"),
    )
}

/// Fails unless the last WebAuthn request of the tab was of `kind`
/// (`by-username`, `discoverable`, `autofill`): how the person signed in.
pub async fn expect_signed_in_by(browser: &BrowserTest, kind: &str) -> Step {
    let requests = browser.passkey_requests().await?;
    ensure(
        requests.last().map(String::as_str) == Some(kind),
        format!(
            "expected the sign-in to go {kind}, but the page's passkey requests were {requests:?}"
        ),
    )
}
