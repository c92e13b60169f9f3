//! The harness: a real headless Chromium, driven over the DevTools protocol,
//! with a WebAuthn virtual authenticator standing in for the person's device.
//!
//! Each test gets a fresh app (local mode, the local API in memory, both on
//! port 0), a fresh browser with its own profile, and one authenticator. The
//! helpers read as what a person does (`visit`, `type_into`, `click`) and what
//! they then see (`wait_for_text`, `wait_for_url`); every wait polls against a
//! deadline and fails with a message that says what it saw instead.
//!
//! When a flow fails, its screenshot, page HTML and console log are written
//! under `target/browser-artifacts/<test>/` and the panic message says where.
//! The browser is killed when the test ends, pass or fail; the app stops with
//! the test's runtime.

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::emulation::{
    ClearDeviceMetricsOverrideParams, SetDeviceMetricsOverrideParams,
};
use chromiumoxide::cdp::browser_protocol::input::{DispatchKeyEventParams, DispatchKeyEventType};
use chromiumoxide::cdp::browser_protocol::log::EventEntryAdded;
use chromiumoxide::cdp::browser_protocol::page::CaptureScreenshotFormat;
use chromiumoxide::cdp::browser_protocol::web_authn::{
    AddVirtualAuthenticatorParams, AuthenticatorId, AuthenticatorProtocol, AuthenticatorTransport,
    EnableParams, GetCredentialsParams, RemoveVirtualAuthenticatorParams,
    SetAutomaticPresenceSimulationParams, SetUserVerifiedParams, VirtualAuthenticatorOptions,
};
use chromiumoxide::cdp::js_protocol::runtime::{
    EvaluateParams, EventConsoleApiCalled, EventExceptionThrown,
};
use chromiumoxide::keys;
use chromiumoxide::page::ScreenshotParams;
use chromiumoxide::{Browser, BrowserConfig, Page};
use futures_util::{FutureExt, StreamExt};
use serde::de::DeserializeOwned;

/// How long any wait may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(15);
const POLL_EVERY: Duration = Duration::from_millis(50);
/// What CDP says when a node id from an earlier lookup is no longer known.
const STALE_NODE: &str = "Could not find node with given id";
/// How long saving a failed test's screenshot, HTML and console log may take.
const ARTIFACTS_DEADLINE: Duration = Duration::from_secs(20);

/// Where Debian and macOS put the browser; other names are looked up on `PATH`.
const CHROMIUM_PATHS: [&str; 3] = [
    "/usr/bin/chromium",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
];
const CHROMIUM_NAMES: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// Installed in every page before its own scripts: notes each WebAuthn
/// request the page makes, so a test can tell which way a person signed in
/// and when autofill is armed. Every call passes through unchanged.
///
/// Kinds: `autofill` (conditional get), `by-username` (get with an allow
/// list), `discoverable` (get without one) and `create`. This page's requests
/// are in `window.__passkeyRequests`; the tab's history, across
/// navigations, in `sessionStorage`.
const RECORD_PASSKEY_REQUESTS: &str = r#"(() => {
  const credentials = navigator.credentials;
  if (!credentials) return;
  const requests = (window.__passkeyRequests = []);
  const note = (kind) => {
    requests.push(kind);
    try {
      const history = JSON.parse(sessionStorage.getItem('passkeyRequests') || '[]');
      history.push(kind);
      sessionStorage.setItem('passkeyRequests', JSON.stringify(history));
    } catch (_) {}
  };
  const get = credentials.get.bind(credentials);
  const create = credentials.create.bind(credentials);
  credentials.get = (options) => {
    const allowed = options && options.publicKey && options.publicKey.allowCredentials;
    note(options && options.mediation === 'conditional' ? 'autofill'
      : allowed && allowed.length > 0 ? 'by-username' : 'discoverable');
    return get(options);
  };
  credentials.create = (options) => {
    note('create');
    return create(options);
  };
})();"#;

