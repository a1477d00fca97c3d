package hardware

import "encoding/binary"

// DefaultCardKey is the SipHash key the firmware is built with unless the
// build sets CARD_KEY. One key for every box, so one card gives one token at
// every stall (a customer registers it once).
var DefaultCardKey = [16]byte{'i', 'l', 'l', 'u', 'w', 'a', '-', 'c', 'a', 'r', 'd', '-', 'k', 'e', 'y', '1'}

// CardToken is the token a box sends for a card UID: SipHash-2-4 of the UID
// under key, as 8 little-endian bytes. It identifies a card without revealing
// its UID (nothing card-like leaves the box); the firmware computes the same.
func CardToken(key [16]byte, uid []byte) [CardTokenSize]byte {
	var out [CardTokenSize]byte
	binary.LittleEndian.PutUint64(out[:], sipHash24(key, uid))
	return out
}

func sipHash24(key [16]byte, m []byte) uint64 {
	k0 := binary.LittleEndian.Uint64(key[:8])
	k1 := binary.LittleEndian.Uint64(key[8:])
	v0 := k0 ^ 0x736f6d6570736575
	v1 := k1 ^ 0x646f72616e646f6d
	v2 := k0 ^ 0x6c7967656e657261
	v3 := k1 ^ 0x7465646279746573
	round := func() {
		v0 += v1
		v1 = v1<<13 | v1>>51
		v1 ^= v0
		v0 = v0<<32 | v0>>32
		v2 += v3
		v3 = v3<<16 | v3>>48
		v3 ^= v2
		v0 += v3
		v3 = v3<<21 | v3>>43
		v3 ^= v0
		v2 += v1
		v1 = v1<<17 | v1>>47
		v1 ^= v2
		v2 = v2<<32 | v2>>32
	}
	n := len(m)
	for len(m) >= 8 {
		w := binary.LittleEndian.Uint64(m)
		v3 ^= w
		round()
		round()
		v0 ^= w
		m = m[8:]
	}
	b := uint64(n) << 56
	for i, c := range m {
		b |= uint64(c) << (8 * i)
	}
	v3 ^= b
	round()
	round()
	v0 ^= b
	v2 ^= 0xff
	round()
	round()
	round()
	round()
	return v0 ^ v1 ^ v2 ^ v3
}
