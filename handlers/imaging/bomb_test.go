package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"
)

// jpegWithSize patches the SOF0 frame header of a JPEG to declare w×h.
func jpegWithSize(t testing.TB, jpg []byte, w, h uint16) []byte {
	t.Helper()
	out := append([]byte{}, jpg...)
	i := bytes.Index(out, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0 marker")
	}
	binary.BigEndian.PutUint16(out[i+5:], h)
	binary.BigEndian.PutUint16(out[i+7:], w)
	return out
}

func TestTooManyPixels(t *testing.T) {
	jpg := mustJPEG(t, quadrants(16, 16))
	tests := []struct {
		name string
		data []byte
	}{
		{"png_bomb_100000x100000", bombPNG(100000, 100000)},
		{"png_side_over_8000", bombPNG(8001, 1)},
		{"png_7000x7000_over_40MP", bombPNG(7000, 7000)},
		{"jpeg_65000x65000", jpegWithSize(t, jpg, 65000, 65000)},
		{"webp_16384x16384", vp8lHeaderOnly(16384, 16384)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Sanitize(bytes.NewReader(tt.data), Limits{}); !errors.Is(err, ErrTooManyPixels) {
				t.Fatalf("Sanitize = %v, want ErrTooManyPixels", err)
			}
		})
	}
	// Within the limits, the same tiny bomb is only corrupt.
	if _, err := Sanitize(bytes.NewReader(bombPNG(100, 100)), Limits{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("100x100 header with no pixel data: %v, want ErrCorrupt", err)
	}
}

func TestCustomLimits(t *testing.T) {
	data := mustPNG(t, quadrants(100, 50))
	if _, err := Sanitize(bytes.NewReader(data), Limits{MaxPixels: 4999}); !errors.Is(err, ErrTooManyPixels) {
		t.Errorf("MaxPixels 4999 for 5000 px: %v, want ErrTooManyPixels", err)
	}
	if _, err := Sanitize(bytes.NewReader(data), Limits{MaxSide: 99}); !errors.Is(err, ErrTooManyPixels) {
		t.Errorf("MaxSide 99 for width 100: %v, want ErrTooManyPixels", err)
	}
	if _, err := Sanitize(bytes.NewReader(data), Limits{MaxPixels: 5000, MaxSide: 100}); err != nil {
		t.Errorf("exactly at the limits: %v", err)
	}
}

// TestBombAllocatesLittle checks that refusing a 10-gigapixel PNG costs
// kilobytes: the header is read, its pixels never allocated.
func TestBombAllocatesLittle(t *testing.T) {
	bomb := bombPNG(100000, 100000)
	const runs = 50
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < runs; i++ {
		if _, err := Sanitize(bytes.NewReader(bomb), Limits{}); !errors.Is(err, ErrTooManyPixels) {
			t.Fatalf("Sanitize = %v, want ErrTooManyPixels", err)
		}
	}
	runtime.ReadMemStats(&after)
	perRun := (after.TotalAlloc - before.TotalAlloc) / runs
	t.Logf("refusing a 100000x100000 PNG allocates %d bytes per call", perRun)
	if perRun > 256<<10 {
		t.Fatalf("refusing the bomb allocated %d bytes per call, want under 256 KiB", perRun)
	}
}

func BenchmarkSanitizeBombPNG(b *testing.B) {
	bomb := bombPNG(100000, 100000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sanitize(bytes.NewReader(bomb), Limits{}); !errors.Is(err, ErrTooManyPixels) {
			b.Fatal(err)
		}
	}
}

func BenchmarkSanitizeJPEG1024(b *testing.B) {
	src := withSegments(mustJPEG(b, quadrants(1024, 768)), jpegSegment(0xE1, exifBlock(6)))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sanitize(bytes.NewReader(src), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
