package geo

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"
)

// ErrClosed is returned by every Index method called after Close.
var ErrClosed = errors.New("geo: index closed")

// Position is the last known position of one stall.
type Position struct {
	// ID identifies the stall.
	ID uint64
	// Name is the stall's display name, stored as given.
	Name string
	// Lat and Lng are in degrees (WGS 84).
	Lat, Lng float64
	// At is the owner's fix time, as reported by the owner.
	At time.Time
	// Seen is the server time of the last update; it drives Expire.
	Seen time.Time
}

// Hit is a Position found by Nearby with its distance from the query point.
type Hit struct {
	Position
	// DistanceM is the haversine distance from the query point, in metres.
	DistanceM float64
}

// Index is the live index of stall positions.
//
// Every implementation keeps At and Seen to the microsecond and returns them
// in UTC, so a stored time compares Equal to the given time truncated to the
// microsecond. Methods are safe for concurrent use, and each call is atomic
// with respect to the others, across every process sharing the same store.
type Index interface {
	// Upsert stores p, replacing any position with the same ID, and returns
	// the replaced position (existed is false when there was none). Reading
	// the old position and writing the new one is one atomic step, so prev
	// tells the caller exactly which cells the stall left. A zero p.Seen is
	// set to the current time. Invalid coordinates are refused with an error
	// wrapping ErrInvalidCoord and change nothing.
	Upsert(ctx context.Context, p Position) (prev Position, existed bool, err error)
	// Move stores p as the new position of the stall p.ID if the move is
	// believable, and returns the position it replaced; it is the owner's
	// location update in one atomic step. It fails, changing nothing, with
	// an error wrapping
	//   - ErrInvalidCoord when p's coordinates are invalid;
	//   - ErrNotFound when p.ID has no position (the stall is not open);
	//   - ErrStale when p.At, to the microsecond, is not after the stored At;
	//   - ErrTooFast when the stored position is more than 1 m from p and
	//     that distance over the time between the two At is faster than
	//     maxSpeedKmh (see ImpliedSpeedKmh).
	// With ErrStale and ErrTooFast, prev is the stored position, so the
	// caller can say why. On success the stored Name is kept (p.Name is
	// ignored) and a zero p.Seen is set to the current time. Concurrent
	// moves of one stall are serialized, so its At never goes backwards.
	// A maxSpeedKmh that is not a finite number above 0 is an error.
	Move(ctx context.Context, p Position, maxSpeedKmh float64) (prev Position, err error)
	// Remove deletes the position of id and returns it; existed is false
	// when there was none.
	Remove(ctx context.Context, id uint64) (prev Position, existed bool, err error)
	// Get returns the position of id; ok is false when there is none.
	Get(ctx context.Context, id uint64) (p Position, ok bool, err error)
	// Positions returns the positions of the ids that have one, by ID (an
	// id without a position is absent; one given twice is read once). It
	// is one read of the whole set: on Redis one round trip, with one
	// command per shard that holds any of the ids. No ids is an empty map.
	Positions(ctx context.Context, ids []uint64) (map[uint64]Position, error)
	// Nearby returns every position within radiusM metres (haversine,
	// inclusive) of the point, sorted by distance then by ID, at most limit
	// of them (limit <= 0 means all). Each stall appears at most once.
	// Errors wrap ErrInvalidCoord or ErrInvalidRadius for bad arguments.
	Nearby(ctx context.Context, lat, lng, radiusM float64, limit int) ([]Hit, error)
	// Expire removes every position whose Seen is before cutoff and returns
	// exactly the positions it removed, in no particular order. When several
	// callers expire the same store at once, each removed position is
	// returned by exactly one of them. On error it returns, with the error,
	// the positions it had already removed.
	Expire(ctx context.Context, cutoff time.Time) ([]Position, error)
	// Close releases the index; later calls return ErrClosed. It does not
	// close resources the caller passed in (such as a Redis client).
	Close() error
}

// NearbyAppender is an Index whose Nearby can fill a slice the caller keeps
// between queries (MemoryIndex): AppendNearby appends to dst what Nearby
// returns, and returns dst unchanged when there is none or on error.
type NearbyAppender interface {
	AppendNearby(ctx context.Context, dst []Hit, lat, lng, radiusM float64, limit int) ([]Hit, error)
}

// normalize returns p with At and Seen truncated to the microsecond in UTC,
// and a zero Seen replaced by now.
func normalize(p Position, now time.Time) Position {
	if p.Seen.IsZero() {
		p.Seen = now
	}
	p.At = p.At.Truncate(time.Microsecond).UTC()
	p.Seen = p.Seen.Truncate(time.Microsecond).UTC()
	return p
}

// sortHits orders hits by distance then ID and applies limit (<= 0: none).
func sortHits(hits []Hit, limit int) []Hit {
	slices.SortFunc(hits, func(a, b Hit) int {
		if c := cmp.Compare(a.DistanceM, b.DistanceM); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	return hits
}
