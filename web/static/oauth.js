// The end of a sign-in through a provider (/oauth.html#ticket=... or
// #error=<code>): the ticket is taken out of the address at once and
// claimed with POST /auth/oauth/ticket (the browser's binding cookie goes
// along). Signed in, the session is stored as a login's; otherwise the page
// asks for the existing account's password (link) or for the new
// account's role, login id, nickname and phone (sign-up).
import { api, saveSession } from "./api.js";
import { $, showError } from "./dom.js";
import { t } from "./i18n.js";
import { mountUser } from "./topbar.js";

window.illuwa = { state: "loading" };
mountUser($("user"));

const params = new URLSearchParams(location.hash.slice(1));
history.replaceState(null, "", location.pathname); // the ticket leaves the address bar and history
const ticket = params.get("ticket") || "";
const status = $("oauth-status");
const linkForm = $("link-form");
const signupForm = $("oauth-signup-form");

function signedIn(session) {
  saveSession(session.token, session.user);
  window.illuwa.state = "signed_in";
  location.assign(session.user.role === "owner" ? "/owner.html" : "/");
}

function failed(err) {
  status.textContent = "";
  showError($("oauth-error"), err);
  window.illuwa.state = "failed";
}

function showSignup(out) {
  linkForm.hidden = true;
  signupForm.hidden = false;
  signupForm.elements.email.value = out.email || "";
  signupForm.elements.nickname.value = out.name || "";
  window.illuwa.state = "signup";
}

async function busy(button, errEl, fn) {
  button.disabled = true;
  showError(errEl, null);
  try {
    await fn();
  } catch (err) {
    showError(errEl, err);
  } finally {
    button.disabled = false;
  }
}

if (params.get("error")) {
  failed({ status: 400, code: params.get("error"), message: t("oauth.failed") });
} else if (!ticket) {
  failed({ message: t("oauth.no_ticket") });
} else {
  api("POST", "/auth/oauth/ticket", { ticket })
    .then((out) => {
      if (out.status === "signed_in") return signedIn(out.session);
      status.textContent = "";
      if (out.status === "link_required") {
        $("link-explain").textContent = t("oauth.link_explain", { email: out.email });
        linkForm.hidden = false;
        $("to-signup").addEventListener("click", () => showSignup(out));
        window.illuwa.state = "link";
        return;
      }
      showSignup(out);
    })
    .catch(failed);
}

linkForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  const password = String(new FormData(linkForm).get("password"));
  await busy($("link-submit"), $("link-error"), async () => signedIn(await api("POST", "/auth/oauth/link", { ticket, password })));
});

signupForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = Object.fromEntries(new FormData(signupForm));
  await busy($("oauth-signup-submit"), $("oauth-signup-error"), async () => {
    const body = { ticket, role: f.role, login_id: f.login_id.trim(), nickname: f.nickname.trim(), phone: f.phone.trim() };
    if (f.email.trim()) body.email = f.email.trim();
    signedIn(await api("POST", "/auth/oauth/signup", body));
  });
});
