// Package imaging turns untrusted uploaded bytes into a safe picture.
//
// Sanitize accepts only JPEG, PNG and WebP, recognised from the bytes
// themselves (never from a file name or a client-supplied type). It refuses
// oversized inputs and decompression bombs before decoding any pixels, then
// decodes and re-encodes the picture so that nothing but pixels survives:
// EXIF (with GPS positions), XMP, comments, text chunks and ICC profiles are
// all dropped. JPEG stays JPEG and PNG stays PNG; WebP becomes PNG because the
// Go ecosystem has a WebP decoder (golang.org/x/image/webp) but no encoder.
package imaging

import "errors"

// ErrTooLarge means the input is longer than Limits.MaxBytes.
var ErrTooLarge = errors.New("imaging: image too large")

// ErrUnsupported means the input is not a JPEG, PNG or WebP picture, or uses
// a feature of those formats that the decoders do not support.
var ErrUnsupported = errors.New("imaging: unsupported image format")

// ErrTooManyPixels means the picture's declared size exceeds Limits.MaxPixels
// or Limits.MaxSide. It is returned before any pixel memory is allocated.
var ErrTooManyPixels = errors.New("imaging: image has too many pixels")

// ErrCorrupt means the bytes start like a supported format but do not decode.
var ErrCorrupt = errors.New("imaging: corrupt image")
