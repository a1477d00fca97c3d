package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Review is a customer's review of a stall, written for one completed order.
// ReplyContent and RepliedAt are the stall owner's reply (both nil without
// one). AuthorNickname is read from the author's account, never stored here.
type Review struct {
	ID             uint64
	PochaID        uint64
	OrderID        uint64
	AuthorID       uint64
	Stars          int
	Content        string
	IsPublic       bool
	ReplyContent   *string
	RepliedAt      *time.Time
	HiddenAt       *time.Time // set when an admin hid the review: listed to admins only, counted nowhere
	CreatedAt      time.Time
	UpdatedAt      time.Time
	AuthorNickname string `gorm:"->;-:migration"`
}

// reviewColumns selects a review with its author's nickname.
const reviewColumns = "reviews.*, users.nickname AS author_nickname"

func reviewsWithAuthor(db *gorm.DB) *gorm.DB {
	return db.Model(&Review{}).Select(reviewColumns).Joins("JOIN users ON users.id = reviews.author_id")
}

// CreateReview inserts r and sets its ID and times. The caller has checked
// that r.OrderID is r.AuthorID's completed order at r.PochaID. A second
// review of the same order is ErrConflict; an unknown stall, order or author
// is ErrInvalidRef.
func (s *Store) CreateReview(ctx context.Context, r *Review) error {
	now := s.now()
	r.CreatedAt, r.UpdatedAt = now, now
	r.ReplyContent, r.RepliedAt = nil, nil
	return wrap("create review", s.db.WithContext(ctx).Omit("AuthorNickname").Create(r).Error)
}

// ReviewByID returns one review with its author's nickname, or ErrNotFound.
func (s *Store) ReviewByID(ctx context.Context, id uint64) (Review, error) {
	var r Review
	err := reviewsWithAuthor(s.db.WithContext(ctx)).Where("reviews.id = ?", id).Take(&r).Error
	return r, wrap("review by id", err)
}

// ReviewFilter selects a stall's reviews for ListReviews. Public reviews are
// always listed; private ones only when All is set (the stall's owner) or
// when ViewerID wrote them. BeforeID pages backwards (newest first); Limit is
// 1 to 100 (other values mean 100).
type ReviewFilter struct {
	PochaID  uint64
	ViewerID uint64
	All      bool
	// Hidden also lists the reviews an admin hid (for admins).
	Hidden   bool
	BeforeID uint64
	Limit    int
}

// ListReviews returns the stall's reviews the filter allows, newest (highest
// id) first, with their authors' nicknames.
func (s *Store) ListReviews(ctx context.Context, f ReviewFilter) ([]Review, error) {
	q := reviewsWithAuthor(s.db.WithContext(ctx)).Where("reviews.pocha_id = ?", f.PochaID)
	switch {
	case f.All:
	case f.ViewerID != 0:
		q = q.Where("(reviews.is_public = ? OR reviews.author_id = ?)", true, f.ViewerID)
	default:
		q = q.Where("reviews.is_public = ?", true)
	}
	if !f.Hidden {
		q = q.Where("reviews.hidden_at IS NULL")
	}
	if f.BeforeID != 0 {
		q = q.Where("reviews.id < ?", f.BeforeID)
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 100
	}
	reviews := []Review{}
	err := q.Order("reviews.id DESC").Limit(f.Limit).Find(&reviews).Error
	return reviews, wrap("list reviews", err)
}

// DeleteReview deletes the review if authorID wrote it; authorID 0 deletes
// any review (an admin). Otherwise, or when there is no such review, it is
// ErrNotFound.
func (s *Store) DeleteReview(ctx context.Context, id, authorID uint64) error {
	q := s.db.WithContext(ctx).Where("id = ?", id)
	if authorID != 0 {
		q = q.Where("author_id = ?", authorID)
	}
	res := q.Delete(&Review{})
	if res.Error == nil && res.RowsAffected == 0 {
		return wrap("delete review", gorm.ErrRecordNotFound)
	}
	return wrap("delete review", res.Error)
}

