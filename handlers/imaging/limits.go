package imaging

// Defaults applied by Sanitize to Limits fields that are zero or negative.
const (
	DefaultMaxBytes  int64 = 10 << 20   // 10 MiB
	DefaultMaxPixels int64 = 40_000_000 // 40 megapixels
	DefaultMaxSide   int   = 8000
)

// Limits bounds the work Sanitize will do for one input. A zero or negative
// field means its default.
type Limits struct {
	// MaxBytes is the largest accepted input, in bytes.
	MaxBytes int64
	// MaxPixels is the largest accepted width*height.
	MaxPixels int64
	// MaxSide is the largest accepted width or height.
	MaxSide int
}

// withDefaults returns l with every unset field replaced by its default.
func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxSide <= 0 {
		l.MaxSide = DefaultMaxSide
	}
	return l
}
