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

	"github.com/illuwa/illuwa/geo/keyslot"
)

// expireBatch bounds how many positions one Expire script removes, so a
// large expiry never blocks Redis for long.
const expireBatch = 500

// RedisIndex is an Index kept in Redis (7.0 or later), shared by every
// instance that uses the same client target and prefix. NewRedisIndex keeps
// all its keys under the prefix:
//
//	<prefix>pos           hash: stall id -> encoded position (with its cell)
//	<prefix>seen          sorted set: stall id scored by Seen (unix µs)
//	<prefix>cell:<hex>    set: ids of the stalls in one StallResolution cell
//
// NewRedisClusterIndex splits the same layout into ClusterShards shards,
// each under <prefix>{<tag>}, so that every key one stall's update touches
// lives in one hash slot and the shards spread over the cluster's masters.
//
// Upsert, Move, Remove and Expire are Lua scripts (one round trip,
// atomic); Nearby is one pipeline of one SUNION per shard over the covering
// cells, then one of one HMGET per shard (on a single Redis: one SUNION and
// one HMGET); Positions is one pipeline of one HMGET per shard.
type RedisIndex struct {
	client  redis.UniversalClient
	shards  []redisShard
	batch   *scriptBatcher
	closed  atomic.Bool
	sharded bool // Nearby and Expire go shard by shard
	cellRes int  // the H3 resolution of the cell sets
}

// redisShard is the keys of one part of the index, with the constant
// arguments of the Upsert and Move scripts boxed once.
type redisShard struct {
	posKey, seenKey, cellPfx    string
	posArg, seenArg, cellPfxArg any
}

func newRedisShard(prefix string) redisShard {
	s := redisShard{posKey: prefix + "pos", seenKey: prefix + "seen", cellPfx: prefix + "cell:"}
	s.posArg, s.seenArg, s.cellPfxArg = s.posKey, s.seenKey, s.cellPfx
	return s
}

var _ Index = (*RedisIndex)(nil)

// ClusterShards is the number of shards of NewRedisClusterIndex. Every
// instance of one deployment must use the same number. It bounds how many
// masters share the index's writes (12 divides evenly over 2, 3, 4 or 6
// masters), and every Nearby asks every shard, so it is kept small.
const ClusterShards = 12

// NewRedisIndex returns a RedisIndex that stores its keys under prefix in
// the Redis reached by client. Concurrent Upsert and Move calls share
// pipelines (see scriptBatcher). The caller keeps ownership of client:
// Close does not close it.
func NewRedisIndex(client redis.UniversalClient, prefix string) *RedisIndex {
	r := &RedisIndex{client: client, shards: []redisShard{newRedisShard(prefix)}, cellRes: StallResolution}
	r.batch = &scriptBatcher{client: client}
	return r
}

// NewRedisClusterIndex returns a RedisIndex for Redis Cluster (it works on
// a single Redis too). A stall's keys live in shard shardOf(id), under
// <prefix>{<tag>}, with the ClusterShards tags chosen so their hash slots
// are evenly spaced (keyslot.SpreadTags): every script touches one slot,
// and the shards spread evenly over masters that own equal slot ranges.
// For that spread the prefix must hold no '{' (a tag in the prefix would put
// every shard in its slot; the index still works). Its cell sets are
// TopicResolution cells, so that Nearby, which asks every shard (one SUNION
// and one HMGET each, pipelined), looks up fewer of them; Expire goes
// through every shard.
func NewRedisClusterIndex(client redis.UniversalClient, prefix string) *RedisIndex {
	r := &RedisIndex{client: client, sharded: true, cellRes: TopicResolution}
	for _, tag := range keyslot.SpreadTags("g", ClusterShards) {
		r.shards = append(r.shards, newRedisShard(prefix+"{"+tag+"}"))
	}
	r.batch = &scriptBatcher{client: client}
	return r
}

// shardOf returns the shard holding stall id. Ids are mixed first, so
// ids that share a stride (a database counting by 2) still spread.
func (r *RedisIndex) shardOf(id uint64) *redisShard {
	if len(r.shards) == 1 {
		return &r.shards[0]
	}
	h := (id * 0x9e3779b97f4a7c15) >> 32
	return &r.shards[h%uint64(len(r.shards))]
}

// packBufs recycles the buffers the packed script arguments are built in.
var packBufs = sync.Pool{New: func() any { b := make([]byte, 0, 128); return &b }}

// runPacked runs script (EVALSHA, then EVAL if Redis does not know it)
// with the positions hash and the seen zset of shard sh as keys, and ARGV = packed,
// the cell key prefix, through the batcher. It returns the reply as a
// string; a nil reply is redis.Nil. packed was built in *bp, which goes
// back to packBufs: the batcher is done with a call when do returns.
func (r *RedisIndex) runPacked(ctx context.Context, sh *redisShard, s *packedScript, bp *[]byte, packed []byte) (string, error) {
	args := []any{"evalsha", s.hash, 2, sh.posArg, sh.seenArg, packed, sh.cellPfxArg}
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
	cell := memoCell(p.Lat, p.Lng, r.cellRes)
	bp := packBufs.Get().(*[]byte)
	b := strconv.AppendUint((*bp)[:0], p.ID, 10)
	b = append(b, '|')
	b = append(appendPositionHead(b, p, cell), p.Name...)
	res, err := r.runPacked(ctx, r.shardOf(p.ID), upsertPacked, bp, b)
	return r.previous(p.ID, "upsert", res, err)
}

// Remove implements Index.
func (r *RedisIndex) Remove(ctx context.Context, id uint64) (Position, bool, error) {
	if r.closed.Load() {
		return Position{}, false, ErrClosed
	}
	sh := r.shardOf(id)
	res, err := removeScript.Run(ctx, r.client, []string{sh.posKey, sh.seenKey},
		strconv.FormatUint(id, 10), sh.cellPfx).Text()
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
	s, err := r.client.HGet(ctx, r.shardOf(id).posKey, strconv.FormatUint(id, 10)).Result()
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

// Positions implements Index: one pipeline of one HMGET per shard that
// holds any of the ids (on Redis Cluster, split per master and sent in
// parallel).
func (r *RedisIndex) Positions(ctx context.Context, ids []uint64) (map[uint64]Position, error) {
	if r.closed.Load() {
		return nil, ErrClosed
	}
	out := make(map[uint64]Position, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	// The ids of each shard, each once, in the order given.
	perShard := make(map[*redisShard][]uint64)
	seen := make(map[uint64]struct{}, len(ids))
	for _, id := range ids {
		if _, dup := seen[id]; dup {
			continue
		}
		seen[id] = struct{}{}
		sh := r.shardOf(id)
		perShard[sh] = append(perShard[sh], id)
	}
	type read struct {
		ids []uint64
		cmd *redis.SliceCmd
	}
	reads := make([]read, 0, len(perShard))
	_, err := r.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for sh, shIDs := range perShard {
			fields := make([]string, len(shIDs))
			for i, id := range shIDs {
				fields[i] = strconv.FormatUint(id, 10)
			}
			reads = append(reads, read{ids: shIDs, cmd: pipe.HMGet(ctx, sh.posKey, fields...)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("geo: positions: %w", err)
	}
	for _, rd := range reads {
		for i, v := range rd.cmd.Val() {
			enc, ok := v.(string)
			if !ok {
				continue // no position
			}
			p, err := decodePosition(rd.ids[i], enc)
			if err != nil {
				return nil, err
			}
			out[p.ID] = p
		}
	}
	return out, nil
}

// Close implements Index. It does not close the client.
func (r *RedisIndex) Close() error {
	r.closed.Store(true)
	return nil
}
