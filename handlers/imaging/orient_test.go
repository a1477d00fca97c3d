package imaging

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"testing"
)

// TestJPEGOrientationApplied tags a 64x48 picture (red, green, blue, white
// quarters) with each EXIF orientation and checks where the quarters end up.
// The expected layouts are written out from the EXIF definitions.
func TestJPEGOrientationApplied(t *testing.T) {
	tests := []struct {
		orientation uint16
		w, h        int
		want        [4]string // top-left, top-right, bottom-left, bottom-right
	}{
		{1, 64, 48, [4]string{"R", "G", "B", "W"}},
		{2, 64, 48, [4]string{"G", "R", "W", "B"}},
		{3, 64, 48, [4]string{"W", "B", "G", "R"}},
		{4, 64, 48, [4]string{"B", "W", "R", "G"}},
		{5, 48, 64, [4]string{"R", "B", "G", "W"}},
		{6, 48, 64, [4]string{"B", "R", "W", "G"}},
		{7, 48, 64, [4]string{"W", "G", "B", "R"}},
		{8, 48, 64, [4]string{"G", "W", "R", "B"}},
	}
	base := mustJPEG(t, quadrants(64, 48))
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.orientation), func(t *testing.T) {
			src := withSegments(base, jpegSegment(0xE1, exifBlock(tt.orientation)))
			if got := jpegOrientation(src); got != int(tt.orientation) {
				t.Fatalf("jpegOrientation = %d, want %d", got, tt.orientation)
			}
			res := mustSanitize(t, src)
			out, err := jpeg.Decode(bytes.NewReader(res.Data))
			if err != nil {
				t.Fatal(err)
			}
			if b := out.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h || res.Width != tt.w || res.Height != tt.h {
				t.Fatalf("output %v, Result %dx%d, want %dx%d", b, res.Width, res.Height, tt.w, tt.h)
			}
			if got := quadrantColors(out); got != tt.want {
				t.Fatalf("quadrants %v, want %v", got, tt.want)
			}
			if got := jpegOrientation(res.Data); got != 1 {
				t.Fatalf("output still tagged with orientation %d", got)
			}
		})
	}
}

// TestOrientImageTypes checks the pixel paths other than YCbCr on a 3x2
// picture turned 90° clockwise.
func TestOrientImageTypes(t *testing.T) {
	gray := image.NewGray(image.Rect(0, 0, 3, 2))
	copy(gray.Pix, []byte{1, 2, 3, 4, 5, 6})
	// Turned clockwise, rows read bottom-up become columns: 4 1 / 5 2 / 6 3.
	want := []byte{4, 1, 5, 2, 6, 3}
	g, ok := orient(gray, 6).(*image.Gray)
	if !ok || g.Rect != image.Rect(0, 0, 2, 3) || !bytes.Equal(g.Pix, want) {
		t.Fatalf("Gray turned: %v %v, want 2x3 %v", g.Rect, g.Pix, want)
	}

	cmyk := image.NewCMYK(image.Rect(0, 0, 3, 2))
	for i := range cmyk.Pix {
		cmyk.Pix[i] = byte(i / 4) // pixel index in every channel
	}
	c := orient(cmyk, 6).(*image.CMYK)
	for i, v := range want {
		if got := c.Pix[4*i]; got != v-1 {
			t.Fatalf("CMYK turned pixel %d = %d, want %d", i, got, v-1)
		}
	}

	nrgba := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for i := 0; i < 6; i++ {
		nrgba.Pix[4*i], nrgba.Pix[4*i+3] = byte(i+1)*10, 255
	}
	r := orient(nrgba, 6).(*image.RGBA)
	for i, v := range want {
		if got := r.Pix[4*i]; got != v*10 {
			t.Fatalf("NRGBA turned pixel %d red = %d, want %d", i, got, v*10)
		}
	}
	if orient(gray, 1) != image.Image(gray) || orient(gray, 9) != image.Image(gray) {
		t.Fatal("orientation 1 or out of range must return the picture unchanged")
	}
}

func TestOrientationMalformedEXIF(t *testing.T) {
	good := exifBlock(6)
	bigEndian := append([]byte("Exif\x00\x00MM\x00\x2A\x00\x00\x00\x08\x00\x01"),
		0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0, 0, 0, 0)
	badIFD := append([]byte{}, good...)
	binary.LittleEndian.PutUint32(badIFD[6+4:], 0xFFFFFFF0)
	badValue := append([]byte{}, good...)
	binary.LittleEndian.PutUint16(badValue[6+8+2+8:], 42)
	tests := []struct {
		name string
		app1 []byte
		want int
	}{
		{"little_endian", good, 6},
		{"big_endian", bigEndian, 8},
		{"ifd_offset_out_of_range", badIFD, 1},
		{"value_out_of_range", badValue, 1},
		{"truncated", good[:20], 1},
		{"not_exif", []byte("Exif\x00\x00XX"), 1},
	}
	jpg := mustJPEG(t, quadrants(16, 16))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jpegOrientation(withSegments(jpg, jpegSegment(0xE1, tt.app1))); got != tt.want {
				t.Fatalf("jpegOrientation = %d, want %d", got, tt.want)
			}
		})
	}
}
