//! The README's pictures: the sign-up, sign-in and account pages at desktop
//! and phone widths, written to `docs/screenshots/`. Run with
//! `scripts/screenshots.sh` (an ignored test, so the normal suite never
//! rewrites files in the repository).

use std::path::Path;

use crate::app::in_the_browser;
use crate::harness::{BrowserTest, Step, ensure};
use crate::steps::sign_up_naming_the_passkey;

/// Each picture must stay under this size, to keep the repository small.
const MAX_BYTES: usize = 200 * 1024;
const WIDTHS: [(&str, i64, bool); 2] = [("desktop", 1280, false), ("phone", 390, true)];

#[actix_web::test]
#[ignore = "writes docs/screenshots/*.png; run scripts/screenshots.sh"]
async fn render_the_readme_screenshots() {
    in_the_browser(async |browser| -> Step {
        // Before any passkey exists, so autofill has nothing to offer.
        browser.visit("/signin").await?;
        save_both_widths(browser, "sign-in").await?;
        browser.visit("/signup").await?;
        browser.type_into("#username", "alice").await?;
        browser.type_into("#nickname", "Laptop").await?;
        save_both_widths(browser, "sign-up").await?;

        sign_up_naming_the_passkey(browser, "alice", "Laptop").await?;
        browser.switch_to_new_authenticator().await?;
        browser.type_into("#passkey-name", "Phone").await?;
        browser.click("#add-passkey-button").await?;
        browser.wait_for_count("#passkeys li.passkey", 2).await?;
        browser.visit("/account").await?;
        save_both_widths(browser, "account").await
    })
    .await;
}

async fn save_both_widths(browser: &BrowserTest, page: &str) -> Step {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&dir).map_err(|e| {
        crate::harness::Failure::new(format!("could not create {}: {e}", dir.display()))
    })?;
    // A picture of the page, not of wherever the cursor happened to be.
    browser
        .eval::<bool>("(document.activeElement?.blur(), true)")
        .await?;
    for (device, width, mobile) in WIDTHS {
        let png = browser.screenshot_at(width, mobile).await?;
        let path = dir.join(format!("{page}-{device}.png"));
        ensure(
            png.len() <= MAX_BYTES,
            format!(
                "{} would be {} KB, over the {} KB limit",
                path.display(),
                png.len() / 1024,
                MAX_BYTES / 1024
            ),
        )?;
        std::fs::write(&path, &png).map_err(|e| {
            crate::harness::Failure::new(format!("could not write {}: {e}", path.display()))
        })?;
    }
    Ok(())
}
