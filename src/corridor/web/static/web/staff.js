// Corridor staff pages: WebAuthn ceremonies and the idle-timeout warning.
// Loaded from the site itself under a nonce-based CSP; every page also works
// without it (codes instead of keys, no warning before the idle logout).
"use strict";

(function () {
  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, body, fallback) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? "" : JSON.stringify(body),
    }).then(function (response) {
      // An answer that is not JSON (a proxy's error page) is said in words, never raw.
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (data.reauth) {
          // The last password and code check went stale: confirm them, then come back.
          window.location.assign(data.reauth);
        }
        if (!response.ok || !data || typeof data !== "object") {
          throw new Error(data.error || fallback || String(response.status));
        }
        return data;
      });
    });
  }

  function fromB64url(text) {
    var padded = text.replace(/-/g, "+").replace(/_/g, "/");
    while (padded.length % 4) { padded += "="; }
    var binary = atob(padded);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function decodeCreation(options) {
    options.challenge = fromB64url(options.challenge);
    options.user.id = fromB64url(options.user.id);
    (options.excludeCredentials || []).forEach(function (c) { c.id = fromB64url(c.id); });
    return options;
  }

  function decodeRequest(options) {
    options.challenge = fromB64url(options.challenge);
    (options.allowCredentials || []).forEach(function (c) { c.id = fromB64url(c.id); });
    return options;
  }

  function encodeCredential(credential) {
    var r = credential.response;
    var out = {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toB64url(r.clientDataJSON) },
    };
    if (r.attestationObject) {
      out.response.attestationObject = toB64url(r.attestationObject);
      out.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      out.response.authenticatorData = toB64url(r.authenticatorData);
      out.response.signature = toB64url(r.signature);
      out.response.userHandle = r.userHandle ? toB64url(r.userHandle) : null;
    }
    return out;
  }

  function ceremony(box) {
    var mode = box.getAttribute("data-webauthn");
    var error = box.querySelector("[data-webauthn-error]");
    var fallback = error.getAttribute("data-fallback") || "";
    error.hidden = true;
    return post(box.getAttribute("data-options-url"), undefined, fallback)
      .then(function (options) {
        if (mode === "create") {
          return navigator.credentials.create({ publicKey: decodeCreation(options) });
        }
        return navigator.credentials.get({ publicKey: decodeRequest(options) });
      })
      .then(function (credential) {
        return post(box.getAttribute("data-complete-url"), encodeCredential(credential), fallback);
      })
      .then(function (result) {
        window.location.assign(result.redirect || box.getAttribute("data-next") || "/");
      })
      .catch(function (problem) {
        // The browser's own errors (a cancelled prompt) are technical: say it plainly.
        var said = problem instanceof Error && problem.name === "Error" ? problem.message : "";
        error.textContent = said || fallback || String(problem);
        error.hidden = false;
      });
  }

  function setUpWebAuthn() {
    if (!window.PublicKeyCredential) { return; }
    document.querySelectorAll("[data-webauthn]").forEach(function (box) {
      box.hidden = false;
      box.querySelector("[data-webauthn-start]").addEventListener("click", function () {
        ceremony(box);
      });
    });
  }

  function setUpIdleWarning() {
    var body = document.body;
    var seconds = parseInt(body.getAttribute("data-idle-seconds") || "", 10);
    var warning = document.getElementById("idle-warning");
    if (!seconds || !warning) { return; }
    var warnTimer, endTimer;
    function arm(left) {
      clearTimeout(warnTimer);
      clearTimeout(endTimer);
      warning.hidden = true;
      warnTimer = setTimeout(function () { warning.hidden = false; }, Math.max(0, left - 60) * 1000);
      // At expiry reload: the server ends the session and shows the login form.
      endTimer = setTimeout(function () { window.location.reload(); }, (left + 2) * 1000);
    }
    document.getElementById("idle-stay").addEventListener("click", function () {
      post(body.getAttribute("data-keep-alive-url")).then(function (data) {
        arm(data.seconds_left);
      });
    });
    arm(seconds);
  }

  // Forms marked data-draft are kept, sealed on the server, every half minute while
  // they change, so nothing typed is lost to the idle logout. Nothing is stored here.
  function setUpDrafts() {
    var url = document.body.getAttribute("data-draft-url");
    if (!url) { return; }
    document.querySelectorAll("form[data-draft]").forEach(function (form) {
      var dirty = false;
      form.addEventListener("input", function () { dirty = true; });
      form.addEventListener("submit", function () { dirty = false; });
      setInterval(function () {
        if (!dirty) { return; }
        dirty = false;
        var fields = {};
        new FormData(form).forEach(function (value, name) {
          if (typeof value === "string" && name !== "csrfmiddlewaretoken") { fields[name] = value; }
        });
        post(url, { path: form.getAttribute("action") || window.location.pathname, fields: fields });
      }, 30000);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpWebAuthn();
    setUpIdleWarning();
    setUpDrafts();
  });
})();
