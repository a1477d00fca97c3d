package store

import (
	"context"
	"slices"
	"time"
)

// Batch reads by id: each reads its ids in one query, so a page of stalls
// with their menus and review stats costs a few queries, not a few per stall.
// An id that matches nothing is absent from the answer (never an error).
// Repeated ids are read once.

// PochasByIDs returns the stalls with these ids, keyed by id.
func (s *Store) PochasByIDs(ctx context.Context, ids []uint64) (map[uint64]Pocha, error) {
	out := map[uint64]Pocha{}
	ids = uniqueIDs(ids)
	if len(ids) == 0 {
		return out, nil
	}
	var ps []Pocha
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&ps).Error; err != nil {
		return nil, wrap("pochas by ids", err)
	}
	for _, p := range ps {
		out[p.ID] = p
	}
	return out, nil
}

// MenusOf returns the menus of these stalls, keyed by stall id, each in
// display order (as Menu). A stall without menu items is absent.
func (s *Store) MenusOf(ctx context.Context, pochaIDs []uint64) (map[uint64][]MenuItem, error) {
	out := map[uint64][]MenuItem{}
	pochaIDs = uniqueIDs(pochaIDs)
	if len(pochaIDs) == 0 {
		return out, nil
	}
	var items []MenuItem
	err := s.db.WithContext(ctx).Where("pocha_id IN ?", pochaIDs).Order("pocha_id, position, id").Find(&items).Error
	if err != nil {
		return nil, wrap("menus of", err)
	}
	for _, it := range items {
		out[it.PochaID] = append(out[it.PochaID], it)
	}
	return out, nil
}

// ReviewStatsOfMany summarises the public reviews of these stalls, keyed by
// stall id, as ReviewStatsOf does for one. A stall without public reviews is
// absent (its stats are the zero ReviewStats).
func (s *Store) ReviewStatsOfMany(ctx context.Context, pochaIDs []uint64, since time.Time) (map[uint64]ReviewStats, error) {
	out := map[uint64]ReviewStats{}
	pochaIDs = uniqueIDs(pochaIDs)
	if len(pochaIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		PochaID uint64
		Stars   int
		N       int64
		Recent  int64
	}
	err := s.db.WithContext(ctx).Model(&Review{}).
		Select("pocha_id, stars, COUNT(*) AS n, SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END) AS recent", since.UTC()).
		Where("pocha_id IN ? AND is_public = ?", pochaIDs, true).Group("pocha_id, stars").Scan(&rows).Error
	if err != nil {
		return nil, wrap("review stats of many", err)
	}
	for _, r := range rows {
		if r.Stars < 1 || r.Stars > 5 {
			continue
		}
		st := out[r.PochaID]
		st.PerStar[r.Stars-1] = r.N
		st.Count += r.N
		st.Sum += int64(r.Stars) * r.N
		st.Recent += r.Recent
		out[r.PochaID] = st
	}
	return out, nil
}

// uniqueIDs is ids sorted without repeats (a copy).
func uniqueIDs(ids []uint64) []uint64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
