package imaging

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"golang.org/x/image/webp"
)

func mustSanitize(t *testing.T, data []byte) Result {
	t.Helper()
	res, err := Sanitize(bytes.NewReader(data), Limits{})
	if err != nil {
		t.Fatalf("Sanitize: %v", err)
	}
	return res
}

func TestJPEGMetadataRemoved(t *testing.T) {
	src := withSegments(mustJPEG(t, quadrants(64, 48)),
		jpegSegment(0xE1, exifBlock(1)),
		jpegSegment(0xE1, xmpBlock()),
		jpegSegment(0xFE, []byte("ILLUWA-COMMENT shot at home")),
	)
	secrets := []string{"Exif", gpsMarker, "xmpmeta", "ILLUWA-XMP", "ILLUWA-COMMENT"}
	for _, s := range secrets {
		if !bytes.Contains(src, []byte(s)) {
			t.Fatalf("test input lacks %q", s)
		}
	}
	if _, err := jpeg.Decode(bytes.NewReader(src)); err != nil {
		t.Fatalf("test input does not decode: %v", err)
	}

	res := mustSanitize(t, src)
	for _, s := range secrets {
		if bytes.Contains(res.Data, []byte(s)) {
			t.Errorf("output still contains %q", s)
		}
	}
	for _, m := range jpegMarkers(t, res.Data) {
		if m >= 0xE0 && m <= 0xEF || m == 0xFE {
			t.Errorf("output has an APP%d/COM segment (marker 0x%02X)", m-0xE0, m)
		}
	}
	if res.ContentType != "image/jpeg" || res.Ext != ".jpg" {
		t.Errorf("type %q ext %q, want image/jpeg .jpg", res.ContentType, res.Ext)
	}
	out, err := jpeg.Decode(bytes.NewReader(res.Data))
	if err != nil {
		t.Fatalf("output does not decode: %v", err)
	}
	if b := out.Bounds(); b.Dx() != 64 || b.Dy() != 48 || res.Width != 64 || res.Height != 48 {
		t.Errorf("output %v, Result %dx%d, want 64x48", b, res.Width, res.Height)
	}
	if got := quadrantColors(out); got != [4]string{"R", "G", "B", "W"} {
		t.Errorf("output quadrants %v, want [R G B W]", got)
	}
}

func TestPNGTextChunkRemoved(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 5, 3))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	src := withChunkAfterIHDR(mustPNG(t, img), pngChunk("tEXt", []byte("Comment\x00ILLUWA-SECRET-TEXT")))
	if types := pngChunkTypes(t, src); types[1] != "tEXt" {
		t.Fatalf("test input chunks %v, want tEXt second", types)
	}
	if _, err := png.Decode(bytes.NewReader(src)); err != nil {
		t.Fatalf("test input does not decode: %v", err)
	}

	res := mustSanitize(t, src)
	if bytes.Contains(res.Data, []byte("ILLUWA-SECRET-TEXT")) {
		t.Error("output still contains the text")
	}
	for _, typ := range pngChunkTypes(t, res.Data) {
		if typ != "IHDR" && typ != "IDAT" && typ != "IEND" && typ != "PLTE" {
			t.Errorf("output has chunk %q", typ)
		}
	}
	if res.ContentType != "image/png" || res.Ext != ".png" || res.Width != 5 || res.Height != 3 {
		t.Errorf("Result %q %q %dx%d, want image/png .png 5x3", res.ContentType, res.Ext, res.Width, res.Height)
	}
	out, err := png.Decode(bytes.NewReader(res.Data))
	if err != nil {
		t.Fatalf("output does not decode: %v", err)
	}
	for y := 0; y < 3; y++ {
		for x := 0; x < 5; x++ {
			if w, g := img.At(x, y), out.At(x, y); !sameColor(w, g) {
				t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, g, w)
			}
		}
	}
}

func TestWebPBecomesPNG(t *testing.T) {
	on := func(x, y int) bool { return (x+y)%2 == 0 }
	src := losslessWebP(4, 3, on)
	check := func(name string, m image.Image) {
		t.Helper()
		if b := m.Bounds(); b.Dx() != 4 || b.Dy() != 3 {
			t.Fatalf("%s: size %v, want 4x3", name, b)
		}
		for y := 0; y < 3; y++ {
			for x := 0; x < 4; x++ {
				want := color.NRGBA{0x20, 0, 0x40, 0xFF}
				if on(x, y) {
					want.G = 0xFF
				}
				if !sameColor(want, m.At(x, y)) {
					t.Fatalf("%s: pixel (%d,%d) = %v, want %v", name, x, y, m.At(x, y), want)
				}
			}
		}
	}
	in, err := webp.Decode(bytes.NewReader(src))
	if err != nil {
		t.Fatalf("hand-built WebP does not decode: %v", err)
	}
	check("input", in)

	res := mustSanitize(t, src)
	if res.ContentType != "image/png" || res.Ext != ".png" || res.Width != 4 || res.Height != 3 {
		t.Errorf("Result %q %q %dx%d, want image/png .png 4x3", res.ContentType, res.Ext, res.Width, res.Height)
	}
	out, err := png.Decode(bytes.NewReader(res.Data))
	if err != nil {
		t.Fatalf("output is not a PNG: %v", err)
	}
	check("output", out)
}

