package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

func TestDevicePairing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := mustOrderFixture(t, s)
		p, err := s.PochaByID(ctx, o.PochaID)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		code := store.PairingCode{CodeHash: "c1", PochaID: p.ID, CreatedBy: p.OwnerID, ExpiresAt: now.Add(time.Minute)}
		if err := s.CreatePairingCode(ctx, &code); err != nil {
			t.Fatal(err)
		}
		old := store.PairingCode{CodeHash: "c2", PochaID: p.ID, CreatedBy: p.OwnerID, ExpiresAt: now.Add(-time.Second)}
		if err := s.CreatePairingCode(ctx, &old); err != nil {
			t.Fatal(err)
		}
		if err := s.PairDevice(ctx, "c2", now, &store.Device{TokenHash: "t0"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("expired code: %v", err)
		}
		if err := s.PairDevice(ctx, "nope", now, &store.Device{TokenHash: "t0"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown code: %v", err)
		}
		d := store.Device{TokenHash: "t1", Name: "box"}
		if err := s.PairDevice(ctx, "c1", now, &d); err != nil || d.ID == 0 || d.PochaID != p.ID {
			t.Fatalf("pair: %+v %v", d, err)
		}
		if err := s.PairDevice(ctx, "c1", now, &store.Device{TokenHash: "t2"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("code used twice: %v", err)
		}
		got, err := s.DeviceByToken(ctx, "t1")
		if err != nil || got.ID != d.ID {
			t.Fatalf("by token: %+v %v", got, err)
		}
		if ds, err := s.Devices(ctx, p.ID); err != nil || len(ds) != 1 {
			t.Fatalf("devices: %+v %v", ds, err)
		}

		// Per-device acknowledgements: a paid order is replayed until acked.
		paid := mustPay(t, s, o)
		un, err := s.UnackedDeviceOrders(ctx, d.ID, p.ID, 10)
		if err != nil || len(un) != 1 || un[0].ID != paid.ID {
			t.Fatalf("unacked: %+v %v", un, err)
		}
		if err := s.AckDeviceOrder(ctx, paid.ID, d.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.AckDeviceOrder(ctx, paid.ID, d.ID); err != nil {
			t.Fatalf("second ack: %v", err)
		}
		if un, _ := s.UnackedDeviceOrders(ctx, d.ID, p.ID, 10); len(un) != 0 {
			t.Fatalf("acked order replayed: %+v", un)
		}
		// An order at the stall waiting to be paid there is shown too.
		wait := store.Order{CustomerID: o.CustomerID, PochaID: p.ID, Total: 7000, PayAtStall: true, CreatedAt: now, UpdatedAt: now,
			Items: []store.OrderItem{{MenuItemID: 1, Name: "어묵", UnitPrice: 7000, Quantity: 1, LineTotal: 7000}}}
		if err := s.CreateOrder(ctx, &wait); err != nil {
			t.Fatal(err)
		}
		mustOrderFixtureFor(t, s, o) // pending, paid online later: not shown
		if un, _ := s.UnackedDeviceOrders(ctx, d.ID, p.ID, 10); len(un) != 1 || un[0].ID != wait.ID || !un[0].PayAtStall {
			t.Fatalf("pay-at-stall order not listed: %+v", un)
		}

		if _, err := s.RevokeDevice(ctx, p.ID+1, d.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoke at another stall: %v", err)
		}
		if _, err := s.RevokeDevice(ctx, p.ID, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeviceByToken(ctx, "t1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoked token still valid: %v", err)
		}
		if err := s.AckDeviceOrder(ctx, wait.ID, d.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoked device acked: %v", err)
		}
	})
}

func TestCardTokens(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mustUser(t, s, "kim", store.RoleCustomer)
		b := mustUser(t, s, "lee", store.RoleCustomer)
		ma := store.PaymentMethod{UserID: a.ID, Brand: "신한", MaskedNumber: "4111********1111", BillingKey: "bk_a"}
		mb := store.PaymentMethod{UserID: b.ID, Brand: "신한", MaskedNumber: "4111********1111", BillingKey: "bk_b"}
		for _, m := range []*store.PaymentMethod{&ma, &mb} {
			if err := s.CreatePaymentMethod(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		h := "hash1"
		if _, err := s.BindCardToken(ctx, b.ID, ma.ID, &h); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("bound another user's card: %v", err)
		}
		if got, err := s.BindCardToken(ctx, a.ID, ma.ID, &h); err != nil || got.CardTokenHash == nil || *got.CardTokenHash != h {
			t.Fatalf("bind: %+v %v", got, err)
		}
		if _, err := s.BindCardToken(ctx, b.ID, mb.ID, &h); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("one token on two cards: %v", err)
		}
		if got, err := s.PaymentMethodByCardToken(ctx, h); err != nil || got.ID != ma.ID {
			t.Fatalf("by token: %+v %v", got, err)
		}
		if _, err := s.BindCardToken(ctx, a.ID, ma.ID, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PaymentMethodByCardToken(ctx, h); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unbound token still found: %v", err)
		}
	})
}
