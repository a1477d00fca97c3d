package push

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/illuwa/illuwa/store"
)

// Keys are the application server's VAPID key pair (RFC 8292), each
// base64url without padding: Public is the uncompressed P-256 point (65
// bytes) browsers subscribe with, Private the 32-byte scalar.
type Keys struct {
	Public  string
	Private string
}

// ErrBadKeys: a VAPID key pair that is not a P-256 pair.
var ErrBadKeys = errors.New("push: the VAPID keys are not a P-256 key pair (base64url: a 32-byte private key and its 65-byte public key)")

// GenerateKeys makes a new VAPID key pair.
func GenerateKeys() (Keys, error) {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return Keys{}, fmt.Errorf("push: generate keys: %w", err)
	}
	enc := base64.RawURLEncoding
	return Keys{Public: enc.EncodeToString(k.PublicKey().Bytes()), Private: enc.EncodeToString(k.Bytes())}, nil
}

// decodeKey reads base64url with or without padding.
func decodeKey(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// Check reports ErrBadKeys unless Private is a P-256 private key whose
// public key is Public.
func (k Keys) Check() error {
	priv, err := decodeKey(k.Private)
	if err != nil {
		return ErrBadKeys
	}
	pk, err := ecdh.P256().NewPrivateKey(priv)
	if err != nil {
		return ErrBadKeys
	}
	pub, err := decodeKey(k.Public)
	if err != nil || string(pk.PublicKey().Bytes()) != string(pub) {
		return ErrBadKeys
	}
	return nil
}

// serverKeyName is the database row of a generated key pair.
const serverKeyName = "vapid"

// LoadOrCreateKeys returns the key pair kept in the database, making and
// storing one first when there is none: every instance on one database uses
// the same pair, so subscriptions made through any of them stay valid.
func LoadOrCreateKeys(ctx context.Context, st *store.Store) (Keys, error) {
	v, err := st.ServerKey(ctx, serverKeyName, func() (string, error) {
		k, err := GenerateKeys()
		return k.Private + "." + k.Public, err
	})
	if err != nil {
		return Keys{}, fmt.Errorf("push: keys: %w", err)
	}
	priv, pub, _ := strings.Cut(v, ".")
	k := Keys{Public: pub, Private: priv}
	if err := k.Check(); err != nil {
		return Keys{}, fmt.Errorf("push: stored keys: %w", err)
	}
	return k, nil
}
