// Package keyslot computes Redis Cluster hash slots, so that the Redis
// backends can pick hash tags that spread their shards evenly over the slot
// space (and so over the masters, which own contiguous slot ranges).
package keyslot

import "strconv"

// Slots is the number of hash slots of a Redis Cluster.
const Slots = 16384

// Of returns the hash slot of key as Redis Cluster computes it: CRC16
// (XMODEM) of the key modulo 16384, where a key holding a non-empty "{...}"
// is hashed by what lies between its first '{' and the next '}' only.
func Of(key string) int {
	for i := 0; i < len(key); i++ {
		if key[i] != '{' {
			continue
		}
		for j := i + 1; j < len(key); j++ {
			if key[j] == '}' {
				if j > i+1 {
					key = key[i+1 : j]
				}
				return int(crc16(key)) % Slots
			}
		}
		break
	}
	return int(crc16(key)) % Slots
}

// crc16 is CRC-16/XMODEM (polynomial 0x1021, initial value 0), the
// checksum Redis Cluster hashes keys with.
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// SpreadTags returns n hash tags (without the braces), the i-th of which
// hashes into the i-th of n equal ranges of the slot space. Each is base
// followed by i and a small counter, found by trying counters in order, so
// every process computes the same tags. A cluster whose masters own equal
// contiguous ranges (what `redis-cli --cluster create` makes) gets n/masters
// tags per master, give or take one. n must be between 1 and Slots.
func SpreadTags(base string, n int) []string {
	if n < 1 || n > Slots {
		panic("keyslot: SpreadTags needs 1 <= n <= 16384")
	}
	tags := make([]string, n)
	for i := range tags {
		lo, hi := i*Slots/n, (i+1)*Slots/n
		for j := 0; ; j++ {
			t := base + strconv.Itoa(i) + "." + strconv.Itoa(j)
			if s := int(crc16(t)) % Slots; s >= lo && s < hi {
				tags[i] = t
				break
			}
		}
	}
	return tags
}
