package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: by default OWASP's minimum (19 MiB, 2 passes, 1 lane);
// Options.HashMemoryKiB and HashTime change the cost of new hashes (a hash
// carries its parameters, so it is checked at the cost it was made with).
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// hashPassword returns the PHC-encoded argon2id hash of password, made with
// memKiB of memory and passes passes.
func hashPassword(password string, memKiB, passes uint32) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("accounts: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, passes, memKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memKiB, passes, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("accounts: malformed password hash")

// checkPassword reports whether password matches the encoded hash, in
// constant time with respect to the key.
func checkPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, iters, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// newDummyHash makes the hash checked against when a login id does not
// exist, at the service's cost, so a wrong login id costs as long as a wrong
// password. New makes it, so the first unknown login id costs no more than
// the others.
func newDummyHash(memKiB, passes uint32) string {
	h, err := hashPassword("illuwa-timing-equaliser", memKiB, passes)
	if err != nil {
		panic(err) // crypto/rand failed: nothing else would work either
	}
	return h
}

// hashSlotCount is how many argon2 computations (19 MiB each) one service
// runs at once, so a burst of logins cannot exhaust memory; waiters give up
// after the service's hashWait. A program has one accounts service.
func hashSlotCount() int { return max(2, runtime.GOMAXPROCS(0)) }

// defaultHashWait is how long a hash waits for a slot before ErrBusy.
const defaultHashWait = 3 * time.Second

func (s *Service) withHashSlot(ctx context.Context, fn func()) error {
	t := time.NewTimer(s.hashWait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return ErrBusy
	}
	defer func() { <-s.slots }()
	fn()
	return nil
}

// hash is hashPassword within the hashing budget: ErrBusy when no slot
// frees in time.
func (s *Service) hash(ctx context.Context, password string) (string, error) {
	var out string
	var err error
	if serr := s.withHashSlot(ctx, func() { out, err = hashPassword(password, s.opts.HashMemoryKiB, s.opts.HashTime) }); serr != nil {
		return "", serr
	}
	return out, err
}

// check is checkPassword within the hashing budget: ErrBusy when no slot
// frees in time.
func (s *Service) check(ctx context.Context, encoded, password string) (bool, error) {
	var ok bool
	var err error
	if serr := s.withHashSlot(ctx, func() { ok, err = checkPassword(encoded, password) }); serr != nil {
		return false, serr
	}
	return ok, err
}
