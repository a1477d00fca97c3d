package geo

import "github.com/redis/go-redis/v9"

// The scripts touch a fixed, small number of keys, so their cost does not
// grow with the number of stalls (Expire's grows with its batch only).
// They also touch the old cell's set, whose name they build from the
// stored value; on Redis Cluster, give the prefix a hash tag so that every
// key of one index lives in one slot.

// upsertScript: KEYS = positions hash, seen zset, new cell set.
// ARGV = id, encoded position, seen score, cell key prefix, new cell hex.
// Returns the previous encoded position or nil.
var upsertScript = redis.NewScript(`
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local oc = string.match(old, '^[^|]*')
  if oc ~= ARGV[5] then
    redis.call('SREM', ARGV[4] .. oc, ARGV[1])
  end
end
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return old
`)

// removeScript: KEYS = positions hash, seen zset. ARGV = id, cell key prefix.
// Returns the removed encoded position or nil.
var removeScript = redis.NewScript(`
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then
  return nil
end
redis.call('SREM', ARGV[2] .. string.match(old, '^[^|]*'), ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return old
`)

// expireScript: KEYS = positions hash, seen zset.
// ARGV = cutoff score (exclusive), batch size, cell key prefix.
// Removes up to batch positions with score < cutoff and returns a flat list:
// the number of expiry entries examined, then id1, encoded1, id2, ...
var expireScript = redis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {#ids}
for _, id in ipairs(ids) do
  local old = redis.call('HGET', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  if old then
    redis.call('SREM', ARGV[3] .. string.match(old, '^[^|]*'), id)
    redis.call('HDEL', KEYS[1], id)
    out[#out + 1] = id
    out[#out + 1] = old
  end
end
return out
`)
