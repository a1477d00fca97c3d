package geo

import (
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// The scripts touch a fixed, small number of keys, so their cost does not
// grow with the number of stalls (Expire's grows with its batch only).
// They build the names of the cell sets they touch from the cell key
// prefix and the cells in the values, so the keys of one shard must share
// a hash slot on Redis Cluster: NewRedisClusterIndex puts each shard under
// a hash tag of its own.
//
// Upsert and Move take their values packed into one argument, so the Go
// side sends one string per call; the Lua patterns split it again.

// upsertScript: KEYS = positions hash, seen zset.
// ARGV = "<id>|<encoded position>", cell key prefix.
// Returns the previous encoded position or nil.
var upsertScript = redis.NewScript(upsertSrc)

const upsertSrc = `
local id, enc = string.match(ARGV[1], '^([^|]*)|(.*)$')
local hex, seen = string.match(enc, '^([^|]*)|[^|]*|[^|]*|[^|]*|([^|]*)|')
local old = redis.call('HGET', KEYS[1], id)
if old then
  local oc = string.match(old, '^[^|]*')
  if oc ~= hex then
    redis.call('SREM', ARGV[2] .. oc, id)
  end
end
redis.call('SADD', ARGV[2] .. hex, id)
redis.call('HSET', KEYS[1], id, enc)
redis.call('ZADD', KEYS[2], seen, id)
return old
`

// moveScript: KEYS = positions hash, seen zset.
// ARGV = "<id>|<max km/h>|<encoded position without the name>", cell key
// prefix. Returns "N" when the id has no position; otherwise a one-letter
// verdict followed by the stored encoded position: "S" stale, "F" too
// fast, "0" moved (the stored name is kept).
//
// The checks repeat moveRefusal operation by operation in IEEE doubles:
// the same haversine (DistanceM, with the Go constants for degrees to
// radians and the Earth radius written in with full precision) and the
// same seconds as time.Duration.Seconds (whole seconds + nanoseconds/1e9;
// microsecond times are exact in doubles). Lua's sin, cos and atan2 come
// from the C library and Go's from its own math package; they may differ
// in the last bit, so the two backends can disagree only on a move whose
// distance is within about 1e-12 m of 1 m or whose speed is within about
// one part in 1e15 of the limit.
var moveScript = redis.NewScript(moveSrc)

var moveSrc = strings.NewReplacer(
	"RAD_DEG", strconv.FormatFloat(degToRad, 'g', -1, 64),
	"EARTH_R", strconv.FormatFloat(EarthRadiusM, 'g', -1, 64),
	"MIN_M", strconv.FormatFloat(minCheckedMoveM, 'g', -1, 64),
).Replace(`
local id, maxkmh, enc = string.match(ARGV[1], '^([^|]*)|([^|]*)|(.*)$')
local hex, lat, lng, at, seen = string.match(enc, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|')
local old = redis.call('HGET', KEYS[1], id)
if not old then
  return 'N'
end
local oc, olat, olng, oat, name = string.match(old, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|[^|]*|(.*)$')
local at1, at0 = tonumber(at), tonumber(oat)
if not (at1 > at0) then
  return 'S' .. old
end
local rad, R = RAD_DEG, EARTH_R
local lat1, lng1, lat2, lng2 = tonumber(olat), tonumber(olng), tonumber(lat), tonumber(lng)
local cos1, cos2 = math.cos(lat1 * rad), math.cos(lat2 * rad)
local s1, s2 = math.sin((lat2 - lat1) * rad / 2), math.sin((lng2 - lng1) * rad / 2)
local a = s1 * s1 + cos1 * cos2 * s2 * s2
if a > 1 then
  a = 1
end
local d = 2 * R * math.atan2(math.sqrt(a), math.sqrt(1 - a))
local us = at1 - at0
local sec = math.floor(us / 1000000)
local rem = us - sec * 1000000
if rem < 0 then
  sec, rem = sec - 1, rem + 1000000
elseif rem >= 1000000 then
  sec, rem = sec + 1, rem - 1000000
end
local kmh = d / (sec + rem * 1000 / 1e9) * 3.6
if d > MIN_M and kmh > tonumber(maxkmh) then
  return 'F' .. old
end
if oc ~= hex then
  redis.call('SREM', ARGV[2] .. oc, id)
  redis.call('SADD', ARGV[2] .. hex, id)
end
redis.call('HSET', KEYS[1], id, enc .. name)
redis.call('ZADD', KEYS[2], seen, id)
return '0' .. old
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
var expireScript = newSourcedScript(`
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