// SetReviewReply writes or replaces the reply to a review of one of ownerID's
// stalls and returns the review as it is afterwards, and whether it had no
// reply before. A review that does not exist or is at another owner's stall
// is ErrNotFound.
func (s *Store) SetReviewReply(ctx context.Context, id, ownerID uint64, content string) (Review, bool, error) {
	var out Review
	var first bool
	err := s.tx(ctx, func(tx *gorm.DB) error {
		// The row lock (MariaDB; SQLite's write lock is taken at BEGIN) makes
		// "first" true for exactly one of two racing replies.
		q := tx
		if s.dialect == MySQL {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var cur Review
		err := q.Model(&Review{}).Select("reviews.*").Joins("JOIN pochas ON pochas.id = reviews.pocha_id").
			Where("reviews.id = ? AND pochas.owner_id = ?", id, ownerID).Take(&cur).Error
		if err != nil {
			return err
		}
		first = cur.ReplyContent == nil
		now := s.now()
		if err := tx.Model(&Review{}).Where("id = ?", id).
			Updates(map[string]any{"reply_content": content, "replied_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		return reviewsWithAuthor(tx).Where("reviews.id = ?", id).Take(&out).Error
	})
	return out, first, wrap("set review reply", err)
}

// DeleteReviewReply removes the reply to a review of one of ownerID's stalls.
// Removing a reply that is not there is no error; a review that does not
// exist or is at another owner's stall is ErrNotFound.
func (s *Store) DeleteReviewReply(ctx context.Context, id, ownerID uint64) error {
	db := s.db.WithContext(ctx)
	res := db.Model(&Review{}).
		Where("id = ? AND pocha_id IN (?)", id, db.Model(&Pocha{}).Select("id").Where("owner_id = ?", ownerID)).
		Updates(map[string]any{"reply_content": nil, "replied_at": nil, "updated_at": s.now()})
	if res.Error == nil && res.RowsAffected == 0 {
		return wrap("delete review reply", gorm.ErrRecordNotFound)
	}
	return wrap("delete review reply", res.Error)
}

// ReviewStats summarises a stall's public reviews.
type ReviewStats struct {
	Count   int64
	Sum     int64    // of the stars
	PerStar [5]int64 // PerStar[i] counts the reviews of i+1 stars
	Recent  int64    // written at or after the Since given to ReviewStatsOf
}

// ReviewStatsOf summarises the stall's public reviews (private ones never
// count), with Recent counting those written at or after since.
func (s *Store) ReviewStatsOf(ctx context.Context, pochaID uint64, since time.Time) (ReviewStats, error) {
	var rows []struct {
		Stars  int
		N      int64
		Recent int64
	}
	err := s.db.WithContext(ctx).Model(&Review{}).
		Select("stars, COUNT(*) AS n, SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END) AS recent", since.UTC()).
		Where("pocha_id = ? AND is_public = ? AND hidden_at IS NULL", pochaID, true).Group("stars").Scan(&rows).Error
	var st ReviewStats
	if err != nil {
		return st, wrap("review stats", err)
	}
	for _, r := range rows {
		if r.Stars < 1 || r.Stars > 5 {
			continue
		}
		st.PerStar[r.Stars-1] = r.N
		st.Count += r.N
		st.Sum += int64(r.Stars) * r.N
		st.Recent += r.Recent
	}
	return st, nil
}

// HideReview hides a review from everyone but admins (its text is kept);
// hiding it again keeps the first time. An unknown review is ErrNotFound.
func (s *Store) HideReview(ctx context.Context, id uint64) error {
	now := s.now()
	res := s.db.WithContext(ctx).Model(&Review{}).Where("id = ?", id).
		Updates(map[string]any{"hidden_at": gorm.Expr("COALESCE(hidden_at, ?)", now), "updated_at": now})
	if res.Error == nil && res.RowsAffected == 0 {
		return wrap("hide review", gorm.ErrRecordNotFound)
	}
	return wrap("hide review", res.Error)
}
