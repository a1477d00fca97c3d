package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/webp"
)

// JPEGQuality is the quality JPEG uploads are re-encoded at.
const JPEGQuality = 88

// Result is a sanitized picture, ready to store and serve.
type Result struct {
	// Data is the re-encoded picture; it carries no metadata at all.
	Data []byte
	// ContentType is "image/jpeg" or "image/png", matching Data.
	ContentType string
	// Ext is the file extension for Data with its dot: ".jpg" or ".png".
	Ext string
	// Width and Height are the size of Data in pixels, after the EXIF
	// orientation of a JPEG was applied.
	Width, Height int
}

// Sanitize reads one uploaded picture from r and returns a clean copy.
//
// It reads at most lim.MaxBytes+1 bytes from r and fails with ErrTooLarge
// beyond lim.MaxBytes. The format is sniffed from the bytes; anything but
// JPEG, PNG or WebP fails with ErrUnsupported. The declared size is read from
// the header alone and a picture wider or taller than lim.MaxSide, or with
// more than lim.MaxPixels pixels, fails with ErrTooManyPixels before any
// pixel is decoded, so a decompression bomb costs a few kilobytes. Bytes that
// do not decode fail with ErrCorrupt (ErrUnsupported when the decoder names
// an unsupported feature of a supported format).
//
// The picture is then decoded and re-encoded, which drops every metadata
// block: JPEG becomes a fresh JPEG at JPEGQuality, with its EXIF orientation
// applied to the pixels first; PNG becomes PNG; WebP becomes PNG (Go has no
// WebP encoder). Colour profiles are dropped too, so wide-gamut pictures are
// shown as if they were sRGB. Every error wraps one of the sentinel errors of
// this package or the reader's own error, and can be tested with errors.Is.
func Sanitize(r io.Reader, lim Limits) (Result, error) {
	lim = lim.withDefaults()
	data, err := readCapped(r, lim.MaxBytes)
	if err != nil {
		return Result{}, err
	}
	f := sniff(data)
	if f == formatUnknown {
		return Result{}, fmt.Errorf("imaging: not a JPEG, PNG or WebP picture: %w", ErrUnsupported)
	}
	cfg, err := decodeConfig(f, data)
	if err != nil {
		return Result{}, classify("read header", err)
	}
	if err := checkSize(cfg.Width, cfg.Height, lim); err != nil {
		return Result{}, err
	}
	img, err := decode(f, data)
	if err != nil {
		return Result{}, classify("decode", err)
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return Result{}, fmt.Errorf("imaging: decoded %dx%d, header says %dx%d: %w",
			b.Dx(), b.Dy(), cfg.Width, cfg.Height, ErrCorrupt)
	}
	if f == formatJPEG {
		img = orient(img, jpegOrientation(data))
		return encode(img, "image/jpeg", ".jpg", func(w io.Writer, m image.Image) error {
			return jpeg.Encode(w, m, &jpeg.Options{Quality: JPEGQuality})
		})
	}
	return encode(img, "image/png", ".png", png.Encode)
}

// readCapped reads r to its end, but never more than max+1 bytes.
func readCapped(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("imaging: read upload: %w", err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("imaging: upload over %d bytes: %w", max, ErrTooLarge)
	}
	return data, nil
}

// checkSize refuses a declared size over the limits, or an empty one.
func checkSize(w, h int, lim Limits) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("imaging: declared size %dx%d: %w", w, h, ErrCorrupt)
	}
	if w > lim.MaxSide || h > lim.MaxSide {
		return fmt.Errorf("imaging: %dx%d has a side over %d: %w", w, h, lim.MaxSide, ErrTooManyPixels)
	}
	if int64(w)*int64(h) > lim.MaxPixels {
		return fmt.Errorf("imaging: %dx%d is over %d pixels: %w", w, h, lim.MaxPixels, ErrTooManyPixels)
	}
	return nil
}

func decodeConfig(f format, data []byte) (image.Config, error) {
	r := bytes.NewReader(data)
	switch f {
	case formatJPEG:
		return jpeg.DecodeConfig(r)
	case formatPNG:
		return png.DecodeConfig(r)
	default:
		return webp.DecodeConfig(r)
	}
}

func decode(f format, data []byte) (image.Image, error) {
	r := bytes.NewReader(data)
	switch f {
	case formatJPEG:
		return jpeg.Decode(r)
	case formatPNG:
		return png.Decode(r)
	default:
		return webp.Decode(r)
	}
}

// classify wraps a decoder error in ErrUnsupported when the decoder says the
// feature is unsupported, and in ErrCorrupt otherwise.
func classify(stage string, err error) error {
	var ju jpeg.UnsupportedError
	var pu png.UnsupportedError
	if errors.As(err, &ju) || errors.As(err, &pu) {
		return fmt.Errorf("imaging: %s: %w: %w", stage, ErrUnsupported, err)
	}
	return fmt.Errorf("imaging: %s: %w: %w", stage, ErrCorrupt, err)
}

func encode(img image.Image, contentType, ext string, enc func(io.Writer, image.Image) error) (Result, error) {
	var buf bytes.Buffer
	if err := enc(&buf, img); err != nil {
		return Result{}, fmt.Errorf("imaging: encode %s: %w", contentType, err)
	}
	b := img.Bounds()
	return Result{
		Data:        buf.Bytes(),
		ContentType: contentType,
		Ext:         ext,
		Width:       b.Dx(),
		Height:      b.Dy(),
	}, nil
}
