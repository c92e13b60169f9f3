// Shared helpers for the sign-up, sign-in and account pages.
//
// Loaded as a classic `defer` script after the official client (global
// `Passwordless`) and before the page's own script, which finds these
// helpers on `window.PasskeyPage`. Classic scripts rather than ES modules
// so every file carries the `?v=` asset version: an `import` inside a
// module could not.
//
// Everything a person reads goes through `describeFailure`, so each kind of
// failure has exactly one wording, the one in the team plan.
(function () {
  "use strict";

  const page = document.getElementById("page");
  const messageArea = document.getElementById("message");

  function localhostUrl() {
    return "http://localhost" + (location.port ? ":" + location.port : "");
  }

  // The wording people see. Browser tests match on the first sentence of
  // each, so change them together with the tests.
  const MESSAGES = {
    cancelled: "The passkey request was cancelled or timed out. Nothing was changed; you can try again.",
    unsupported: "This browser does not support passkeys. Try a recent version of Chrome, Edge, Firefox or Safari.",
    ipAddress: () =>
      "Passkeys do not work on an IP address. Open this page at " + localhostUrl() + " instead.",
    insecure: "Passkeys need a secure connection. Open this site over https (or at http://localhost while developing).",
    wrongAddress: "Passkeys do not work at this address. Open the site at its usual address instead.",
    notRecognised: "This passkey is not recognised. It may have been deleted from your account.",
    usernameTaken: "That username is already taken.",
    tooSlow: "That took too long. Please try again.",
    unreachable: "The passkey service cannot be reached. Try again in a moment.",
    siteUnreachable: "This site cannot be reached right now. Check your connection and try again.",
    duplicate: "This device already has a passkey for this account. Nothing was changed.",
    rejected: "Your device’s answer was not accepted. Nothing was changed; you can try again.",
    tooMany: "Too many attempts. Wait a minute, then try again.",
    setup: "The passkey service refused this site’s request. This is a set-up problem on our side; please try again later.",
    scriptMissing: "The passkey script could not be loaded. Reload the page to try again.",
    settingsMissing: "This page is missing its passkey settings, so passkeys cannot be used here.",
    generic: "Something went wrong with the passkey request. Nothing was changed; you can try again.",
  };

  /** A failure reported by our own `/api` (a problem+json body, or none). */
  class ApiProblem extends Error {
    constructor({ status, code, title }) {
      super(title || "Request failed with status " + status);
      this.name = "ApiProblem";
      this.status = status;
      this.code = code || null;
      this.title = title || null;
    }
  }

  // The server's rule, which must stay identical here because Passwordless
  // matches aliases byte for byte: trim surrounding whitespace (Unicode
  // White_Space, as Rust's `str::trim`), lowercase (as Rust's
  // `str::to_lowercase`; both apply the full Unicode mapping), then Unicode
  // normal form C (as the `unicode-normalization` crate's `nfc`).
  function normaliseUsername(raw) {
    return raw.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, "").toLowerCase().normalize("NFC");
  }

  function isIpHost(hostname) {
    // IPv6 hosts come bracketed in `location.hostname`.
    return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.startsWith("[");
  }

  function settings() {
    return {
      apiUrl: (page && page.dataset.apiUrl) || "",
      apiKey: (page && page.dataset.apiKey) || "",
    };
  }

  /**
   * Builds the official client. The client merges its config with
   * Object.assign, so a key holding `undefined` would wipe out the default
   * (fetches to "undefined/register/begin"): only keys with values go in.
   */
  function createClient() {
    const { apiUrl, apiKey } = settings();
    const config = { apiKey };
    if (apiUrl) {
      // The client appends "/register/begin" etc. to this verbatim.
      config.apiUrl = apiUrl.replace(/\/+$/, "");
    }
    return new window.Passwordless.Client(config);
  }

  /**
   * Checks, before anything else runs, whether passkeys can work on this
   * page. Returns null when they can, or the message explaining why not.
   */
  function passkeyBlocker() {
    if (typeof window.Passwordless === "undefined") return MESSAGES.scriptMissing;
    if (!settings().apiKey) return MESSAGES.settingsMissing;
    if (isIpHost(location.hostname)) return MESSAGES.ipAddress();
    if (!window.isSecureContext) return MESSAGES.insecure;
    if (!window.Passwordless.isBrowserSupported()) return MESSAGES.unsupported;
    return null;
  }

  function showMessage(text, kind) {
    if (!messageArea) return;
    messageArea.className = "message" + (kind ? " " + kind : "");
    messageArea.textContent = text;
  }

  function clearMessage() {
    showMessage("", null);
  }

  // Reads a JSON body if there is one; a proxy's HTML error page is not one.
  async function readJson(response) {
    const type = response.headers.get("Content-Type") || "";
    if (response.status === 204 || !type.includes("json")) return null;
    try {
      return await response.json();
    } catch {
      return null;
    }
  }

  /** Calls our own `/api`. Resolves to the JSON body (null for 204), or throws an ApiProblem. */
  async function apiRequest(method, path, body) {
    const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch {
      throw new ApiProblem({ status: 0, code: "network", title: null });
    }
    const data = await readJson(response);
    if (!response.ok) {
      throw new ApiProblem({
        status: response.status,
        code: data && data.code,
        // Our problems put the sentence for people in `detail` (the title
        // is the HTTP status phrase, as RFC 9457 asks of about:blank).
        title: data && (data.detail || data.title),
      });
    }
    return data;
  }

  function postJson(path, body) {
    return apiRequest("POST", path, body === undefined ? {} : body);
  }

  /**
   * Posts the `verify_` token from the client to the app, which checks it
   * and starts the session, then goes where the app says. Only same-origin
   * paths are followed, so a tampered answer cannot send people elsewhere.
   * After a sign-in by username, `username` lets the app refuse a passkey
   * of another account.
   */
  async function finishSignIn(token, username) {
    const data = await postJson("/api/signin", username ? { token, username } : { token });
    go(data && data.redirect, "/account");
  }

  function go(target, fallback) {
    // Resolved as the browser would: a path that starts with one slash
    // and then a backslash or a tab still leads to another host.
    let url = null;
    try {
      url = typeof target === "string" && target.startsWith("/") ? new URL(target, location.href) : null;
    } catch {
      url = null;
    }
    const safe = url !== null && url.origin === location.origin;
    location.assign(safe ? url.pathname + url.search + url.hash : fallback);
  }

  // Returned by a `busy` action that has started a navigation: the buttons
  // then stay disabled so nobody starts a second request meanwhile.
  const NAVIGATING = Symbol("navigating");

  /**
   * Runs `action` with the page's buttons disabled, then puts every button
   * back as it was (one disabled because passkeys are unsupported stays
   * disabled). Disabling the focused button drops focus to <body>, so focus
   * returns to it afterwards unless the action moved focus on purpose.
   */
  async function busy(trigger, action) {
    const buttons = Array.from(document.querySelectorAll("#page button")).filter(
      (button) => !button.closest("dialog"),
    );
    const wasDisabled = new Map(buttons.map((button) => [button, button.disabled]));
    buttons.forEach((button) => (button.disabled = true));
    if (trigger) trigger.setAttribute("aria-busy", "true");
    let outcome;
    try {
      outcome = await action();
    } catch (failure) {
      // A bug in a page script must not leave the page stuck.
      console.error(failure);
      report(failure);
    }
    if (outcome === NAVIGATING) return outcome;
    buttons.forEach((button) => (button.disabled = wasDisabled.get(button)));
    if (trigger) {
      trigger.removeAttribute("aria-busy");
      const focusLost = !document.activeElement || document.activeElement === document.body;
      if (focusLost && document.contains(trigger) && !trigger.disabled) trigger.focus();
    }
    return outcome;
  }

  function fromClientError(errorCode, title) {
    const text = String(title || "");
    // Our own abort() of a pending request (autofill before an explicit
    // attempt): nothing went wrong, so nothing is shown. Browsers word it
    // "signal is aborted without reason" (Chrome) or "The operation was
    // aborted." (Firefox, Safari).
    if (/abort/i.test(text) && !/not allowed/i.test(text)) return null;
    if (errorCode === "failed_create_credential") return MESSAGES.cancelled;
    // NotAllowedError: the person cancelled, the prompt timed out, or the
    // authenticator refused user verification. Safari words a cancel
    // "This request has been cancelled by the user."
    if (/NotAllowedError|timed out or was not allowed|not allowed|cancel/i.test(text)) return MESSAGES.cancelled;
    // InvalidStateError at create(): one of the excludeCredentials (the
    // account's existing passkeys) is on this authenticator.
    if (/InvalidStateError|already registered|no longer, usable/i.test(text)) return MESSAGES.duplicate;
    // SecurityError: the RP ID (this page's host) is not a valid domain.
    // Firefox words it "The operation is insecure."
    if (/SecurityError|invalid domain|relying party ID|registrable domain|operation is insecure/i.test(text)) {
      return isIpHost(location.hostname) ? MESSAGES.ipAddress() : MESSAGES.wrongAddress;
    }
    // fetch() to the Passwordless API failed outright, or it answered with
    // something that is not JSON (a proxy's error page).
    if (/Failed to fetch|NetworkError|Load failed|network/i.test(text)) return MESSAGES.unreachable;
    if (/JSON|Unexpected token|SyntaxError/i.test(text)) return MESSAGES.unreachable;
    if (/not supported|NotSupportedError/i.test(text)) return MESSAGES.unsupported;
    if (/TimeoutError|timed? ?out/i.test(text)) return MESSAGES.tooSlow;
    return MESSAGES.generic;
  }

  // A problem body from the Passwordless API, passed through by the client.
  function fromPasswordlessServer(error) {
    switch (error.errorCode) {
      case "unknown_credential":
        return MESSAGES.notRecognised;
      case "expired_token":
        return MESSAGES.tooSlow;
      case "alias_conflict":
        return MESSAGES.usernameTaken;
      case "fido2_invalid_registration":
      case "signin_complete_error":
        return MESSAGES.rejected;
      default:
        break;
    }
    const status = Number(error.status) || 0;
    if (status === 429) return MESSAGES.tooMany;
    if (status >= 500) return MESSAGES.unreachable;
    // 401/403 without a code: wrong or locked public key, missing scope.
    if (status === 401 || status === 403) return MESSAGES.setup;
    return MESSAGES.generic;
  }

  // Our own problems carry a sentence written for people; the codes only
  // matter when a proxy or a crash left no problem body to read.
  function fromApiProblem(problem) {
    if (problem.code === "network") return MESSAGES.siteUnreachable;
    if (problem.title) return problem.title;
    switch (problem.code) {
      case "username_taken":
        return MESSAGES.usernameTaken;
      case "token_expired":
        return MESSAGES.tooSlow;
      case "upstream_unavailable":
      case "upstream_timeout":
        return MESSAGES.unreachable;
      default:
        break;
    }
    if (problem.status === 429) return MESSAGES.tooMany;
    // A proxy in front of the app gave up waiting (no problem body).
    if (problem.status === 504) return MESSAGES.tooSlow;
    if (problem.status >= 500) return MESSAGES.unreachable;
    return MESSAGES.generic;
  }

  /**
   * The one place that turns a failure into words for a person. Accepts an
   * ApiProblem from our `/api`, a `{ error }` result from the client, or a
   * thrown Error. Returns null when there is nothing to say (an abort we
   * caused ourselves).
   */
  function describeFailure(failure) {
    if (failure instanceof ApiProblem) return fromApiProblem(failure);
    const error = failure && failure.error ? failure.error : failure;
    if (error && error.from === "server") return fromPasswordlessServer(error);
    if (error && error.from === "client") return fromClientError(error.errorCode, error.title);
    if (error instanceof Error) return fromClientError("unknown", error.name + ": " + error.message);
    return MESSAGES.generic;
  }

  /** Shows the failure's message as an error; returns false if it was ignored. */
  function report(failure) {
    // The sign-in has ended (it aged out, or another tab signed out) while
    // this page stayed open: the sign-in page is where that can be fixed.
    if (failure instanceof ApiProblem && failure.code === "not_signed_in") {
      location.assign("/signin");
      return true;
    }
    const text = describeFailure(failure);
    if (text === null) {
      clearMessage();
      return false;
    }
    // The details stay in the console for developers; people get the words.
    console.warn("passkeys:", failure);
    showMessage(text, "error");
    return true;
  }

  /**
   * Feature detection for a page: when passkeys cannot work, says why and
   * disables the buttons that need them. Returns true when they can work.
   */
  function setUp(passkeyButtons) {
    const blocker = passkeyBlocker();
    if (blocker === null) return true;
    showMessage(blocker, "error");
    passkeyButtons.forEach((button) => {
      if (button) button.disabled = true;
    });
    return false;
  }

  window.PasskeyPage = Object.freeze({
    MESSAGES,
    NAVIGATING,
    ApiProblem,
    apiRequest,
    busy,
    clearMessage,
    createClient,
    describeFailure,
    finishSignIn,
    go,
    normaliseUsername,
    postJson,
    report,
    setUp,
    showMessage,
  });
})();
