package reviews

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/illuwa/illuwa/store"
)

// List pages the reviews of the stall pochaID as viewer sees them (the zero
// User is an anonymous viewer), newest first: up to limit (at least 1)
// reviews with ids below beforeID (0 is from the newest). Private reviews are
// listed to their author, the stall's owner and admins only. nextBefore
// resumes the list after this page; 0 means there is no more. An unknown
// stall is store.ErrNotFound.
func (s *Service) List(ctx context.Context, viewer store.User, pochaID, beforeID uint64, limit int) (items []View, nextBefore uint64, err error) {
	limit = max(limit, 1)
	p, err := s.store.PochaByID(ctx, pochaID)
	if err != nil {
		return nil, 0, err
	}
	f := store.ReviewFilter{PochaID: pochaID, ViewerID: viewer.ID, BeforeID: beforeID, Limit: limit + 1,
		All: (viewer.ID != 0 && viewer.ID == p.OwnerID) || viewer.Role == store.RoleAdmin, Hidden: viewer.Role == store.RoleAdmin}
	rs, err := s.store.ListReviews(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("reviews: list: %w", err)
	}
	if len(rs) > limit {
		rs = rs[:limit]
		nextBefore = rs[limit-1].ID
	}
	items = make([]View, 0, len(rs))
	for _, r := range rs {
		items = append(items, ViewOf(r, viewer.ID))
	}
	return items, nextBefore, nil
}

// StatsView summarises a stall's public reviews: PerStar counts each of
// "1" to "5"; Average (one decimal) is null without reviews.
type StatsView struct {
	PochaID     uint64           `json:"pocha_id"`
	Count       int64            `json:"count"`
	Average     *float64         `json:"average"`
	PerStar     map[string]int64 `json:"per_star"`
	RecentCount int64            `json:"recent_count"`
	RecentDays  int              `json:"recent_days"`
}

// Stats are the same public-only figures for everyone (private reviews
// never count); an unknown stall is store.ErrNotFound.
func (s *Service) Stats(ctx context.Context, pochaID uint64) (StatsView, error) {
	if _, err := s.store.PochaByID(ctx, pochaID); err != nil {
		return StatsView{}, err
	}
	st, err := s.store.ReviewStatsOf(ctx, pochaID, s.now().Add(-RecentDays*24*time.Hour))
	if err != nil {
		return StatsView{}, fmt.Errorf("reviews: stats: %w", err)
	}
	return statsView(pochaID, st), nil
}

// StatsOf is Stats of each of these stalls in one read, keyed by stall id,
// for stalls the caller already holds: an id is answered whether or not a
// stall has it (an unknown one has no reviews).
func (s *Service) StatsOf(ctx context.Context, pochaIDs []uint64) (map[uint64]StatsView, error) {
	all, err := s.store.ReviewStatsOfMany(ctx, pochaIDs, s.now().Add(-RecentDays*24*time.Hour))
	if err != nil {
		return nil, fmt.Errorf("reviews: stats: %w", err)
	}
	out := make(map[uint64]StatsView, len(pochaIDs))
	for _, id := range pochaIDs {
		out[id] = statsView(id, all[id])
	}
	return out, nil
}

func statsView(pochaID uint64, st store.ReviewStats) StatsView {
	out := StatsView{PochaID: pochaID, Count: st.Count, PerStar: map[string]int64{}, RecentCount: st.Recent, RecentDays: RecentDays}
	for i, n := range st.PerStar {
		out.PerStar[strconv.Itoa(i+1)] = n
	}
	if st.Count > 0 {
		avg := math.Round(float64(st.Sum)*10/float64(st.Count)) / 10
		out.Average = &avg
	}
	return out
}
