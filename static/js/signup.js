// Sign-up: ask the app for a register token, let the official client create
// the passkey with it, then hand the resulting verify token back to the app,
// which signs the new account in.
(function () {
  "use strict";
  const P = window.PasskeyPage;
  const form = document.getElementById("signup-form");
  const username = document.getElementById("username");
  const nickname = document.getElementById("nickname");
  const button = document.getElementById("signup-button");

  if (!P.setUp([button])) return;
  const client = P.createClient();

  function markUsernameInvalid(invalid) {
    if (invalid) username.setAttribute("aria-invalid", "true");
    else username.removeAttribute("aria-invalid");
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!P.normaliseUsername(username.value)) {
      P.showMessage("Enter a username.", "error");
      markUsernameInvalid(true);
      username.focus();
      return;
    }
    markUsernameInvalid(false);
    P.busy(button, signUp);
  });

  async function signUp() {
    const name = nickname.value.trim();
    P.showMessage("Creating your passkey. Follow the prompts from your browser or device.", null);

    // The username goes as typed: the server owns normalisation.
    const request = { username: username.value };
    if (name) request.nickname = name;
    let registerToken;
    try {
      ({ token: registerToken } = await P.postJson("/api/signup", request));
    } catch (problem) {
      P.report(problem);
      if (problem.code === "username_taken" || problem.code === "invalid_username") {
        markUsernameInvalid(true);
        username.focus();
      }
      return;
    }

    // The nickname argument is optional; leave it out rather than pass
    // undefined or an empty name.
    const result = name ? await client.register(registerToken, name) : await client.register(registerToken);
    if (result.error) {
      P.report(result);
      return;
    }

    P.showMessage("Passkey created. Signing you in…", "success");
    try {
      await P.finishSignIn(result.token);
    } catch (problem) {
      P.report(problem);
      return;
    }
    return P.NAVIGATING;
  }
})();
