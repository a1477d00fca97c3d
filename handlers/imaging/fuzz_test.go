package imaging

import (
	"bytes"
	"errors"
	"image"
	_ "image/jpeg" // register decoders for image.DecodeConfig below
	_ "image/png"
	"testing"
)

// FuzzSanitize feeds arbitrary bytes to Sanitize: it must never panic, must
// fail only with this package's sentinel errors, and whatever it returns must
// decode to the size it reports, within the limits.
func FuzzSanitize(f *testing.F) {
	f.Add(mustJPEG(f, quadrants(16, 16)))
	f.Add(withSegments(mustJPEG(f, quadrants(16, 8)), jpegSegment(0xE1, exifBlock(6))))
	f.Add(mustPNG(f, quadrants(8, 8)))
	f.Add(losslessWebP(3, 2, func(x, y int) bool { return x == y }))
	f.Add(bombPNG(100000, 100000))
	f.Add(vp8lHeaderOnly(16384, 2))
	f.Add([]byte("plain text"))
	lim := Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 16, MaxSide: 1024}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Sanitize(bytes.NewReader(data), lim)
		if err != nil {
			if !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrCorrupt) &&
				!errors.Is(err, ErrTooManyPixels) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error outside the sentinels: %v", err)
			}
			return
		}
		if int64(res.Width)*int64(res.Height) > lim.MaxPixels {
			t.Fatalf("accepted %dx%d over the pixel limit", res.Width, res.Height)
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(res.Data))
		if err != nil {
			t.Fatalf("output does not decode: %v", err)
		}
		if cfg.Width != res.Width || cfg.Height != res.Height {
			t.Fatalf("output is %dx%d, Result says %dx%d", cfg.Width, cfg.Height, res.Width, res.Height)
		}
	})
}
