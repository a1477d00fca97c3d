// SipHash-2-4 with a 64-bit result (the same as hardware.CardToken in Go).
#pragma once

#define SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sipRound(uint64_t *v) {
  v[0] += v[1]; v[1] = SIP_ROTL(v[1], 13); v[1] ^= v[0]; v[0] = SIP_ROTL(v[0], 32);
  v[2] += v[3]; v[3] = SIP_ROTL(v[3], 16); v[3] ^= v[2];
  v[0] += v[3]; v[3] = SIP_ROTL(v[3], 21); v[3] ^= v[0];
  v[2] += v[1]; v[1] = SIP_ROTL(v[1], 17); v[1] ^= v[2]; v[2] = SIP_ROTL(v[2], 32);
}

static uint64_t sipLoad(const uint8_t *p, uint8_t n) {
  uint64_t w = 0;
  for (uint8_t i = 0; i < n; i++) w |= (uint64_t)p[i] << (8 * i);
  return w;
}

// sipHash24 hashes n (< 256) bytes of m under a 16-byte key into out (8 bytes, little-endian).
static void sipHash24(const uint8_t *key, const uint8_t *m, uint8_t n, uint8_t *out) {
  uint64_t k0 = sipLoad(key, 8), k1 = sipLoad(key + 8, 8);
  uint64_t v[4] = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
                   k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
  uint8_t left = n;
  while (left >= 8) {
    uint64_t w = sipLoad(m, 8);
    v[3] ^= w; sipRound(v); sipRound(v); v[0] ^= w;
    m += 8; left -= 8;
  }
  uint64_t b = ((uint64_t)n << 56) | sipLoad(m, left);
  v[3] ^= b; sipRound(v); sipRound(v); v[0] ^= b;
  v[2] ^= 0xff;
  sipRound(v); sipRound(v); sipRound(v); sipRound(v);
  uint64_t h = v[0] ^ v[1] ^ v[2] ^ v[3];
  for (uint8_t i = 0; i < 8; i++) out[i] = (uint8_t)(h >> (8 * i));
}
