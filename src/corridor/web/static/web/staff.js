// Corridor staff pages: WebAuthn ceremonies, the idle-timeout warning, draft keeping and
// saving a section of the case page in place. Loaded from the site itself under a
// nonce-based CSP; every page also works without it (codes instead of keys, no warning
// before the idle logout, each case action on a page of its own).
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
      keepDraft(form, url);
    });
  }

  function keepDraft(form, url) {
    if (!url || form.hasAttribute("data-draft-kept")) { return; }
    form.setAttribute("data-draft-kept", "");
    (function () {
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
        // Drafts are kept by the form's path, without its query (?task=…).
        post(url, { path: new URL(form.action, window.location.href).pathname, fields: fields });
      }, 30000);
    })();
  }

  // A case page section ([data-section]) opens its actions' forms ([data-inline] links)
  // inside itself and, once saved, swaps in only itself: the server answers the same
  // URLs with fragments when X-Corridor-Section names the section. Focus moves to the
  // form, then to the section's heading, and the live region says what was saved.
  var SECTION = "X-Corridor-Section";

  function announce(text) {
    var live = document.getElementById("section-live");
    if (!live) { return; }
    live.textContent = "";
    // A change the screen reader hears even when the same sentence comes twice.
    setTimeout(function () { live.textContent = text; }, 50);
  }

  function sectionFetch(url, section, options) {
    var headers = { "X-CSRFToken": csrfToken() };
    headers[SECTION] = section.getAttribute("data-section");
    return fetch(url, Object.assign({ credentials: "same-origin", headers: headers }, options || {}))
      .then(function (response) {
        var go = response.headers.get("X-Corridor-Go");
        if (go) {
          window.location.assign(go);
          return null;
        }
        var kind = response.headers.get("X-Corridor-Partial");
        if (!kind) { throw new Error(String(response.status)); }
        return response.text().then(function (html) { return { kind: kind, html: html }; });
      });
  }

  function sectionProblem(section, where) {
    var page = document.querySelector("[data-section-error]");
    var text = page ? page.getAttribute("data-section-error") : "";
    var box = section.querySelector("[data-section-problem]");
    if (!box) {
      box = document.createElement("p");
      box.className = "form-error";
      box.setAttribute("role", "alert");
      box.setAttribute("data-section-problem", "");
      where.parentNode.insertBefore(box, where.nextSibling);
    }
    box.textContent = text;
  }

  function showForm(section, html, after) {
    var old = section.querySelector("[data-section-form]");
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var box = holder.querySelector("[data-section-form]");
    if (!box) { return; }
    if (old) {
      old.replaceWith(box);
    } else {
      after.parentNode.insertBefore(box, after.nextSibling);
    }
    wireForm(section, box);
    var firstError = box.querySelector(".field__error, .form-error");
    var field = firstError
      ? (firstError.closest(".field") || box).querySelector("input, select, textarea")
      : box.querySelector("input:not([type=hidden]), select, textarea");
    var heading = box.querySelector("[data-section-form-heading]");
    var target = field || heading;
    if (target) { target.focus(); }
    if (firstError) { announce(firstError.textContent); }
  }

  // A swapped section without its heading (a template change) must not stop the script.
  function focusHeading(section) {
    var heading = section.querySelector("h2");
    if (!heading) { return; }
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }

  function wireForm(section, box) {
    var form = box.querySelector("form");
    keepDraft(form, form.hasAttribute("data-draft") ? document.body.getAttribute("data-draft-url") : "");
    var cancel = box.querySelector("[data-section-cancel]");
    if (cancel) {
      cancel.addEventListener("click", function (event) {
        event.preventDefault();
        box.remove();
        focusHeading(section);
      });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      sectionFetch(form.action, section, { method: "POST", body: new FormData(form) })
        .then(function (reply) {
          if (!reply) { return; }
          if (reply.kind === "form") {
            showForm(section, reply.html, box);
            return;
          }
          section.innerHTML = reply.html;
          wireSection(section);
          focusHeading(section);
          var saved = section.querySelector("[data-section-saved]");
          if (saved) { announce(saved.textContent); }
        })
        .catch(function () {
          if (button) { button.disabled = false; }
          sectionProblem(section, form);
        });
    });
  }

  function wireSection(section) {
    section.querySelectorAll("a[data-inline]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
        event.preventDefault();
        var after = link.closest("p, table, tr") || link;
        if (after.tagName === "TR") { after = after.closest("table"); }
        sectionFetch(link.href, section)
          .then(function (reply) {
            if (reply) { showForm(section, reply.html, after); }
          })
          .catch(function () { window.location.assign(link.href); });
      });
    });
  }

  function setUpSections() {
    if (!window.fetch || !window.FormData) { return; }
    document.querySelectorAll("[data-section]").forEach(wireSection);
  }

  // The "More" menu of the navigation closes when one clicks anywhere else, or presses Escape.
  function setUpMoreMenu() {
    var menu = document.querySelector(".site-nav__more");
    if (!menu) { return; }
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) { menu.open = false; }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpMoreMenu();
    setUpWebAuthn();
    setUpIdleWarning();
    setUpDrafts();
    setUpSections();
  });
})();
