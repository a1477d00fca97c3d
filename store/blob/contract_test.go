package blob_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/illuwa/illuwa/store/blob"
	"github.com/illuwa/illuwa/store/blob/blobtest"
)

func TestStorageDir(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Storage {
		b, err := blob.OpenDir(context.Background(), t.TempDir())
		if err != nil {
			t.Fatalf("OpenDir: %v", err)
		}
		t.Cleanup(func() {
			if err := b.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return b
	})
}

func TestStorageMem(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Storage { return blob.NewMem() })
}

// TestStorageFallback: the fallback meets the contract, and it serves and
// deletes what only the older storage holds while new objects go to the
// primary one.
func TestStorageFallback(t *testing.T) {
	open := func(t *testing.T) (blob.Storage, blob.Storage) {
		return blob.NewMem(), blob.NewMem()
	}
	blobtest.Run(t, func(t *testing.T) blob.Storage {
		f := blob.NewFallback(open(t))
		t.Cleanup(func() {
			if err := f.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return f
	})
	ctx := context.Background()
	primary, older := open(t)
	f := blob.NewFallback(primary, older)
	defer f.Close()
	if err := older.Put(ctx, "old.jpg", strings.NewReader("old"), "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	if got, _ := blobtest.MustRead(t, f, "old.jpg"); string(got) != "old" {
		t.Fatalf("read %q through the fallback, want the older object", got)
	}
	if err := f.Put(ctx, "new.jpg", strings.NewReader("new"), "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := older.Open(ctx, "new.jpg"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("a new object reached the older storage: %v", err)
	}
	if got, _ := blobtest.MustRead(t, primary, "new.jpg"); string(got) != "new" {
		t.Fatalf("primary holds %q, want the new object", got)
	}
	if err := f.Delete(ctx, "old.jpg"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.Open(ctx, "old.jpg"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open after Delete = %v, want ErrNotFound", err)
	}
}
