package pushtest

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// token signs claims as a VAPID JWT with key and returns the header value.
func token(t *testing.T, key *ecdsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"typ": "JWT", "alg": "ES256"})
	c, _ := json.Marshal(claims)
	signing := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	d := sha256.Sum256([]byte(signing))
	r, s, err := ecdsa.Sign(rand.Reader, key, d[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	pub, _ := key.PublicKey.Bytes()
	return "vapid t=" + signing + "." + enc.EncodeToString(sig) + ", k=" + enc.EncodeToString(pub)
}

// The VAPID check refuses what RFC 8292 forbids: the independent check is
// only worth something if it can fail.
func TestCheckVAPIDRefuses(t *testing.T) {
	t.Parallel()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	origin, now := "http://127.0.0.1:9", time.Now()
	good := map[string]any{"aud": origin, "exp": now.Add(time.Hour).Unix(), "sub": "mailto:ops@example.com"}
	with := func(k string, v any) map[string]any {
		c := map[string]any{}
		for a, b := range good {
			c[a] = b
		}
		c[k] = v
		return c
	}
	if err := checkVAPID(token(t, key, good), origin, "", now); err != nil {
		t.Fatalf("a good token: %v", err)
	}
	otherPub, _ := other.PublicKey.Bytes()
	forged := strings.Replace(token(t, key, good), "k=", "k="+base64.RawURLEncoding.EncodeToString(otherPub)+"&", 1)
	tests := map[string]string{
		"wrong_aud":         token(t, key, with("aud", "https://push.example.com")),
		"expired":           token(t, key, with("exp", now.Add(-time.Minute).Unix())),
		"too_far":           token(t, key, with("exp", now.Add(25*time.Hour).Unix())),
		"no_sub":            token(t, key, with("sub", "")),
		"other_key_signed":  strings.Split(token(t, other, good), ", k=")[0] + ", k=" + strings.Split(token(t, key, good), ", k=")[1],
		"not_vapid":         "WebPush " + token(t, key, good),
		"k_not_a_point":     forged,
		"no_token":          "vapid k=abc",
		"signature_garbled": token(t, key, good)[:40] + "x" + token(t, key, good)[41:],
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			if err := checkVAPID(h, origin, "", now); err == nil {
				t.Fatalf("accepted %q", h)
			}
		})
	}
	pub, _ := key.PublicKey.Bytes()
	if err := checkVAPID(token(t, key, good), origin, base64.RawURLEncoding.EncodeToString(otherPub), now); err == nil {
		t.Fatal("accepted a token of another application server than expected")
	}
	if err := checkVAPID(token(t, key, good), origin, base64.RawURLEncoding.EncodeToString(pub), now); err != nil {
		t.Fatal(err)
	}
}

// Decrypt refuses a body not encrypted to the subscription's key, or changed
// on the way.
func TestDecryptRefuses(t *testing.T) {
	t.Parallel()
	priv, _ := ecdh.P256().GenerateKey(rand.Reader)
	auth := make([]byte, 16)
	body := make([]byte, 21+65+100)
	copy(body[21:], priv.PublicKey().Bytes())
	body[19], body[20] = 0x10, 65
	if _, err := Decrypt(priv, auth, body); err == nil {
		t.Fatal("random ciphertext decrypted")
	}
	if _, err := Decrypt(priv, auth, body[:10]); err == nil {
		t.Fatal("a short body decrypted")
	}
}
