package store

import (
	"context"
	"strings"
)

// PochaQuery selects stalls for SearchPochas. Text matches a stall's name or
// the name of one of its menu items, as a substring (case-insensitive where
// the database's collation is); Category, when set, must equal the stall's.
// At least one of the two should be set; with neither every stall matches.
type PochaQuery struct {
	Text     string
	Category string
	// OpenOnly keeps the stalls whose open flag is set.
	OpenOnly bool
	Limit    int
}

// likeEscaper escapes LIKE's wildcards so the text matches literally. The
// escape character is "!": a backslash would mean different things in
// MariaDB's and SQLite's string literals.
var likeEscaper = strings.NewReplacer(`!`, `!!`, `%`, `!%`, `_`, `!_`)

// SearchPochas returns up to q.Limit stalls matching q, open ones first, then
// by id.
func (s *Store) SearchPochas(ctx context.Context, q PochaQuery) ([]Pocha, error) {
	db := s.db.WithContext(ctx).Model(&Pocha{})
	if q.Text != "" {
		pat := "%" + likeEscaper.Replace(q.Text) + "%"
		db = db.Where(`(name LIKE ? ESCAPE '!' OR id IN (SELECT pocha_id FROM menu_items WHERE name LIKE ? ESCAPE '!'))`, pat, pat)
	}
	if q.Category != "" {
		db = db.Where("category = ?", q.Category)
	}
	if q.OpenOnly {
		db = db.Where("is_open = ?", true)
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	var ps []Pocha
	err := db.Order("is_open DESC").Order("id").Limit(q.Limit).Find(&ps).Error
	return ps, wrap("search pochas", err)
}

// ReviewSummary is the count and star sum of a stall's public reviews.
type ReviewSummary struct {
	Count int64
	Sum   int64
}

// ReviewSummaries returns the public reviews' summary of each stall in ids,
// in one read; a stall without public reviews is absent.
func (s *Store) ReviewSummaries(ctx context.Context, ids []uint64) (map[uint64]ReviewSummary, error) {
	out := map[uint64]ReviewSummary{}
	ids = uniqueIDs(ids)
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		PochaID uint64
		N       int64
		Sum     int64
	}
	err := s.db.WithContext(ctx).Model(&Review{}).Select("pocha_id, COUNT(*) AS n, SUM(stars) AS sum").
		Where("pocha_id IN ? AND is_public = ? AND hidden_at IS NULL", ids, true).Group("pocha_id").Scan(&rows).Error
	if err != nil {
		return nil, wrap("review summaries", err)
	}
	for _, r := range rows {
		out[r.PochaID] = ReviewSummary{Count: r.N, Sum: r.Sum}
	}
	return out, nil
}
