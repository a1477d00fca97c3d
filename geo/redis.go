package geo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// expireBatch bounds how many positions one Expire script removes, so a
// large expiry never blocks Redis for long.
const expireBatch = 500

// RedisIndex is an Index kept in Redis (7.0 or later), shared by every
// instance that uses the same client target and prefix. All its keys start
// with the prefix:
//
//	<prefix>pos           hash: stall id -> encoded position (with its cell)
//	<prefix>seen          sorted set: stall id scored by Seen (unix µs)
//	<prefix>cell:<hex>    set: ids of the stalls in one StallResolution cell
//
// Upsert, Move, Remove and Expire are Lua scripts (one round trip,
// atomic); Nearby is one pipeline of SMEMBERS over the covering cells and
// one HMGET.
type RedisIndex struct {
	client  redis.UniversalClient
	posKey  string
	seenKey string
	cellPfx string
	// The constant arguments of the Upsert and Move scripts, boxed once.
	posArg, seenArg, cellPfxArg any
	batch                       *scriptBatcher
	closed                      atomic.Bool
}

var _ Index = (*RedisIndex)(nil)

// NewRedisIndex returns a RedisIndex that stores its keys under prefix in
// the Redis reached by client. Concurrent Upsert and Move calls share
// pipelines (see scriptBatcher). The caller keeps ownership of client:
// Close does not close it.
func NewRedisIndex(client redis.UniversalClient, prefix string) *RedisIndex {
	r := &RedisIndex{
		client:  client,
		posKey:  prefix + "pos",
		seenKey: prefix + "seen",
		cellPfx: prefix + "cell:",
	}
	r.posArg, r.seenArg, r.cellPfxArg = r.posKey, r.seenKey, r.cellPfx
	r.batch = &scriptBatcher{client: client}
	return r
}

// packBufs recycles the buffers the packed script arguments are built in.
var packBufs = sync.Pool{New: func() any { b := make([]byte, 0, 128); return &b }}

// runPacked runs script (EVALSHA, then EVAL if Redis does not know it)
// with the positions hash and the seen zset as keys, and ARGV = packed,
// the cell key prefix, through the batcher. It returns the reply as a
// string; a nil reply is redis.Nil. packed was built in *bp, which goes
// back to packBufs: the batcher is done with a call when do returns.
func (r *RedisIndex) runPacked(ctx context.Context, s *packedScript, bp *[]byte, packed []byte) (string, error) {
	args := []any{"evalsha", s.hash, 2, r.posArg, r.seenArg, packed, r.cellPfxArg}
	res, err := r.batch.do(ctx, args, s.src)
	if cap(packed) <= 4<<10 { // a huge name's buffer is left to the GC
		*bp = packed[:0]
		packBufs.Put(bp)
	}
	return res, err
}

// packedScript is a script taking a packed argument, with its hash and
// source boxed once.
type packedScript struct{ hash, src any }

func newPackedScript(s *redis.Script, src string) *packedScript {
	return &packedScript{hash: s.Hash(), src: src}
}

var (
	upsertPacked = newPackedScript(upsertScript, upsertSrc)
	movePacked   = newPackedScript(moveScript, moveSrc)
)

// Upsert implements Index.
func (r *RedisIndex) Upsert(ctx context.Context, p Position) (Position, bool, error) {
	if err := ValidateCoord(p.Lat, p.Lng); err != nil {
		return Position{}, false, fmt.Errorf("geo: upsert %d: %w", p.ID, err)
	}
	if r.closed.Load() {
		return Position{}, false, ErrClosed
	}
	p = normalize(p, time.Now())
	cell := cellOf(p.Lat, p.Lng, StallResolution)
	bp := packBufs.Get().(*[]byte)
	b := strconv.AppendUint((*bp)[:0], p.ID, 10)
	b = append(b, '|')
	b = append(appendPositionHead(b, p, cell), p.Name...)
	res, err := r.runPacked(ctx, upsertPacked, bp, b)
	return r.previous(p.ID, "upsert", res, err)
}

// Remove implements Index.
func (r *RedisIndex) Remove(ctx context.Context, id uint64) (Position, bool, error) {
	if r.closed.Load() {
		return Position{}, false, ErrClosed
	}
	res, err := removeScript.Run(ctx, r.client, []string{r.posKey, r.seenKey},
		strconv.FormatUint(id, 10), r.cellPfx).Text()
	return r.previous(id, "remove", res, err)
}

// previous decodes the old value a script returned (redis.Nil when none).
func (r *RedisIndex) previous(id uint64, op string, res string, err error) (Position, bool, error) {
	if errors.Is(err, redis.Nil) {
		return Position{}, false, nil
	}
	if err != nil {
		return Position{}, false, fmt.Errorf("geo: %s %d: %w", op, id, err)
	}
	p, err := decodePosition(id, res)
	if err != nil {
		return Position{}, false, err
	}
	return p, true, nil
}

// Get implements Index.
func (r *RedisIndex) Get(ctx context.Context, id uint64) (Position, bool, error) {
	if r.closed.Load() {
		return Position{}, false, ErrClosed
	}
	s, err := r.client.HGet(ctx, r.posKey, strconv.FormatUint(id, 10)).Result()
	if errors.Is(err, redis.Nil) {
		return Position{}, false, nil
	}
	if err != nil {
		return Position{}, false, fmt.Errorf("geo: get %d: %w", id, err)
	}
	p, err := decodePosition(id, s)
	if err != nil {
		return Position{}, false, err
	}
	return p, true, nil
}

// Close implements Index. It does not close the client.
func (r *RedisIndex) Close() error {
	r.closed.Store(true)
	return nil
}
