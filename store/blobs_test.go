package store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/blob"
	"github.com/illuwa/illuwa/store/blob/blobtest"
	"github.com/illuwa/illuwa/store/storetest"
)

// TestBlobsContract runs the blob.Storage contract on the database store,
// on SQLite and on MariaDB.
func TestBlobsContract(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		blobtest.Run(t, func(t *testing.T) blob.Storage { return s.Blobs(0) })
	})
}

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// TestBlobsChunks: objects of several chunks, and of exactly one, come back
// byte for byte, also read in small pieces; one over the limit is refused
// and stores nothing.
func TestBlobsChunks(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		b := s.Blobs(1 << 20)
		ctx := context.Background()
		for _, n := range []int{0, 1, store.BlobChunkSize, store.BlobChunkSize + 1, 3*store.BlobChunkSize + 17, 1 << 20} {
			data := randomBytes(n, uint64(n))
			if err := b.Put(ctx, "obj.bin", bytes.NewReader(data), "application/x-test"); err != nil {
				t.Fatalf("Put %d bytes: %v", n, err)
			}
			got, attrs := blobtest.MustRead(t, b, "obj.bin")
			if !bytes.Equal(got, data) || attrs.Size != int64(n) {
				t.Fatalf("%d bytes: read %d (size %d), not the bytes put", n, len(got), attrs.Size)
			}
			rc, _, err := b.Open(ctx, "obj.bin")
			if err != nil {
				t.Fatal(err)
			}
			small, err := io.ReadAll(io.LimitReader(struct{ io.Reader }{rc}, int64(n)))
			_ = rc.Close()
			if err != nil || !bytes.Equal(small, data) {
				t.Fatalf("%d bytes read piecewise: %d, %v", n, len(small), err)
			}
		}
		if err := b.Put(ctx, "big.bin", bytes.NewReader(make([]byte, 1<<20+1)), ""); !errors.Is(err, store.ErrBlobTooLarge) {
			t.Fatalf("Put over the limit = %v, want ErrBlobTooLarge", err)
		}
		if _, _, err := b.Open(ctx, "big.bin"); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Open after a refused Put = %v, want ErrNotFound", err)
		}
		// An unlabelled object gets a sniffed type.
		png := []byte("\x89PNG\r\n\x1a\n rest")
		if err := b.Put(ctx, "p.png", bytes.NewReader(png), ""); err != nil {
			t.Fatal(err)
		}
		if _, attrs := blobtest.MustRead(t, b, "p.png"); attrs.ContentType != "image/png" {
			t.Fatalf("sniffed type %q, want image/png", attrs.ContentType)
		}
	})
}

// TestBlobsReaderSeesOneVersion: a reader opened before a replace never
// returns a mix of the two versions: it either fails or reads the old one
// whole.
func TestBlobsReaderSeesOneVersion(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		b := s.Blobs(0)
		ctx := context.Background()
		v1 := bytes.Repeat([]byte{1}, 2*store.BlobChunkSize)
		v2 := bytes.Repeat([]byte{2}, 2*store.BlobChunkSize)
		if err := b.Put(ctx, "v.bin", bytes.NewReader(v1), ""); err != nil {
			t.Fatal(err)
		}
		rc, _, err := b.Open(ctx, "v.bin")
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		first := make([]byte, 10)
		if _, err := io.ReadFull(rc, first); err != nil {
			t.Fatal(err)
		}
		if err := b.Put(ctx, "v.bin", bytes.NewReader(v2), ""); err != nil {
			t.Fatal(err)
		}
		rest, err := io.ReadAll(rc)
		if err == nil {
			t.Fatalf("the old reader read %d more bytes of a replaced object without an error", len(rest))
		}
		for _, c := range rest {
			if c != 1 {
				t.Fatal("the old reader returned bytes of the new version")
			}
		}
		if got, _ := blobtest.MustRead(t, b, "v.bin"); !bytes.Equal(got, v2) {
			t.Fatal("a new reader does not see the new version")
		}
	})
}
