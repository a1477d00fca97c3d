package accounts

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

func TestOwnerApproval(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := newMailFixture(t, st, Options{})
		f.svc.notices = notify.New(st, nil, f.outbox, slog.New(slog.NewTextHandler(io.Discard, nil)))

		bad := newUser("bad_digit", store.RoleOwner)
		bad.BusinessNumber = "220-81-62518"
		if _, err := f.svc.SignUp(ctx, "10.0.0.1", bad); !strings.Contains(strings.Join(fields(t, err), ","), "business_number") {
			t.Fatalf("a wrong check digit: %v", err)
		}
		cust := newUser("cust_bn", store.RoleCustomer)
		cust.BusinessNumber = "220-81-62517"
		if _, err := f.svc.SignUp(ctx, "10.0.0.1", cust); err == nil {
			t.Fatal("a customer gave a business number")
		}

		nu := newUser("new_owner", store.RoleOwner)
		nu.BusinessNumber = "220-81-62517"
		v, err := f.svc.SignUp(ctx, "10.0.0.1", nu)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := st.UserByID(ctx, v.ID)
		if u.Approval != store.ApprovalPending || u.BusinessNumber != "2208162517" {
			t.Fatalf("new owner %+v", u)
		}
		noNumber, err := f.svc.SignUp(ctx, "10.0.0.1", newUser("no_number", store.RoleOwner))
		if err != nil {
			t.Fatal(err)
		}
		pending, err := f.svc.Owners(ctx, store.ApprovalPending, 0, 10)
		if err != nil || len(pending) != 2 {
			t.Fatalf("pending: %+v %v", pending, err)
		}
		if _, err := f.svc.Approve(ctx, 1, noNumber.ID); len(fields(t, err)) != 1 {
			t.Fatalf("approved without a business number: %v", err)
		}
		if _, err := f.svc.Reject(ctx, 1, noNumber.ID, "  "); len(fields(t, err)) != 1 {
			t.Fatalf("rejected without a reason: %v", err)
		}
		if _, err := f.svc.Reject(ctx, 1, noNumber.ID, "사업자등록번호가 없습니다"); err != nil {
			t.Fatal(err)
		}
		ov, err := f.svc.Approve(ctx, 1, v.ID)
		if err != nil || ov.Approval != store.ApprovalApproved {
			t.Fatalf("approve: %+v %v", ov, err)
		}
		// Both owners are told by mail (and in-app).
		f.deliver(t, "new_owner@example.com", "사업자 승인이 완료")
		m := f.deliver(t, "no_number@example.com", "거절")
		if !strings.Contains(m.Text, "사업자등록번호가 없습니다") {
			t.Fatalf("rejection mail lacks the reason: %q", m.Text)
		}
		if ns, err := st.ListNotifications(ctx, v.ID, 0, 10); err != nil || len(ns) == 0 || ns[0].Kind != "owner_approved" {
			t.Fatalf("in-app notice: %+v %v", ns, err)
		}
		if _, err := f.svc.Approve(ctx, 1, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown owner: %v", err)
		}
	})
}

func TestSuspend(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, st, Options{})
		sess := f.signUpLogin(t, "troll")
		if _, err := f.svc.Suspend(ctx, sess.User.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Authenticate(ctx, sess.Token); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("a suspended user's session works: %v", err)
		}
		if _, err := f.svc.Login(ctx, "10.0.0.1", Credentials{LoginID: "troll", Password: "correct horse"}); !errors.Is(err, ErrSuspended) {
			t.Fatalf("a suspended user logs in: %v", err)
		}
		if _, err := f.svc.Login(ctx, "10.0.0.1", Credentials{LoginID: "troll", Password: "wrong horse"}); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("a wrong password on a suspended account: %v", err)
		}
	})
}
