package reviews

import (
	"context"
	"fmt"
	"strings"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// Thread is a review with its stall, found for the stall's owner by
// Repliable; Reply and DeleteReply take it.
type Thread struct {
	Review store.Review
	Pocha  store.Pocha
}

// Repliable finds review id for its stall's owner me. A caller who may not
// see the review gets store.ErrNotFound (a private review's existence is
// never revealed); one who may see it but does not own the stall gets
// ErrNotYourPocha.
func (s *Service) Repliable(ctx context.Context, me store.User, id uint64) (Thread, error) {
	r, err := s.store.ReviewByID(ctx, id)
	if err != nil {
		return Thread{}, err
	}
	p, err := s.store.PochaByID(ctx, r.PochaID)
	if err != nil {
		return Thread{}, err
	}
	switch {
	case me.ID == p.OwnerID:
		return Thread{Review: r, Pocha: p}, nil
	case canSee(me, r, p.OwnerID):
		return Thread{}, ErrNotYourPocha
	default:
		return Thread{}, store.ErrNotFound
	}
}

// Reply writes or replaces the owner's reply (trimmed, 1 to MaxText
// characters) to the review of t, a Thread Repliable returned. The review's
// author is notified of a first reply, not of later edits.
func (s *Service) Reply(ctx context.Context, t Thread, content string) (View, error) {
	content = strings.TrimSpace(content)
	var cs check.Fields
	cs.Text("content", content, true, MaxText)
	if err := cs.Err(); err != nil {
		return View{}, err
	}
	p := t.Pocha
	out, first, err := s.store.SetReviewReply(ctx, t.Review.ID, p.OwnerID, content)
	if err != nil {
		return View{}, fmt.Errorf("reviews: reply: %w", err)
	}
	if first {
		s.notes.Logged(ctx, store.Notification{ReceiverID: out.AuthorID, SenderID: p.OwnerID, Kind: store.NotifyReviewReply,
			Title: p.Name + " 사장님이 리뷰에 답글을 남겼어요", Body: check.Clip(content, 100),
			Data: store.NotificationData{PochaID: p.ID, ReviewID: out.ID}})
	}
	return ViewOf(out, p.OwnerID), nil
}

// DeleteReply removes the owner's reply to the review of t, a Thread
// Repliable returned; removing a missing reply is fine.
func (s *Service) DeleteReply(ctx context.Context, t Thread) error {
	if err := s.store.DeleteReviewReply(ctx, t.Review.ID, t.Pocha.OwnerID); err != nil {
		return fmt.Errorf("reviews: delete reply: %w", err)
	}
	return nil
}
