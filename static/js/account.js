// Account page: add a passkey, delete one after a confirmation, sign out.
(function () {
  "use strict";
  const P = window.PasskeyPage;
  const list = document.getElementById("passkeys");
  const heading = document.getElementById("passkeys-title");
  const addForm = document.getElementById("add-passkey-form");
  const addButton = document.getElementById("add-passkey-button");
  const nameInput = document.getElementById("passkey-name");
  const signoutForm = document.getElementById("signout-form");
  const signoutButton = document.getElementById("signout-button");
  const dialog = document.getElementById("confirm-delete");
  const dialogName = document.getElementById("confirm-delete-name");
  const keepButton = document.getElementById("confirm-delete-no");

  // A message to show after the reload that follows adding a passkey.
  const FLASH_KEY = "passkeys-demo:flash";
  const flash = sessionStorage.getItem(FLASH_KEY);
  if (flash) {
    sessionStorage.removeItem(FLASH_KEY);
    P.showMessage(flash, "success");
  }

  // Deleting and signing out need no WebAuthn, so only "add" depends on it.
  const canUsePasskeys = P.setUp([addButton]);
  const client = canUsePasskeys ? P.createClient() : null;

  addForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (client) P.busy(addButton, addPasskey);
  });

  async function addPasskey() {
    const name = nameInput.value.trim();
    P.showMessage("Creating your passkey. Follow the prompts from your browser or device.", null);
    let registerToken;
    try {
      ({ token: registerToken } = await P.postJson("/api/passkeys"));
    } catch (problem) {
      P.report(problem);
      return;
    }
    const result = name ? await client.register(registerToken, name) : await client.register(registerToken);
    if (result.error) {
      P.report(result);
      return;
    }
    try {
      await P.postJson("/api/passkeys/verify", { token: result.token });
    } catch (problem) {
      P.report(problem);
      return;
    }
    sessionStorage.setItem(FLASH_KEY, name ? "Passkey “" + name + "” added." : "Passkey added.");
    location.reload();
    return P.NAVIGATING;
  }

  // One listener for every row's delete button.
  list.addEventListener("click", (event) => {
    const button = event.target.closest("button.passkey-delete");
    if (!button) return;
    const row = button.closest("li.passkey");
    confirmDelete(row, button);
  });

  function passkeyName(row) {
    const name = row.querySelector(".passkey-name");
    return name ? name.textContent.trim() : "this passkey";
  }

  function confirmDelete(row, button) {
    const name = passkeyName(row);
    if (typeof dialog.showModal !== "function") {
      // Browsers without <dialog> still get a confirmation.
      if (window.confirm("Delete the passkey “" + name + "”?")) deletePasskey(row, button);
      return;
    }
    dialogName.textContent = name;
    // Escape closes the dialog without touching returnValue, so clear it:
    // only a click on "Delete" may leave "delete" there.
    dialog.returnValue = "";
    dialog.addEventListener(
      "close",
      () => {
        if (dialog.returnValue === "delete") deletePasskey(row, button);
        else button.focus();
      },
      { once: true },
    );
    dialog.showModal();
    // The safe choice has focus, so a stray Enter keeps the passkey.
    keepButton.focus();
  }

  async function deletePasskey(row, button) {
    const focusTarget = await P.busy(button, async () => {
      const name = passkeyName(row);
      try {
        await P.apiRequest("DELETE", "/api/passkeys/" + encodeURIComponent(row.dataset.credentialId));
      } catch (problem) {
        P.report(problem);
        return;
      }
      // Focus moves to a neighbour's delete button, or to the list heading,
      // so keyboard users are not thrown back to the top of the page.
      const neighbour = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      P.showMessage("Passkey “" + name + "” deleted.", "success");
      const next = neighbour && neighbour.querySelector("button.passkey-delete");
      return next || heading;
    });
    // Only now are the buttons enabled again and able to take focus.
    if (focusTarget instanceof HTMLElement) focusTarget.focus();
  }

  signoutForm.addEventListener("submit", (event) => {
    event.preventDefault();
    P.busy(signoutButton, async () => {
      let data;
      try {
        data = await P.postJson("/api/signout");
      } catch (problem) {
        P.report(problem);
        return;
      }
      P.go(data && data.redirect, "/");
      return P.NAVIGATING;
    });
  });
})();
