package accounts

import (
	"context"
	"errors"
	"strings"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// ErrSuspended: an admin suspended the account; it cannot log in.
var ErrSuspended = errors.New("accounts: the account is suspended")

// Notices stores an in-app notification and tells its receiver (a push and
// an e-mail copy); a *notify.Notifier satisfies it.
type Notices interface {
	Logged(ctx context.Context, ns ...store.Notification)
}

// OwnerView is an owner as admins see it for approval.
type OwnerView struct {
	View
	BusinessNumber string `json:"business_number"`
	Approval       string `json:"approval"`
	ApprovalReason string `json:"approval_reason"`
}

func ownerViewOf(u store.User) OwnerView {
	return OwnerView{View: ViewOf(u), BusinessNumber: u.BusinessNumber, Approval: u.Approval, ApprovalReason: u.ApprovalReason}
}

// Owners lists the owners in an approval state (pending, approved or
// rejected), oldest first, after the id afterID.
func (s *Service) Owners(ctx context.Context, approval string, afterID uint64, limit int) ([]OwnerView, error) {
	if approval != store.ApprovalPending && approval != store.ApprovalApproved && approval != store.ApprovalRejected {
		return nil, &check.Error{Fields: []check.FieldError{{Field: "status", Message: "must be pending, approved or rejected"}}}
	}
	us, err := s.store.OwnersByApproval(ctx, approval, afterID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]OwnerView, 0, len(us))
	for _, u := range us {
		out = append(out, ownerViewOf(u))
	}
	return out, nil
}

// Approve lets the owner's stalls go live; the owner is told in-app and by
// mail. An owner without a valid business registration number cannot be
// approved (a *check.Error); an unknown owner is store.ErrNotFound.
func (s *Service) Approve(ctx context.Context, adminID, ownerID uint64) (OwnerView, error) {
	u, err := s.store.UserByID(ctx, ownerID)
	if err != nil {
		return OwnerView{}, err
	}
	if u.Role == store.RoleOwner && !ValidBusinessNumber(u.BusinessNumber) {
		return OwnerView{}, &check.Error{Fields: []check.FieldError{{Field: "business_number", Message: "the owner has given no valid 사업자등록번호 yet"}}}
	}
	u, err = s.store.SetApproval(ctx, ownerID, store.ApprovalApproved, "")
	if err != nil {
		return OwnerView{}, err
	}
	s.tell(ctx, adminID, u, "owner_approved", "사업자 승인이 완료되었습니다 (Approved)",
		"이제 포차를 열 수 있습니다. Your stall can go live now.")
	return ownerViewOf(u), nil
}

// Reject refuses the owner, with a reason the owner is told in-app and by mail.
func (s *Service) Reject(ctx context.Context, adminID, ownerID uint64, reason string) (OwnerView, error) {
	reason = strings.TrimSpace(reason)
	var cs check.Fields
	cs.Add(reason == "" || check.Len(reason) > 500, "reason", "required, at most 500 characters")
	if err := cs.Err(); err != nil {
		return OwnerView{}, err
	}
	u, err := s.store.SetApproval(ctx, ownerID, store.ApprovalRejected, reason)
	if err != nil {
		return OwnerView{}, err
	}
	s.tell(ctx, adminID, u, "owner_rejected", "사업자 승인이 거절되었습니다 (Not approved)",
		"사유: "+reason+"\nReason: "+reason)
	return ownerViewOf(u), nil
}

// Suspend stops the user's account: every session ends, HTTP and WebSocket
// on every instance, and logging in answers ErrSuspended.
func (s *Service) Suspend(ctx context.Context, userID uint64) (View, error) {
	u, err := s.store.SuspendUser(ctx, userID)
	if err != nil {
		return View{}, err
	}
	s.endOtherConnections(ctx, u.ID, "")
	return ViewOf(u), nil
}

// tell notifies the owner in-app (with the e-mail copy the notifier sends).
func (s *Service) tell(ctx context.Context, from uint64, u store.User, kind, title, body string) {
	if s.notices == nil {
		return
	}
	s.notices.Logged(ctx, store.Notification{ReceiverID: u.ID, SenderID: from, Kind: kind, Title: title, Body: body})
}