/// Why a step of a flow failed, in words meant for the test's reader.
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    pub fn new(message: impl Into<String>) -> Self {
        Failure(message.into())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<chromiumoxide::error::CdpError> for Failure {
    fn from(error: chromiumoxide::error::CdpError) -> Self {
        Failure(format!("the browser reported: {error}"))
    }
}

/// The result of one step of a flow.
pub type Step<T = ()> = Result<T, Failure>;

/// Fails the flow with `message` unless `condition` holds.
pub fn ensure(condition: bool, message: impl Into<String>) -> Step {
    if condition {
        Ok(())
    } else {
        Err(Failure::new(message))
    }
}

/// Runs `flow` in a fresh browser pointed at `origin`. If the flow returns an
/// error or panics, the page's screenshot, HTML and console log are saved and
/// the test fails with a message naming the folder.
pub async fn run_in_browser<F>(origin: &str, flow: F)
where
    F: AsyncFnOnce(&mut BrowserTest) -> Step,
{
    let name = test_name();
    // Whatever is in the artifacts folder afterwards is from this run.
    let _ = std::fs::remove_dir_all(artifacts_root().join(&name));
    let mut test = match BrowserTest::open(&name, origin).await {
        Ok(test) => test,
        Err(failure) => panic!("could not start the browser for {name}: {failure}"),
    };
    let outcome = AssertUnwindSafe(flow(&mut test)).catch_unwind().await;
    let failure = match outcome {
        Ok(Ok(())) => {
            test.close().await;
            return;
        }
        Ok(Err(failure)) => failure.to_string(),
        Err(panic) => panic_message(panic.as_ref()),
    };
    // A browser that crashed would let every request run into its own
    // timeout; the failure itself matters more than the artifacts.
    let saved = tokio::time::timeout(ARTIFACTS_DEADLINE, test.save_artifacts())
        .await
        .unwrap_or_else(|_| {
            format!(
                "the browser did not answer within {} s, so no artifacts were saved",
                ARTIFACTS_DEADLINE.as_secs()
            )
        });
    test.close().await;
    panic!("{failure}\n{saved}");
}

/// One browser, one tab and one virtual authenticator, pointed at the app.
pub struct BrowserTest {
    name: String,
    origin: String,
    browser: Browser,
    page: Page,
    authenticator: AuthenticatorId,
    console: Arc<Mutex<Vec<String>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    _profile: Profile,
}

impl BrowserTest {
    /// Launches Chromium with a fresh profile, opens a tab and plugs in a
    /// virtual authenticator: CTAP2, built in (`internal`), resident keys, user
    /// verification that succeeds, and presence confirmed without a person.
    pub async fn open(name: &str, origin: &str) -> Step<BrowserTest> {
        let executable = find_chromium()?;
        let profile = Profile::create()?;
        let config = BrowserConfig::builder()
            .chrome_executable(executable)
            .user_data_dir(&profile.0)
            .no_sandbox()
            .window_size(1280, 900)
            .viewport(None)
            .args([
                "headless",
                "disable-gpu",
                "disable-background-networking",
                "disable-component-update",
                "disable-sync",
                "no-first-run",
                "disable-quic",
            ])
            .build()
            .map_err(Failure::new)?;
        let (browser, mut handler) = Browser::launch(config).await?;
        // The handler carries every command and event; it must be polled
        // for as long as the browser lives, whatever it yields.
        let handler_task = tokio::spawn(async move { while handler.next().await.is_some() {} });
        let page = browser.new_page("about:blank").await?;
        let console = Arc::new(Mutex::new(Vec::new()));
        let tasks = vec![handler_task, listen_to_console(&page, &console).await?];
        page.evaluate_on_new_document(RECORD_PASSKEY_REQUESTS)
            .await?;
        page.execute(EnableParams::default()).await?;
        let authenticator = add_authenticator(&page).await?;
        Ok(BrowserTest {
            name: name.to_owned(),
            origin: origin.to_owned(),
            browser,
            page,
            authenticator,
            console,
            tasks,
            _profile: profile,
        })
    }

    /// The origin the app is browsed at, e.g. `http://localhost:4567`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Opens `path` on the app and waits for the page to load.
    pub async fn visit(&self, path: &str) -> Step {
        self.visit_url(&format!("{}{path}", self.origin)).await
    }

    /// Opens an absolute URL and waits for the page to load.
    pub async fn visit_url(&self, url: &str) -> Step {
        self.page
            .goto(url)
            .await
            .map_err(|e| Failure::new(format!("could not open {url}: {e}")))?;
        Ok(())
    }

    /// Clicks into the field at `selector`, clears it and types `text` key by key.
    pub async fn type_into(&self, selector: &str, text: &str) -> Step {
        self.wait_until_usable(selector).await?;
        self.click_found(selector).await?;
        self.eval::<bool>(&format!(
            "(() => {{ const f = document.querySelector({}); f.value = ''; return true; }})()",
            js_string(selector)
        ))
        .await?;
        self.type_keys(text).await
    }

    /// Clicks the element at `selector` with the mouse, once it is visible and enabled.
    pub async fn click(&self, selector: &str) -> Step {
        self.wait_until_usable(selector).await?;
        self.click_found(selector).await
    }

    /// Finds `selector` and clicks it with the mouse. Right after a page
    /// has loaded, Chromium can drop the node ids it just handed out (its
    /// DOM agent takes the new document), and the click then fails with
    /// "Could not find node with given id": the element is still there, so
    /// it is looked up again, a few times at most.
    async fn click_found(&self, selector: &str) -> Step {
        let mut attempts_left = 3;
        loop {
            let clicked = match self.page.find_element(selector).await {
                Ok(element) => element.click().await.map(drop),
                Err(error) => Err(error),
            };
            match clicked {
                Err(error) if attempts_left > 0 && error.to_string().contains(STALE_NODE) => {
                    attempts_left -= 1;
                    tokio::time::sleep(POLL_EVERY).await;
                }
                other => return Ok(other?),
            }
        }
    }

    /// Presses one key (`"Tab"`, `"Enter"`, `"a"`) on whatever has focus.
    pub async fn press(&self, key: &str) -> Step {
        let definition = keys::get_key_definition(key)
            .ok_or_else(|| Failure::new(format!("no key is called {key:?}")))?;
        let text = definition
            .text
            .or((definition.key.chars().count() == 1).then_some(definition.key));
        let event = |kind: DispatchKeyEventType| {
            let with_text = kind == DispatchKeyEventType::KeyDown;
            let mut event = DispatchKeyEventParams::builder()
                .r#type(kind)
                .key(definition.key)
                .code(definition.code)
                .windows_virtual_key_code(definition.key_code)
                .native_virtual_key_code(definition.key_code);
            if with_text && let Some(text) = text {
                event = event.text(text);
            }
            event.build().map_err(Failure::new)
        };
        let down = if text.is_some() {
            DispatchKeyEventType::KeyDown
        } else {
            DispatchKeyEventType::RawKeyDown
        };
        self.page.execute(event(down)?).await?;
        self.page
            .execute(event(DispatchKeyEventType::KeyUp)?)
            .await?;
        Ok(())
    }

    /// Types `text` key by key into whatever has focus.
    pub async fn type_keys(&self, text: &str) -> Step {
        for character in text.chars() {
            self.press(character.encode_utf8(&mut [0; 4])).await?;
        }
        Ok(())
    }

    /// The WebAuthn requests this tab has made since `forget_passkey_requests`
    /// (see `RECORD_PASSKEY_REQUESTS` for the kinds), oldest first.
    pub async fn passkey_requests(&self) -> Step<Vec<String>> {
        self.eval("JSON.parse(sessionStorage.getItem('passkeyRequests') || '[]')")
            .await
    }

    /// Starts the tab's history of WebAuthn requests afresh.
    pub async fn forget_passkey_requests(&self) -> Step {
        self.eval::<bool>("(sessionStorage.removeItem('passkeyRequests'), true)")
            .await?;
        Ok(())
    }

    /// Waits until the page has asked for passkey autofill (a conditional
    /// `navigator.credentials.get`), as seen by the probe installed at launch.
    pub async fn wait_for_autofill_request(&self) -> Step {
        let armed = self
            .poll(async || {
                self.eval::<bool>("(window.__passkeyRequests || []).includes('autofill')")
                    .await
                    .unwrap_or(false)
            })
            .await;
        ensure(
            armed,
            format!(
                "expected {} to ask for passkey autofill within {} s",
                self.current_path().await,
                DEADLINE.as_secs()
            ),
        )
    }

    /// Presses Tab until `selector` has focus, at most `limit` times, and
    /// fails if focus never gets there or lands on something without a
    /// visible focus style on the way.
    pub async fn tab_to(&self, selector: &str, limit: usize) -> Step {
        let mut path = Vec::new();
        for _ in 0..limit {
            self.press("Tab").await?;
            let focused = self.focused().await?;
            ensure(
                self.focus_is_visible().await?,
                format!("{focused} has focus but no visible focus style (outline or box shadow)"),
            )?;
            let arrived: bool = self
                .eval(&format!(
                    "document.activeElement === document.querySelector({})",
                    js_string(selector)
                ))
                .await?;
            path.push(focused);
            if arrived {
                return Ok(());
            }
        }
        Err(Failure::new(format!(
            "{limit} presses of Tab did not reach {selector}; focus went through {}",
            path.join(" → ")
        )))
    }

    /// Waits until the text of `selector` contains `expected`.
    pub async fn wait_for_text(&self, selector: &str, expected: &str) -> Step {
        let script = format!(
            "document.querySelector({})?.textContent ?? null",
            js_string(selector)
        );
        let mut last: Option<String> = None;
        let found = self
            .poll(async || {
                let text: Option<String> = self.eval(&script).await.ok().flatten();
                let done = text.as_deref().is_some_and(|t| t.contains(expected));
                last = text;
                done
            })
            .await;
        let seen = match &last {
            Some(text) => format!("it reads {:?}", squeeze(text)),
            None => "there is no such element".to_owned(),
        };
        ensure(
            found,
            format!(
                "expected {selector} to contain {expected:?} within {} s, but {seen} (on {})",
                DEADLINE.as_secs(),
                self.current_path().await
            ),
        )
    }

    /// Waits until the page's path (and query) is `path`.
    pub async fn wait_for_url(&self, path: &str) -> Step {
        let mut last = String::new();
        let found = self
            .poll(async || {
                last = self.current_path().await;
                last == path
            })
            .await;
        ensure(
            found,
            format!(
                "expected to arrive at {path} within {} s, but the page is still at {last}",
                DEADLINE.as_secs()
            ),
        )
    }

    /// Waits until exactly `count` elements match `selector`.
    pub async fn wait_for_count(&self, selector: &str, count: usize) -> Step {
        let mut last = 0;
        let found = self
            .poll(async || {
                last = self.count(selector).await.unwrap_or(0);
                last == count
            })
            .await;
        ensure(
            found,
            format!(
                "expected {count} element(s) matching {selector} within {} s, found {last} (on {})",
                DEADLINE.as_secs(),
                self.current_path().await
            ),
        )
    }

    /// Waits until `selector` carries the class `class`.
    pub async fn wait_for_class(&self, selector: &str, class: &str) -> Step {
        let script = format!(
            "document.querySelector({})?.classList.contains({}) ?? false",
            js_string(selector),
            js_string(class)
        );
        let found = self
            .poll(async || self.eval::<bool>(&script).await.unwrap_or(false))
            .await;
        ensure(
            found,
            format!("expected {selector} to have the class {class:?}"),
        )
    }

    /// How many elements match `selector` right now.
    pub async fn count(&self, selector: &str) -> Step<usize> {
        self.eval(&format!(
            "document.querySelectorAll({}).length",
            js_string(selector)
        ))
        .await
    }

    /// The trimmed text of `selector` right now (empty when absent).
    pub async fn text_of(&self, selector: &str) -> Step<String> {
        let text: Option<String> = self
            .eval(&format!(
                "document.querySelector({})?.textContent ?? null",
                js_string(selector)
            ))
            .await?;
        Ok(text.map(|t| squeeze(&t)).unwrap_or_default())
    }

    /// The value of `attribute` on `selector` right now.
    pub async fn attribute_of(&self, selector: &str, attribute: &str) -> Step<Option<String>> {
        self.eval(&format!(
            "document.querySelector({})?.getAttribute({}) ?? null",
            js_string(selector),
            js_string(attribute)
        ))
        .await
    }

    /// A short description of the focused element: `#id`, else its tag name.
    pub async fn focused(&self) -> Step<String> {
        self.eval(
            "(() => { const e = document.activeElement; \
             return e ? (e.id ? '#' + e.id : e.tagName.toLowerCase()) : 'nothing'; })()",
        )
        .await
    }

    /// Whether the focused element draws a visible focus indicator: an
    /// outline or a box shadow.
    pub async fn focus_is_visible(&self) -> Step<bool> {
        self.eval(
            "(() => { const e = document.activeElement; if (!e || e === document.body) return false; \
             const s = getComputedStyle(e); \
             const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0; \
             const shadow = s.boxShadow !== 'none' && s.boxShadow !== ''; \
             return outline || shadow; })()",
        )
        .await
    }

    /// The accessible label text of the form field at `selector`.
    pub async fn label_of(&self, selector: &str) -> Step<String> {
        let label: Option<String> = self
            .eval(&format!(
                "(() => {{ const f = document.querySelector({}); \
                 if (!f) return null; \
                 const byAria = f.getAttribute('aria-label'); \
                 if (byAria) return byAria; \
                 return [...(f.labels || [])].map(l => l.textContent).join(' ') || null; }})()",
                js_string(selector)
            ))
            .await?;
        Ok(label.map(|l| squeeze(&l)).unwrap_or_default())
    }

    /// Evaluates a JavaScript expression in the page and returns its value.
    pub async fn eval<T: DeserializeOwned>(&self, expression: &str) -> Step<T> {
        let params = EvaluateParams::builder()
            .expression(expression)
            .return_by_value(true)
            .await_promise(true)
            .build()
            .map_err(Failure::new)?;
        let response = self.page.execute(params).await?;
        if let Some(exception) = &response.result.exception_details {
            return Err(Failure::new(format!(
                "script {expression:?} threw: {}",
                exception
                    .exception
                    .as_ref()
                    .and_then(|e| e.description.clone())
                    .unwrap_or_else(|| exception.text.clone())
            )));
        }
        let value = response
            .result
            .result
            .value
            .clone()
            .unwrap_or(serde_json::Value::Null);
        serde_json::from_value(value).map_err(|e| {
            Failure::new(format!(
                "script {expression:?} returned an unexpected value: {e}"
            ))
        })
    }

    /// Makes the authenticator refuse user verification (as if the person
    /// cancelled the fingerprint prompt), or accept it again.
    pub async fn set_user_verified(&self, verified: bool) -> Step {
        self.page
            .execute(SetUserVerifiedParams::new(
                self.authenticator.clone(),
                verified,
            ))
            .await?;
        Ok(())
    }

    /// Whether the authenticator confirms presence by itself (the default) or
    /// waits for a touch that never comes.
    ///
    /// Chromium's virtual authenticator answers a conditional (autofill)
    /// request at once, so the sign-in page would sign in by itself as soon
    /// as it loads. Tests of the explicit sign-in paths switch this off while
    /// the page loads (autofill then stays pending, as it does for a person
    /// who ignores the suggestion) and on again before they click.
    pub async fn set_automatic_presence(&self, enabled: bool) -> Step {
        self.page
            .execute(SetAutomaticPresenceSimulationParams::new(
                self.authenticator.clone(),
                enabled,
            ))
            .await?;
        Ok(())
    }

    /// From the next page load on, this browser says it has no passkey
    /// autofill, as browsers without conditional mediation do. For tests
    /// that must see what follows a failed explicit sign-in: the page arms
    /// autofill again, and the virtual authenticator would answer it at once
    /// where a person would have to choose a suggestion.
    pub async fn without_autofill(&self) -> Step {
        self.page
            .evaluate_on_new_document(
                "PublicKeyCredential.isConditionalMediationAvailable = async () => false;",
            )
            .await?;
        Ok(())
    }

    /// Unplugs the authenticator and plugs in a new, empty one: another device.
    pub async fn switch_to_new_authenticator(&mut self) -> Step {
        self.remove_authenticator().await?;
        self.authenticator = add_authenticator(&self.page).await?;
        Ok(())
    }

    /// Unplugs the authenticator, with every passkey it holds.
    pub async fn remove_authenticator(&self) -> Step {
        self.page
            .execute(RemoveVirtualAuthenticatorParams::new(
                self.authenticator.clone(),
            ))
            .await?;
        Ok(())
    }

    /// How many passkeys the authenticator holds.
    pub async fn passkeys_on_device(&self) -> Step<usize> {
        let response = self
            .page
            .execute(GetCredentialsParams::new(self.authenticator.clone()))
            .await?;
        Ok(response.result.credentials.len())
    }

    /// Sets the viewport, e.g. 390 wide for a phone.
    pub async fn resize(&self, width: i64, height: i64, mobile: bool) -> Step {
        self.page
            .execute(SetDeviceMetricsOverrideParams::new(
                width, height, 1.0, mobile,
            ))
            .await?;
        Ok(())
    }

    /// A PNG of the whole page as it lays out `width` CSS pixels wide, on a
    /// phone (`mobile`) or a desktop screen.
    pub async fn screenshot_at(&self, width: i64, mobile: bool) -> Step<Vec<u8>> {
        self.resize(width, 800, mobile).await?;
        let height: i64 = self
            .eval("Math.ceil(document.documentElement.getBoundingClientRect().height)")
            .await?;
        self.resize(width, height.max(1), mobile).await?;
        let params = ScreenshotParams::builder()
            .format(CaptureScreenshotFormat::Png)
            .build();
        let png = self.page.screenshot(params).await?;
        self.page
            .execute(ClearDeviceMetricsOverrideParams::default())
            .await?;
        Ok(png)
    }

    /// A PNG of the whole page.
    pub async fn screenshot_png(&self) -> Step<Vec<u8>> {
        let params = ScreenshotParams::builder()
            .format(CaptureScreenshotFormat::Png)
            .full_page(true)
            .build();
        Ok(self.page.screenshot(params).await?)
    }

    /// The page's path and query, e.g. `/account`.
    pub async fn current_path(&self) -> String {
        self.eval::<String>("location.pathname + location.search")
            .await
            .unwrap_or_else(|_| "(a page that is still loading)".to_owned())
    }

    /// Waits until `selector` is in the page, visible and not disabled.
    async fn wait_until_usable(&self, selector: &str) -> Step {
        let script = format!(
            "(() => {{ const e = document.querySelector({}); \
             return !!e && !e.disabled && e.getClientRects().length > 0 \
             && getComputedStyle(e).visibility !== 'hidden'; }})()",
            js_string(selector)
        );
        let usable = self
            .poll(async || self.eval::<bool>(&script).await.unwrap_or(false))
            .await;
        ensure(
            usable,
            format!(
                "expected {selector} to be visible and enabled within {} s (on {})",
                DEADLINE.as_secs(),
                self.current_path().await
            ),
        )
    }

    /// Calls `check` until it says yes or the deadline passes.
    async fn poll(&self, mut check: impl AsyncFnMut() -> bool) -> bool {
        let started = Instant::now();
        loop {
            if check().await {
                return true;
            }
            if started.elapsed() > DEADLINE {
                return false;
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    /// Writes the screenshot, HTML and console log of the page as it is now,
    /// and returns a sentence saying where (or what could not be saved).
    async fn save_artifacts(&self) -> String {
        let dir = artifacts_root().join(&self.name);
        if let Err(e) = std::fs::create_dir_all(&dir) {
            return format!("could not create {}: {e}", dir.display());
        }
        let mut problems = Vec::new();
        match self.screenshot_png().await {
            Ok(png) => write_or_note(&dir.join("screenshot.png"), &png, &mut problems),
            Err(e) => problems.push(format!("screenshot: {e}")),
        }
        match self.page.content().await {
            Ok(html) => write_or_note(&dir.join("page.html"), html.as_bytes(), &mut problems),
            Err(e) => problems.push(format!("page HTML: {e}")),
        }
        let mut log = format!("page: {}\n", self.current_path().await);
        for line in self.console.lock().expect("console log lock").iter() {
            log.push_str(line);
            log.push('\n');
        }
        write_or_note(&dir.join("console.log"), log.as_bytes(), &mut problems);
        let mut sentence = format!(
            "screenshot, page HTML and console log saved in {}",
            dir.display()
        );
        if !problems.is_empty() {
            sentence.push_str(&format!(" (not saved: {})", problems.join("; ")));
        }
        sentence
    }

    /// Closes the browser and waits for its process to exit.
    async fn close(&mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Drop for BrowserTest {
    fn drop(&mut self) {
        // Chromium itself is killed when `browser` drops; the profile folder
        // goes with `profile`.
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn add_authenticator(page: &Page) -> Step<AuthenticatorId> {
    let options = VirtualAuthenticatorOptions::builder()
        .protocol(AuthenticatorProtocol::Ctap2)
        .transport(AuthenticatorTransport::Internal)
        .has_resident_key(true)
        .has_user_verification(true)
        .is_user_verified(true)
        .automatic_presence_simulation(true)
        .build()
        .map_err(Failure::new)?;
    let response = page
        .execute(AddVirtualAuthenticatorParams::new(options))
        .await?;
    Ok(response.result.authenticator_id.clone())
}

/// Copies console calls, uncaught exceptions and browser log entries
/// (failed requests, CSP violations) into `console`.
async fn listen_to_console(
    page: &Page,
    console: &Arc<Mutex<Vec<String>>>,
) -> Step<tokio::task::JoinHandle<()>> {
    page.enable_log().await?;
    let mut calls = page.event_listener::<EventConsoleApiCalled>().await?;
    let mut exceptions = page.event_listener::<EventExceptionThrown>().await?;
    let mut entries = page.event_listener::<EventEntryAdded>().await?;
    let console = Arc::clone(console);
    Ok(tokio::spawn(async move {
        loop {
            let line = tokio::select! {
                Some(call) = calls.next() => {
                    let words: Vec<String> = call
                        .args
                        .iter()
                        .map(|arg| match (&arg.value, &arg.description) {
                            (Some(serde_json::Value::String(s)), _) => s.clone(),
                            (Some(value), _) => value.to_string(),
                            (None, Some(description)) => description.clone(),
                            (None, None) => format!("{:?}", arg.r#type),
                        })
                        .collect();
                    format!("console.{:?}: {}", call.r#type, words.join(" "))
                }
                Some(thrown) = exceptions.next() => {
                    let details = &thrown.exception_details;
                    let description = details
                        .exception
                        .as_ref()
                        .and_then(|e| e.description.clone())
                        .unwrap_or_else(|| details.text.clone());
                    format!("uncaught: {description}")
                }
                Some(entry) = entries.next() => {
                    let entry = &entry.entry;
                    format!(
                        "log.{:?} ({:?}): {} {}",
                        entry.level,
                        entry.source,
                        entry.text,
                        entry.url.as_deref().unwrap_or("")
                    )
                }
                else => break,
            };
            console.lock().expect("console log lock").push(line);
        }
    }))
}

/// Finds Chromium, or fails saying how to install it. Never skips.
pub fn find_chromium() -> Step<PathBuf> {
    for path in CHROMIUM_PATHS {
        if Path::new(path).is_file() {
            return Ok(PathBuf::from(path));
        }
    }
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path_var) {
        for name in CHROMIUM_NAMES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(Failure::new(
        "Chromium is not installed, and the browser tests need it. \
         Run scripts/install-chromium.sh (Debian or Ubuntu), \
         or install Chromium or Google Chrome so that `chromium` is on PATH.",
    ))
}

/// A fresh, empty Chromium profile folder, removed when dropped.
struct Profile(PathBuf);

impl Profile {
    fn create() -> Step<Profile> {
        let dir = std::env::temp_dir().join(format!("passkeys-browser-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| Failure::new(format!("could not create {}: {e}", dir.display())))?;
        Ok(Profile(dir))
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `target/browser-artifacts` in the crate.
pub fn artifacts_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("browser-artifacts")
}

fn write_or_note(path: &Path, bytes: &[u8], problems: &mut Vec<String>) {
    if let Err(e) = std::fs::write(path, bytes) {
        problems.push(format!("{}: {e}", path.display()));
    }
}

/// The running test's name (libtest names the thread after it), as a folder name.
fn test_name() -> String {
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("unnamed-test");
    name.replace("::", "-")
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = panic.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message.clone()
    } else {
        "the flow panicked".to_owned()
    }
}

/// A JavaScript string literal for `text`.
fn js_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// Collapses runs of whitespace, as a person reads the text.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
