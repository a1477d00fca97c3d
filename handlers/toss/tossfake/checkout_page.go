package tossfake

import (
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// checkoutTmpl is the fake widget: a card form that opens the payment with
// POST checkout (relative, so it works under any mount prefix) and then
// redirects to successUrl?paymentKey=&orderId=&amount= like the real widget.
var checkoutTmpl = template.Must(template.New("checkout").Parse(`<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Fake payment</title>
<style nonce="{{.Nonce}}">body{font-family:sans-serif;max-width:24rem;margin:2rem auto;padding:0 1rem}
input,button{font-size:1.1rem;width:100%;margin:.3rem 0;padding:.5rem;box-sizing:border-box}
.err{color:#b00}</style></head>
<body><h1>Fake payment gateway</h1>
<p>{{.OrderName}} &mdash; <strong>{{.Amount}} 원</strong></p>
<form id="f">
<label>Card number <input id="card" inputmode="numeric" autocomplete="cc-number" value="4330 1234 1234 1234"></label>
<label>CVC <input id="cvc" inputmode="numeric" autocomplete="cc-csc" maxlength="4" value="123"></label>
<button>Pay</button></form>
<p>Test cards: 4330 1234 1234 1234 is approved, 4000 0000 0000 0002 is declined at confirm.</p>
<p id="msg" class="err"></p>
<script nonce="{{.Nonce}}">
const orderId = {{.OrderID}}, amount = {{.Amount}}, orderName = {{.OrderName}};
const successUrl = {{.SuccessURL}}, failUrl = {{.FailURL}};
function go(base, params) {
  const u = new URL(base, location.href);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  location.assign(u.toString());
}
document.getElementById("f").addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = {orderId, amount, orderName,
    cardNumber: document.getElementById("card").value, cvc: document.getElementById("cvc").value};
  const res = await fetch("checkout", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  const out = await res.json();
  if (res.ok) { go(successUrl, {paymentKey: out.paymentKey, orderId, amount: String(amount)}); return; }
  if (failUrl) { go(failUrl, {code: out.code, message: out.message, orderId}); return; }
  document.getElementById("msg").textContent = out.code + ": " + out.message;
});
</script></body></html>
`))

// checkoutPage serves GET /v1/fake/checkout-page?orderId=&amount=&successUrl=
// (optional orderName, failUrl). Redirect targets must be relative paths or
// URLs on the same host, so the page cannot be used as an open redirect.
func (s *Server) checkoutPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	amount, err := strconv.ParseInt(q.Get("amount"), 10, 64)
	if err != nil || amount <= 0 || !orderIDPattern.MatchString(q.Get("orderId")) {
		http.Error(w, "orderId (6-64 of A-Z a-z 0-9 - _) and a positive amount are required", http.StatusBadRequest)
		return
	}
	success, fail := q.Get("successUrl"), q.Get("failUrl")
	if !sameSite(success, r.Host) || (fail != "" && !sameSite(fail, r.Host)) {
		http.Error(w, "successUrl and failUrl must be relative paths or on this host", http.StatusBadRequest)
		return
	}
	name := q.Get("orderName")
	if name == "" {
		name = "order " + q.Get("orderId")
	}
	nonce := newNonce()
	pageHeaders(w.Header(), nonce)
	_ = checkoutTmpl.Execute(w, map[string]any{
		"OrderID": q.Get("orderId"), "Amount": amount, "OrderName": name, "SuccessURL": success, "FailURL": fail,
		"Nonce": nonce,
	})
}

// pageHeaders sets the headers the app's own pages send: nothing loads but
// the page's own nonce-marked script and style and its fetch to this origin,
// the page cannot be framed (no clickjacking of the Pay button), and it is
// neither cached nor named in a Referer.
func pageHeaders(h http.Header, nonce string) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; style-src 'nonce-"+nonce+
		"'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// newNonce returns 128 random bits for the page's Content-Security-Policy.
func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// sameSite reports whether target is a path on this site or an http(s) URL on
// host. Control characters, backslashes and non-ASCII spaces are refused
// anywhere: browsers drop tabs and newlines and read "\" as "/", so
// "/\t/evil.example" would leave the site.
func sameSite(target, host string) bool {
	if target == "" || strings.ContainsFunc(target, func(r rune) bool {
		return r == '\\' || unicode.IsControl(r) || (r > unicode.MaxASCII && unicode.IsSpace(r)) || r == unicode.ReplacementChar
	}) {
		return false
	}
	if strings.HasPrefix(target, "/") && !strings.HasPrefix(target, "//") {
		return true
	}
	u, err := url.Parse(target)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host == host
}
