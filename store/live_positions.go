package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// LivePosition is the last known position of an open stall. The geo index is
// the live map; this is its record, so the map can be rebuilt after the index
// lost it (a restart of the in-memory index, a Redis that came back empty).
type LivePosition struct {
	PochaID uint64 `gorm:"primaryKey;autoIncrement:false"`
	Lat     float64
	Lng     float64
	At      time.Time // when the owner's phone took the position
	Seen    time.Time // when the server received it
}

// SaveLivePositions stores the positions, replacing earlier ones of the same
// stalls, in one statement. A position of a stall that no longer exists is
// an ErrInvalidRef.
func (s *Store) SaveLivePositions(ctx context.Context, ps []LivePosition) error {
	if len(ps) == 0 {
		return nil
	}
	for i := range ps {
		ps[i].At, ps[i].Seen = ps[i].At.UTC(), ps[i].Seen.UTC()
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "pocha_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"lat", "lng", "at", "seen"}),
	}).Create(&ps).Error
	return wrap("save live positions", err)
}

// DeleteLivePosition forgets the position of a stall that left the map.
func (s *Store) DeleteLivePosition(ctx context.Context, pochaID uint64) error {
	return wrap("delete live position", s.db.WithContext(ctx).Delete(&LivePosition{}, pochaID).Error)
}

// OpenPocha is a stall the database calls open, with its last position when
// one was saved.
type OpenPocha struct {
	Pocha    Pocha
	Position *LivePosition
}

// OpenPochasWithPositions lists every stall the database calls open, with its last saved
// position, by id.
func (s *Store) OpenPochasWithPositions(ctx context.Context) ([]OpenPocha, error) {
	open, err := s.OpenPochas(ctx)
	if err != nil || len(open) == 0 {
		return nil, err
	}
	ids := make([]uint64, len(open))
	for i, p := range open {
		ids[i] = p.ID
	}
	var pos []LivePosition
	for start := 0; start < len(ids); start += 1000 {
		var part []LivePosition
		if err := s.db.WithContext(ctx).Where("pocha_id IN ?", ids[start:min(start+1000, len(ids))]).Find(&part).Error; err != nil {
			return nil, wrap("open stalls", err)
		}
		pos = append(pos, part...)
	}
	byID := make(map[uint64]*LivePosition, len(pos))
	for i := range pos {
		byID[pos[i].PochaID] = &pos[i]
	}
	out := make([]OpenPocha, len(open))
	for i, p := range open {
		out[i] = OpenPocha{Pocha: p, Position: byID[p.ID]}
	}
	return out, nil
}
