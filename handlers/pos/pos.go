// Package pos is the stall's POS boxes: pairing a box with a stall by a
// short code, the device tokens that come of it (bound to one stall,
// revocable), and the presence of each stall's POS devices and owner
// screens, from which a stall with nobody watching stops taking orders.
//
// It speaks no HTTP: its refusals are the sentinel errors below and
// store.ErrNotFound for what the caller may not see.
package pos

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync/atomic"
	"time"

	"github.com/illuwa/illuwa/store"
)

// The refusals of the POS service.
var (
	ErrNotYourPocha = errors.New("pos: the stall belongs to another owner")
	ErrBadCode      = errors.New("pos: the pairing code is unknown, used or expired")
)

// TokenPrefix starts every device token, so a token tells its kind.
const TokenPrefix = "pos_"

// codeAlphabet has no 0/O, 1/I/L: a code is read off a screen and typed.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// CodeLen is the length of a pairing code.
const CodeLen = 8

// Options tune the service. The zero value of each field means its default.
type Options struct {
	CodeTTL time.Duration // a pairing code lasts this long; default 10 minutes
	// PauseAfter: an open stall with no POS device and no owner screen
	// online for this long stops taking orders. 0 never pauses.
	PauseAfter time.Duration
	// Interval is how often presence is refreshed and pauses are checked;
	// default PauseAfter/4 (at least 1 s, at most 15 s).
	Interval time.Duration
}

// Ender closes the connections of a revoked device on every instance; a
// *realtime.Hub satisfies it.
type Ender interface {
	EndDevice(ctx context.Context, pochaID, deviceID uint64) error
}

// Announcer tells the live map that a stall paused or resumed.
type Announcer interface {
	Announce(ctx context.Context, pochaID uint64, paused bool) error
}

// Deps are what the service needs. Store and Log are required; a nil
// Presence keeps presence in this process's memory.
type Deps struct {
	Store    *store.Store
	Presence PresenceStore
	End      Ender
	Announce Announcer
	Log      *slog.Logger
	Options  Options
	Now      func() time.Time
}

// Service is the POS devices and presence.
type Service struct {
	store    *store.Store
	presence PresenceStore
	end      Ender
	announce Announcer
	log      *slog.Logger
	opts     Options
	now      func() time.Time
	local    *localConns
	// sweepStep is how many stalls a sweep step takes (sweepBatch; tests
	// make it small).
	sweepStep int
	// presenceDown is when (Unix ns) Accepting may ask the presence store
	// again after it failed.
	presenceDown atomic.Int64
}

// New builds the service.
func New(d Deps) *Service {
	o := d.Options
	if o.CodeTTL <= 0 {
		o.CodeTTL = 10 * time.Minute
	}
	if o.Interval <= 0 {
		o.Interval = min(max(o.PauseAfter/4, time.Second), 15*time.Second)
	}
	s := &Service{store: d.Store, presence: d.Presence, end: d.End, announce: d.Announce, log: d.Log, opts: o, now: d.Now,
		local: newLocalConns(), sweepStep: sweepBatch}
	if s.presence == nil {
		s.presence = NewMemoryPresence()
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Device is an authenticated POS device: its stall and the stall's owner.
type Device struct {
	ID      uint64
	PochaID uint64
	OwnerID uint64
}

// Code is a pairing code as the owner sees it.
type Code struct {
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Paired is what a box gets for a code: its id and token (shown once).
type Paired struct {
	DeviceID uint64 `json:"device_id"`
	PochaID  uint64 `json:"pocha_id"`
	Token    string `json:"token"`
}

// DeviceView is a paired device as the owner sees it.
type DeviceView struct {
	ID         uint64     `json:"id"`
	Name       string     `json:"name"`
	Online     bool       `json:"online"`
	CreatedAt  time.Time  `json:"created_at"`
	LastSeenAt *time.Time `json:"last_seen_at"`
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// ownStall loads the stall and checks the owner.
func (s *Service) ownStall(ctx context.Context, ownerID, pochaID uint64) (store.Pocha, error) {
	p, err := s.store.PochaByID(ctx, pochaID)
	if err != nil {
		return p, err
	}
	if p.OwnerID != ownerID {
		return p, ErrNotYourPocha
	}
	return p, nil
}

// NewCode makes a pairing code for the owner's stall: CodeLen characters,
// single-use, valid for Options.CodeTTL.
func (s *Service) NewCode(ctx context.Context, ownerID, pochaID uint64) (Code, error) {
	if _, err := s.ownStall(ctx, ownerID, pochaID); err != nil {
		return Code{}, err
	}
	var b strings.Builder
	for range CodeLen {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(codeAlphabet))))
		if err != nil {
			return Code{}, fmt.Errorf("pos: code: %w", err)
		}
		b.WriteByte(codeAlphabet[n.Int64()])
	}
	code := b.String()
	exp := s.now().UTC().Add(s.opts.CodeTTL).Truncate(time.Microsecond)
	if err := s.store.CreatePairingCode(ctx, &store.PairingCode{CodeHash: hash(code), PochaID: pochaID, CreatedBy: ownerID,
		ExpiresAt: exp}); err != nil {
		return Code{}, err
	}
	return Code{Code: code, ExpiresAt: exp}, nil
}

// NormalizeCode uppercases a typed code and drops spaces and dashes.
func NormalizeCode(code string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(code)))
}

