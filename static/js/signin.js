// Sign-in three ways: passkey autofill in the username field, by username
// (the passkeys of that account), or with the passkey button (any passkey
// this device has for the site). Each yields a verify token that the app
// checks before it starts the session.
(function () {
  "use strict";
  const P = window.PasskeyPage;
  const form = document.getElementById("signin-form");
  const username = document.getElementById("username");
  const signinButton = document.getElementById("signin-button");
  const passkeyButton = document.getElementById("passkey-button");

  if (!P.setUp([signinButton, passkeyButton])) return;

  // Two clients, because each signin* call aborts the pending call of its
  // own client and then swaps in a fresh AbortController. With one client,
  // an autofill request still fetching its challenge would pick up the
  // explicit attempt's controller and survive the abort.
  const client = P.createClient();
  const autofillClient = P.createClient();

  // Autofill: a pending conditional request that resolves when the person
  // picks a passkey from the username field's suggestions.
  let autofillSupported = false;
  let autofillPending = null;
  // Bumped whenever the pending autofill request stops mattering, so its
  // late result (usually an AbortError) is dropped instead of shown.
  let autofillGeneration = 0;
  // Failures in a row: after a few, autofill waits for the person to come
  // back to the field instead of retrying in a tight loop (say, while the
  // passkey service is down).
  let autofillFailures = 0;
  // True while an explicit attempt runs: autofill must not start then.
  let attemptRunning = false;

  async function armAutofill() {
    if (!autofillSupported || attemptRunning) return;
    const generation = ++autofillGeneration;
    // signinWithAutofill throws (rather than returning { error }) when
    // conditional mediation is unsupported; treat both the same way.
    const pending = autofillClient.signinWithAutofill().catch((error) => ({
      error: { from: "client", errorCode: "unknown", title: String(error && error.message) },
    }));
    autofillPending = pending;
    const result = await pending;
    if (generation !== autofillGeneration) return;
    autofillPending = null;

    if (result.token) {
      autofillFailures = 0;
      const outcome = await P.busy(null, () => finish(result.token));
      if (outcome !== P.NAVIGATING) rearmAfterFailure();
      return;
    }
    // The person did not start this request, so the browser ending it (no
    // passkey to offer, a timeout, an abort) is not news to them and stays
    // in the console. What the service said about a passkey they picked
    // (say, one it no longer knows) is shown. Either way it counts as a
    // failure, so a browser that keeps ending it cannot spin this loop.
    if (result.error && result.error.from === "server") {
      P.report(result);
    } else {
      console.warn("passkeys: autofill request ended:", result.error);
    }
    rearmAfterFailure();
  }

  function rearmAfterFailure() {
    autofillFailures += 1;
    if (autofillFailures < 3) {
      armAutofill();
      return;
    }
    username.addEventListener(
      "focus",
      () => {
        autofillFailures = 0;
        armAutofill();
      },
      { once: true },
    );
  }

  async function stopAutofill() {
    autofillGeneration += 1;
    autofillClient.abort();
    const pending = autofillPending;
    autofillPending = null;
    if (pending) {
      // Let the browser settle the aborted request before a new one starts,
      // but never wait long on it (it may be stuck fetching a challenge).
      await Promise.race([pending, new Promise((resolve) => setTimeout(resolve, 1000))]);
    }
  }

  // `username` is set for a sign-in by username: with no such account the
  // browser offers every passkey it has for this site, and the server then
  // refuses one that belongs to somebody else.
  async function finish(token, username) {
    P.showMessage("Signing you in…", null);
    try {
      await P.finishSignIn(token, username);
    } catch (problem) {
      P.report(problem);
      return;
    }
    return P.NAVIGATING;
  }

  // An explicit attempt: autofill stops first, the ceremony runs, and
  // autofill is armed again whatever the result (unless we are leaving).
  async function attempt(trigger, ceremony, username) {
    attemptRunning = true;
    const outcome = await P.busy(trigger, async () => {
      await stopAutofill();
      P.showMessage("Follow the prompts from your browser or device.", null);
      const result = await ceremony();
      if (result.error) {
        P.report(result);
        return;
      }
      return finish(result.token, username);
    });
    if (outcome !== P.NAVIGATING) {
      attemptRunning = false;
      autofillFailures = 0;
      armAutofill();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    // Passwordless matches aliases exactly, so the alias is normalised the
    // same way the server normalised it at sign-up (see normaliseUsername).
    const alias = P.normaliseUsername(username.value);
    if (!alias) {
      P.showMessage("Enter your username, or use “Sign in with a passkey”.", "error");
      username.setAttribute("aria-invalid", "true");
      username.focus();
      return;
    }
    username.removeAttribute("aria-invalid");
    attempt(signinButton, () => client.signinWithAlias(alias), alias);
  });

  passkeyButton.addEventListener("click", () => {
    attempt(passkeyButton, () => client.signinWithDiscoverable());
  });

  // isAutofillSupported is async (it asks the browser about conditional
  // mediation); the page works without it.
  Promise.resolve(window.Passwordless.isAutofillSupported())
    .catch(() => false)
    .then((supported) => {
      autofillSupported = Boolean(supported);
      armAutofill();
    });
})();
