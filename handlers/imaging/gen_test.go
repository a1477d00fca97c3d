package imaging

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// Test pictures are generated here rather than shipped as binary fixtures.

var (
	red   = color.RGBA{255, 0, 0, 255}
	green = color.RGBA{0, 255, 0, 255}
	blue  = color.RGBA{0, 0, 255, 255}
	white = color.RGBA{255, 255, 255, 255}
)

// quadrants returns a w×h picture with red, green, blue and white quarters
// (top-left, top-right, bottom-left, bottom-right).
func quadrants(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := red
			switch {
			case x >= w/2 && y < h/2:
				c = green
			case x < w/2 && y >= h/2:
				c = blue
			case x >= w/2 && y >= h/2:
				c = white
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

func mustJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustPNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// jpegSegment builds one marker segment with its length field.
func jpegSegment(marker byte, body []byte) []byte {
	seg := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(body)+2))
	return append(seg, body...)
}

// withSegments inserts segments right after the SOI marker of a JPEG.
func withSegments(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

// gpsMarker is a string stored in the GPS directory of test EXIF blocks, so
// that its absence from an output proves the GPS block is gone.
const gpsMarker = "ILLUWA-GPS-37.5665N-126.9780E"

// exifBlock builds an APP1 EXIF body (little-endian TIFF) with an Orientation
// tag and a GPS directory holding a latitude and gpsMarker as map datum.
func exifBlock(orientation uint16) []byte {
	le := binary.LittleEndian
	var t []byte
	u16 := func(v uint16) { t = le.AppendUint16(t, v) }
	u32 := func(v uint32) { t = le.AppendUint32(t, v) }
	entry := func(tag, typ uint16, count, value uint32) { u16(tag); u16(typ); u32(count); u32(value) }

	t = append(t, 'I', 'I')
	u16(42)
	u32(8)
	// IFD0 at 8: two entries.
	const ifd0Size = 2 + 2*12 + 4
	gpsIFD := uint32(8 + ifd0Size)
	u16(2)
	entry(0x0112, 3, 1, uint32(orientation)) // Orientation, SHORT
	entry(0x8825, 4, 1, gpsIFD)              // GPSInfo pointer, LONG
	u32(0)
	// GPS IFD: three entries, then its out-of-line values.
	const gpsSize = 2 + 3*12 + 4
	latAt := gpsIFD + gpsSize
	datum := gpsMarker + "\x00"
	datumAt := latAt + 24
	u16(3)
	entry(0x0001, 2, 2, uint32('N'))              // GPSLatitudeRef "N"
	entry(0x0002, 5, 3, latAt)                    // GPSLatitude, 3 RATIONALs
	entry(0x0012, 2, uint32(len(datum)), datumAt) // GPSMapDatum, ASCII
	u32(0)
	for _, r := range [][2]uint32{{37, 1}, {33, 1}, {5940, 100}} {
		u32(r[0])
		u32(r[1])
	}
	t = append(t, datum...)
	return append([]byte("Exif\x00\x00"), t...)
}

// xmpBlock is an APP1 XMP body.
func xmpBlock() []byte {
	return []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">ILLUWA-XMP</x:xmpmeta>")
}

// jpegMarkers lists the markers of a JPEG's header segments, up to and
// including the first SOS.
func jpegMarkers(t *testing.T, data []byte) []byte {
	t.Helper()
	var ms []byte
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			t.Fatalf("no marker at offset %d", i)
		}
		m := data[i+1]
		ms = append(ms, m)
		if m == 0xDA {
			return ms
		}
		i += 2 + int(binary.BigEndian.Uint16(data[i+2:]))
	}
	t.Fatal("no SOS marker")
	return nil
}

// pngChunk builds one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// withChunkAfterIHDR inserts a chunk after the IHDR chunk of a PNG.
func withChunkAfterIHDR(p, chunk []byte) []byte {
	const ihdrEnd = 8 + 4 + 4 + 13 + 4
	out := append([]byte{}, p[:ihdrEnd]...)
	out = append(out, chunk...)
	return append(out, p[ihdrEnd:]...)
}

// pngChunkTypes lists the chunk types of a PNG in order.
func pngChunkTypes(t *testing.T, p []byte) []string {
	t.Helper()
	var types []string
	for i := 8; i+8 <= len(p); {
		n := int(binary.BigEndian.Uint32(p[i:]))
		types = append(types, string(p[i+4:i+8]))
		i += 12 + n
	}
	return types
}

// bombPNG is a well-formed PNG header declaring w×h RGB pixels followed by a
// tiny IDAT (an empty zlib stream) and IEND.
func bombPNG(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // 8-bit RGB, deflate, no filter, no interlace
	out := append([]byte{}, magicPNG...)
	out = append(out, pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", []byte{0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, pngChunk("IEND", nil)...)
}

// bitWriter packs bits least-significant first, as VP8L does.
type bitWriter struct {
	buf  []byte
	nbit uint
}

func (b *bitWriter) write(v uint32, n uint) {
	for i := uint(0); i < n; i++ {
		if b.nbit%8 == 0 {
			b.buf = append(b.buf, 0)
		}
		b.buf[len(b.buf)-1] |= byte(v>>i&1) << (b.nbit % 8)
		b.nbit++
	}
}

// losslessWebP hand-builds a VP8L (lossless WebP) picture of w×h pixels,
// red 0x20, blue 0x40, opaque, whose green is 0xFF where on(x, y) and 0x00
// elsewhere. Every prefix code is a "simple" code: green has two symbols
// (one bit per pixel), the other channels one symbol (zero bits).
func losslessWebP(w, h int, on func(x, y int) bool) []byte {
	var bw bitWriter
	bw.write(0x2F, 8) // signature
	bw.write(uint32(w-1), 14)
	bw.write(uint32(h-1), 14)
	bw.write(1, 1)                // alpha hint
	bw.write(0, 3)                // version
	bw.write(0, 1)                // no transform
	bw.write(0, 1)                // no colour cache
	bw.write(0, 1)                // no meta prefix codes
	simple1 := func(sym uint32) { // one 8-bit symbol
		bw.write(1, 1)
		bw.write(0, 1)
		bw.write(1, 1)
		bw.write(sym, 8)
	}
	// green: two symbols, 0x00 (1-bit form) and 0xFF.
	bw.write(1, 1)
	bw.write(1, 1)
	bw.write(0, 1)
	bw.write(0x00, 1)
	bw.write(0xFF, 8)
	simple1(0x20) // red
	simple1(0x40) // blue
	simple1(0xFF) // alpha
	simple1(0)    // distance
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if on(x, y) {
				bw.write(1, 1)
			} else {
				bw.write(0, 1)
			}
		}
	}
	return riffWebP("VP8L", bw.buf)
}

// vp8lHeaderOnly is a VP8L stream that declares w×h and then ends.
func vp8lHeaderOnly(w, h int) []byte {
	var bw bitWriter
	bw.write(0x2F, 8)
	bw.write(uint32(w-1), 14)
	bw.write(uint32(h-1), 14)
	bw.write(0, 4)
	return riffWebP("VP8L", bw.buf)
}

func riffWebP(chunk string, data []byte) []byte {
	body := append([]byte("WEBP"+chunk), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	body = append(body, data...)
	if len(data)%2 == 1 {
		body = append(body, 0)
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}
