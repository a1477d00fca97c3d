package geo

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Move implements Index with one Lua script (one round trip): the script
// reads the stored position, makes every check and writes the move, and
// the Go side only maps its one-letter verdict to an error.
func (r *RedisIndex) Move(ctx context.Context, p Position, maxSpeedKmh float64) (Position, error) {
	if err := ValidateCoord(p.Lat, p.Lng); err != nil {
		return Position{}, fmt.Errorf("geo: move %d: %w", p.ID, err)
	}
	if err := validateMaxSpeed(maxSpeedKmh); err != nil {
		return Position{}, fmt.Errorf("geo: move %d: %w", p.ID, err)
	}
	if r.closed.Load() {
		return Position{}, ErrClosed
	}
	p = normalize(p, time.Now())
	cell := memoCell(p.Lat, p.Lng, r.cellRes)
	bp := packBufs.Get().(*[]byte)
	b := strconv.AppendUint((*bp)[:0], p.ID, 10)
	b = append(b, '|')
	b = strconv.AppendFloat(b, maxSpeedKmh, 'g', -1, 64)
	b = append(b, '|')
	b = appendPositionHead(b, p, cell)
	res, err := r.runPacked(ctx, r.shardOf(p.ID), movePacked, bp, b)
	if err != nil {
		return Position{}, fmt.Errorf("geo: move %d: %w", p.ID, err)
	}
	if res == "N" {
		return Position{}, fmt.Errorf("geo: move %d: %w", p.ID, ErrNotFound)
	}
	if res == "" {
		return Position{}, fmt.Errorf("geo: move %d: empty reply", p.ID)
	}
	prev, err := decodePosition(p.ID, res[1:])
	if err != nil {
		return Position{}, err
	}
	switch res[0] {
	case '0':
		return prev, nil
	case 'S':
		return prev, fmt.Errorf("geo: move %d: %w", p.ID, ErrStale)
	case 'F':
		return prev, fmt.Errorf("geo: move %d: %w", p.ID, ErrTooFast)
	}
	return Position{}, fmt.Errorf("geo: move %d: unexpected verdict %q", p.ID, res[:1])
}
