package livemap

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// The database is the record of which stalls are open and where they last
// were; the index is the live map built from it. A position is saved when the
// stall opens, and then at most every saveEvery (the latest one wins), so the
// map survives the index losing it at the cost of at most one batched write
// per saveEvery, whatever the rate of moves.
const saveEvery = 5 * time.Second

func record(p geo.Position) store.LivePosition {
	return store.LivePosition{PochaID: p.ID, Lat: p.Lat, Lng: p.Lng, At: p.At, Seen: p.Seen}
}

// keep queues the stall's latest position to be saved.
func (m *Service) keep(p geo.Position) {
	m.mu.Lock()
	if m.unsaved == nil {
		m.unsaved = map[uint64]store.LivePosition{}
	}
	m.unsaved[p.ID] = record(p)
	m.mu.Unlock()
}

// forget drops a queued position of a stall that left the map.
func (m *Service) forget(id uint64) {
	m.mu.Lock()
	delete(m.unsaved, id)
	m.mu.Unlock()
}

// Save writes the queued positions in one batch. A failed batch is queued
// again (unless a newer position came meanwhile).
func (m *Service) Save(ctx context.Context) error {
	m.mu.Lock()
	batch := make([]store.LivePosition, 0, len(m.unsaved))
	for _, p := range m.unsaved {
		batch = append(batch, p)
	}
	m.unsaved = nil
	m.mu.Unlock()
	err := m.store.SaveLivePositions(ctx, batch)
	if errors.Is(err, store.ErrInvalidRef) {
		err = nil // a stall deleted meanwhile: nothing to keep
	}
	if err != nil {
		m.mu.Lock()
		if m.unsaved == nil {
			m.unsaved = map[uint64]store.LivePosition{}
		}
		for _, p := range batch {
			if _, newer := m.unsaved[p.PochaID]; !newer {
				m.unsaved[p.PochaID] = p
			}
		}
		m.mu.Unlock()
		return fmt.Errorf("livemap: save positions: %w", err)
	}
	return nil
}

// revive puts back on the map a stall the index lost but the database calls
// open, at the owner's new position, and tells its watchers it opened. A
// stall the database calls closed is ErrNotOpen.
func (m *Service) revive(ctx context.Context, pos geo.Position) error {
	p, err := m.store.PochaByID(ctx, pos.ID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrUnknownPocha
	}
	if err != nil {
		return err
	}
	if !p.IsOpen {
		return ErrNotOpen
	}
	pos.Name = p.Name
	prev, existed, err := m.Index.Upsert(ctx, pos)
	if err != nil {
		return fmt.Errorf("livemap: revive: %w", err)
	}
	m.keep(pos)
	var old *geo.Position
	if existed {
		old = &prev
	}
	m.log.InfoContext(ctx, "stall back on the map", "pocha_id", p.ID)
	return m.publish(ctx, realtime.TypePochaOpened, pos, "", movedTopics(pos, old))
}

// Restore rebuilds the index from the database: every stall the database
// calls open and the index lacks goes back on the map at its last saved
// position, when that was heard within the TTL; one not heard from for
// longer is closed, as expiry would have closed it. An empty index never
// closes a stall that is still alive. It returns how many stalls it put back.
func (m *Service) Restore(ctx context.Context) (int, error) {
	open, err := m.store.OpenPochasWithPositions(ctx)
	if err != nil {
		return 0, fmt.Errorf("livemap: restore: %w", err)
	}
	cutoff := m.now().Add(-m.opts.TTL)
	restored := 0
	for _, o := range open {
		if _, ok, err := m.Index.Get(ctx, o.Pocha.ID); err != nil {
			return restored, fmt.Errorf("livemap: restore: %w", err)
		} else if ok {
			continue
		}
		if o.Position == nil || o.Position.Seen.Before(cutoff) {
			if err := m.store.SetPochaOpen(ctx, o.Pocha.ID, false); err != nil {
				return restored, err
			}
			_ = m.store.DeleteLivePosition(ctx, o.Pocha.ID)
			continue
		}
		pos := geo.Position{ID: o.Pocha.ID, Name: o.Pocha.Name, Lat: o.Position.Lat, Lng: o.Position.Lng,
			At: o.Position.At.UTC(), Seen: o.Position.Seen.UTC()}
		if _, _, err := m.Index.Upsert(ctx, pos); err != nil {
			return restored, fmt.Errorf("livemap: restore: %w", err)
		}
		restored++
		_ = m.publish(ctx, realtime.TypePochaOpened, pos, "", movedTopics(pos, nil))
	}
	return restored, nil
}

// Run keeps the map until ctx ends: it expires stalls not heard from within
// the TTL, saves the latest positions every few seconds, and rebuilds the
// index from the database whenever resynced fires (the broker reconnected:
// a Redis that restarted may have come back empty). A nil resynced never
// fires. The queued positions are saved once more on the way out.
func (m *Service) Run(ctx context.Context, resynced <-chan struct{}) {
	every := max(time.Second, min(m.opts.TTL/20, 30*time.Second))
	expiry := time.NewTicker(every)
	defer expiry.Stop()
	save := time.NewTicker(saveEvery)
	defer save.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := m.Save(context.WithoutCancel(ctx)); err != nil {
				m.log.Warn("saving positions at shutdown failed", "error", err.Error())
			}
			return
		case <-expiry.C:
			if n, err := m.Expire(ctx); err != nil {
				m.log.WarnContext(ctx, "stall expiry failed", "error", err.Error())
			} else if n > 0 {
				m.log.InfoContext(ctx, "stalls expired", "count", n)
			}
		case <-save.C:
			if err := m.Save(ctx); err != nil {
				m.log.WarnContext(ctx, "saving positions failed; retrying", "error", err.Error())
			}
		case <-resynced:
			if n, err := m.Restore(ctx); err != nil {
				m.log.WarnContext(ctx, "rebuilding the map after a resync failed", "error", err.Error())
			} else if n > 0 {
				m.log.InfoContext(ctx, "stalls back on the map after a resync", "count", n)
			}
		}
	}
}
