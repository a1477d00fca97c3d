// Package blobtest holds the contract test suite of blob.Storage, so that
// every implementation, in whatever package, runs the same one.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/illuwa/illuwa/store/blob"
)

// Run is the contract every blob.Storage implementation must meet, as
// subtests of t. open returns an empty storage that the subtest may use
// alone (and closes, when it must, in t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) blob.Storage) {
	t.Run("round_trip", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		data := bytes.Repeat([]byte("illuwa-"), 1000)
		if err := s.Put(ctx, "abc.jpg", bytes.NewReader(data), "image/jpeg"); err != nil {
			t.Fatalf("Put: %v", err)
		}
		got, attrs := MustRead(t, s, "abc.jpg")
		if !bytes.Equal(got, data) {
			t.Fatalf("Open read %d bytes, want the %d bytes put", len(got), len(data))
		}
		if attrs.Size != int64(len(data)) {
			t.Errorf("Attrs.Size = %d, want %d", attrs.Size, len(data))
		}
		if attrs.ContentType != "image/jpeg" {
			t.Errorf("Attrs.ContentType = %q, want image/jpeg", attrs.ContentType)
		}
		if attrs.ModTime.IsZero() {
			t.Errorf("Attrs.ModTime is zero")
		}
		if err := s.Delete(ctx, "abc.jpg"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, _, err := s.Open(ctx, "abc.jpg"); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Open after Delete = %v, want blob.ErrNotFound", err)
		}
	})

	t.Run("content_type_kept", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		// PNG bytes labelled otherwise: the label given to Put wins over sniffing.
		png := []byte("\x89PNG\r\n\x1a\n rest")
		if err := s.Put(ctx, "x.webp", bytes.NewReader(png), "image/webp"); err != nil {
			t.Fatalf("Put: %v", err)
		}
		if _, attrs := MustRead(t, s, "x.webp"); attrs.ContentType != "image/webp" {
			t.Fatalf("ContentType = %q, want image/webp", attrs.ContentType)
		}
	})

	t.Run("replace", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		for _, v := range []string{"first version", "second"} {
			if err := s.Put(ctx, "k.png", strings.NewReader(v), "image/png"); err != nil {
				t.Fatalf("Put: %v", err)
			}
		}
		if got, _ := MustRead(t, s, "k.png"); string(got) != "second" {
			t.Fatalf("after replace read %q, want %q", got, "second")
		}
	})

	t.Run("not_found", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		if _, _, err := s.Open(ctx, "missing.jpg"); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Open missing = %v, want blob.ErrNotFound", err)
		}
		if err := s.Delete(ctx, "missing.jpg"); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Delete missing = %v, want blob.ErrNotFound", err)
		}
	})

	t.Run("invalid_key", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		for _, key := range []string{"", "../etc/passwd", "/abs.jpg", "a/b.jpg", "UP.jpg", "x.attrs"} {
			if err := s.Put(ctx, key, strings.NewReader("x"), "text/plain"); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("Put(%q) = %v, want blob.ErrInvalidKey", key, err)
			}
			if _, _, err := s.Open(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("Open(%q) = %v, want blob.ErrInvalidKey", key, err)
			}
			if err := s.Delete(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("Delete(%q) = %v, want blob.ErrInvalidKey", key, err)
			}
		}
	})

	t.Run("failed_reader_stores_nothing", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		boom := errors.New("client went away")
		r := io.MultiReader(strings.NewReader("half an ima"), errReader{boom})
		if err := s.Put(ctx, "half.jpg", r, "image/jpeg"); !errors.Is(err, boom) {
			t.Fatalf("Put = %v, want the reader's error", err)
		}
		if _, _, err := s.Open(ctx, "half.jpg"); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Open after failed Put = %v, want blob.ErrNotFound", err)
		}
	})

	t.Run("cancelled_context_stores_nothing", func(t *testing.T) {
		s := open(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := s.Put(ctx, "c.jpg", strings.NewReader("data"), "image/jpeg"); err == nil {
			t.Fatalf("Put with cancelled context succeeded")
		}
		if _, _, err := s.Open(context.Background(), "c.jpg"); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Open after cancelled Put = %v, want blob.ErrNotFound", err)
		}
	})
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// MustRead returns the whole object under key and its attributes, failing
// t when it cannot.
func MustRead(t *testing.T, s blob.Storage, key string) ([]byte, blob.Attrs) {
	t.Helper()
	rc, attrs, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return data, attrs
}