// Pair uses up a pairing code and returns the new device's token, which is
// stored only hashed. An unknown, used or expired code is ErrBadCode.
func (s *Service) Pair(ctx context.Context, code, name string) (Paired, error) {
	code = NormalizeCode(code)
	if len(code) != CodeLen {
		return Paired{}, ErrBadCode
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Paired{}, fmt.Errorf("pos: token: %w", err)
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	d := store.Device{TokenHash: hash(token), Name: strings.TrimSpace(name)}
	err := s.store.PairDevice(ctx, hash(code), s.now().UTC(), &d)
	if errors.Is(err, store.ErrNotFound) {
		return Paired{}, ErrBadCode
	}
	if err != nil {
		return Paired{}, err
	}
	return Paired{DeviceID: d.ID, PochaID: d.PochaID, Token: token}, nil
}

// Authenticate resolves a device token; an unknown or revoked one wraps
// store.ErrNotFound.
func (s *Service) Authenticate(ctx context.Context, token string) (Device, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 256 {
		return Device{}, fmt.Errorf("pos: not a device token: %w", store.ErrNotFound)
	}
	d, err := s.store.DeviceByToken(ctx, hash(token))
	if err != nil {
		return Device{}, err
	}
	p, err := s.store.PochaByID(ctx, d.PochaID)
	if err != nil {
		return Device{}, err
	}
	return Device{ID: d.ID, PochaID: d.PochaID, OwnerID: p.OwnerID}, nil
}

// Devices lists the owner's stall's devices with their online state.
func (s *Service) Devices(ctx context.Context, ownerID, pochaID uint64) ([]DeviceView, error) {
	if _, err := s.ownStall(ctx, ownerID, pochaID); err != nil {
		return nil, err
	}
	ds, err := s.store.Devices(ctx, pochaID)
	if err != nil {
		return nil, err
	}
	on, err := s.onlineDevices(ctx, pochaID)
	if err != nil {
		return nil, err
	}
	out := make([]DeviceView, 0, len(ds))
	for _, d := range ds {
		out = append(out, DeviceView{ID: d.ID, Name: d.Name, Online: on[d.ID], CreatedAt: d.CreatedAt, LastSeenAt: d.LastSeenAt})
	}
	return out, nil
}

// Revoke revokes the owner's stall's device: its token fails from now on,
// and its connections are closed on every instance.
func (s *Service) Revoke(ctx context.Context, ownerID, pochaID, deviceID uint64) error {
	if _, err := s.ownStall(ctx, ownerID, pochaID); err != nil {
		return err
	}
	if _, err := s.store.RevokeDevice(ctx, pochaID, deviceID); err != nil {
		return err
	}
	if s.end != nil {
		if err := s.end.EndDevice(context.WithoutCancel(ctx), pochaID, deviceID); err != nil {
			s.log.WarnContext(ctx, "closing a revoked device's connections failed", "device_id", deviceID, "error", err.Error())
		}
	}
	return nil
}