func TestUnsupported(t *testing.T) {
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, quadrants(8, 8), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"text", []byte("hello, this is a text file pretending to be photo.jpg\n")},
		{"html", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")},
		{"gif", gifBuf.Bytes()},
		{"empty", nil},
		{"riff_not_webp", []byte("RIFF\x10\x00\x00\x00WAVEfmt ")},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Sanitize(bytes.NewReader(tt.data), Limits{}); !errors.Is(err, ErrUnsupported) {
				t.Fatalf("Sanitize = %v, want ErrUnsupported", err)
			}
		})
	}
}

func TestCorrupt(t *testing.T) {
	jpg := mustJPEG(t, quadrants(64, 64))
	pngData := mustPNG(t, quadrants(64, 64))
	tests := []struct {
		name string
		data []byte
	}{
		{"truncated_jpeg", jpg[:len(jpg)/2]},
		{"jpeg_header_only", jpg[:40]},
		{"truncated_png", pngData[:len(pngData)-30]},
		{"png_bad_crc", append(append([]byte{}, pngData[:30]...), 0xAA, 0xBB)},
		{"webp_header_only", vp8lHeaderOnly(4, 4)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Sanitize(bytes.NewReader(tt.data), Limits{}); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Sanitize = %v, want ErrCorrupt", err)
			}
		})
	}
}

// countingReader yields n bytes of 0xFF and counts how many were read.
type countingReader struct {
	left, read int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, errors.New("countingReader: exhausted")
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	for i := range p {
		p[i] = 0xFF
	}
	r.left -= int64(len(p))
	r.read += int64(len(p))
	return len(p), nil
}

func TestTooLarge(t *testing.T) {
	r := &countingReader{left: 20 << 20}
	_, err := Sanitize(r, Limits{})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Sanitize(20 MB) = %v, want ErrTooLarge", err)
	}
	if r.read > DefaultMaxBytes+1 {
		t.Fatalf("read %d bytes, want at most MaxBytes+1 = %d", r.read, DefaultMaxBytes+1)
	}
}

func TestMaxBytesBoundary(t *testing.T) {
	data := mustPNG(t, quadrants(16, 16))
	if _, err := Sanitize(bytes.NewReader(data), Limits{MaxBytes: int64(len(data))}); err != nil {
		t.Fatalf("input of exactly MaxBytes: %v", err)
	}
	if _, err := Sanitize(bytes.NewReader(data), Limits{MaxBytes: int64(len(data)) - 1}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("input of MaxBytes+1: %v, want ErrTooLarge", err)
	}
}

func TestReaderErrorPassedThrough(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := Sanitize(errReader{boom}, Limits{})
	if !errors.Is(err, boom) {
		t.Fatalf("Sanitize = %v, want the reader's error", err)
	}
	if strings.Count(err.Error(), "imaging:") != 1 {
		t.Errorf("error %q should carry the package prefix once", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// sameColor compares two colours after conversion to non-premultiplied RGBA.
func sameColor(a, b color.Color) bool {
	return color.NRGBAModel.Convert(a) == color.NRGBAModel.Convert(b)
}

// quadrantColors names the colour at the centre of each quarter of m
// (top-left, top-right, bottom-left, bottom-right) as R, G, B, W or "?".
func quadrantColors(m image.Image) [4]string {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	pts := [4]image.Point{{w / 4, h / 4}, {3 * w / 4, h / 4}, {w / 4, 3 * h / 4}, {3 * w / 4, 3 * h / 4}}
	var out [4]string
	for i, p := range pts {
		r, g, bl, _ := m.At(b.Min.X+p.X, b.Min.Y+p.Y).RGBA()
		hi := func(v uint32) bool { return v > 0xC000 }
		lo := func(v uint32) bool { return v < 0x4000 }
		switch {
		case hi(r) && lo(g) && lo(bl):
			out[i] = "R"
		case lo(r) && hi(g) && lo(bl):
			out[i] = "G"
		case lo(r) && lo(g) && hi(bl):
			out[i] = "B"
		case hi(r) && hi(g) && hi(bl):
			out[i] = "W"
		default:
			out[i] = "?"
		}
	}
	return out
}
