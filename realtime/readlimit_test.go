package realtime

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadLimited(t *testing.T) {
	msg := strings.Repeat("가", 100) // 300 bytes
	for _, tc := range []struct {
		name  string
		r     func() io.Reader
		limit int64
		err   error
	}{
		{"under", func() io.Reader { return strings.NewReader(msg) }, 301, nil},
		{"exactly", func() io.Reader { return strings.NewReader(msg) }, 300, nil},
		{"over", func() io.Reader { return strings.NewReader(msg) }, 299, errTooLarge},
		{"byte_by_byte", func() io.Reader { return iotest.OneByteReader(strings.NewReader(msg)) }, 300, nil},
		{"data_with_eof", func() io.Reader { return iotest.DataErrReader(strings.NewReader(msg)) }, 300, nil},
		{"failing", func() io.Reader { return iotest.TimeoutReader(strings.NewReader(msg)) }, 300, iotest.ErrTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := []byte(strings.Repeat("x", 40)) // a pooled buffer's old bytes
			got, err := readLimited(tc.r(), tc.limit, old[:3])
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if tc.err == nil && string(got) != msg {
				t.Fatalf("read %q", got)
			}
			if int64(cap(got)) > 2*tc.limit+512 {
				t.Fatalf("buffer grew to %d for a limit of %d", cap(got), tc.limit)
			}
		})
	}
}
