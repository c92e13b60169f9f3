//! Managing passkeys on the account page.

use crate::app::in_the_browser;
use crate::harness::{Step, ensure};
use crate::steps::{ask_to_delete, expect_passkeys, sign_up_naming_the_passkey};

#[actix_web::test]
async fn a_second_passkey_is_listed_by_name_and_deleted_only_after_confirming() {
    in_the_browser(async |browser| -> Step {
        sign_up_naming_the_passkey(browser, "alice", "Laptop").await?;
        expect_passkeys(browser, &["Laptop"]).await?;

        // The second passkey comes from another device: a device that
        // already holds one for this account is refused (see below).
        browser.switch_to_new_authenticator().await?;
        browser.type_into("#passkey-name", "Work phone").await?;
        browser.click("#add-passkey-button").await?;
        browser.wait_for_count("#passkeys li.passkey", 2).await?;
        let mut names = crate::steps::passkey_names(browser).await?;
        names.sort();
        ensure(
            names == ["Laptop", "Work phone"],
            format!("expected Laptop and Work phone listed, found {names:?}"),
        )?;

        ask_to_delete(browser, "Work phone").await?;
        browser.click("#confirm-delete-no").await?;
        browser
            .wait_for_count("dialog#confirm-delete[open]", 0)
            .await?;
        ensure(
            browser.count("#passkeys li.passkey").await? == 2,
            "keeping the passkey in the dialog should delete nothing",
        )?;

        ask_to_delete(browser, "Work phone").await?;
        browser.click("#confirm-delete-yes").await?;
        expect_passkeys(browser, &["Laptop"]).await?;
        browser.visit("/account").await?;
        expect_passkeys(browser, &["Laptop"]).await
    })
    .await;
}

#[actix_web::test]
async fn deleting_the_only_passkey_is_refused() {
    in_the_browser(async |browser| -> Step {
        sign_up_naming_the_passkey(browser, "alice", "Laptop").await?;

        ask_to_delete(browser, "Laptop").await?;
        browser.click("#confirm-delete-yes").await?;
        browser.wait_for_text("#message", "only passkey").await?;
        browser.wait_for_class("#message", "error").await?;
        browser.visit("/account").await?;
        expect_passkeys(browser, &["Laptop"]).await
    })
    .await;
}

#[actix_web::test]
async fn adding_a_passkey_from_a_device_that_already_has_one_says_so() {
    in_the_browser(async |browser| -> Step {
        sign_up_naming_the_passkey(browser, "alice", "Laptop").await?;

        browser.type_into("#passkey-name", "Laptop again").await?;
        browser.click("#add-passkey-button").await?;
        browser
            .wait_for_text(
                "#message",
                "This device already has a passkey for this account.",
            )
            .await?;
        expect_passkeys(browser, &["Laptop"]).await
    })
    .await;
}

#[actix_web::test]
async fn an_action_after_the_sign_in_has_ended_leads_to_the_sign_in_page() {
    in_the_browser(async |browser| -> Step {
        sign_up_naming_the_passkey(browser, "alice", "Laptop").await?;
        // Another tab signs out while this account page stays open.
        let status: u16 = browser
            .eval(
                "fetch('/api/signout', { method: 'POST', headers: { 'Content-Type': 'application/json' }, \
                 body: '{}' }).then((response) => response.status)",
            )
            .await?;
        ensure(status == 200, format!("signing out answered {status}"))?;

        ask_to_delete(browser, "Laptop").await?;
        browser.click("#confirm-delete-yes").await?;
        browser.wait_for_url("/signin").await?;
        browser.visit("/account").await?;
        browser.wait_for_url("/signin").await
    })
    .await;
}
