package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func mustOpenDir(t *testing.T, dir string) *Bucket {
	t.Helper()
	b, err := OpenDir(context.Background(), dir)
	if err != nil {
		t.Fatalf("OpenDir: %v", err)
	}
	mustClose(t, b)
	return b
}

func TestOpenDirCreatesFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	b := mustOpenDir(t, dir)
	if err := b.Put(context.Background(), "x.png", bytes.NewReader([]byte("x")), "image/png"); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.png")); err != nil {
		t.Fatalf("object file not in the folder: %v", err)
	}
}

// TestDirPutIsAtomic holds a write open halfway and checks that neither the
// final file nor Open shows the partial object, and that the temporary file
// sits in the bucket folder (same file system, so the final rename is atomic).
func TestDirPutIsAtomic(t *testing.T) {
	dir := t.TempDir()
	b := mustOpenDir(t, dir)
	ctx := context.Background()

	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- b.Put(ctx, "slow.jpg", pr, "image/jpeg") }()

	first := bytes.Repeat([]byte{1}, 64<<10)
	if _, err := pw.Write(first); err != nil {
		t.Fatalf("write first half: %v", err)
	}
	// The pipe write returned, so Put has consumed the first half.
	if _, _, err := b.Open(ctx, "slow.jpg"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open during write = %v, want ErrNotFound", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "slow.jpg")); !os.IsNotExist(err) {
		t.Errorf("final file exists during write (stat err %v)", err)
	}
	tmps, _ := filepath.Glob(filepath.Join(dir, "slow.jpg.*.tmp"))
	if len(tmps) != 1 {
		t.Errorf("temporary files beside the final name = %v, want one", tmps)
	}

	second := bytes.Repeat([]byte{2}, 64<<10)
	if _, err := pw.Write(second); err != nil {
		t.Fatalf("write second half: %v", err)
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatalf("Put: %v", err)
	}
	got, _ := mustRead(t, b, "slow.jpg")
	if !bytes.Equal(got, append(first, second...)) {
		t.Fatalf("read %d bytes, want the whole %d", len(got), len(first)+len(second))
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(tmps) != 0 {
		t.Errorf("temporary files left after Put: %v", tmps)
	}
}

func TestDirFailedPutLeavesNoFiles(t *testing.T) {
	dir := t.TempDir()
	b := mustOpenDir(t, dir)
	r := io.MultiReader(bytes.NewReader([]byte("partial")), errReader{errors.New("cut")})
	if err := b.Put(context.Background(), "p.jpg", r, "image/jpeg"); err == nil {
		t.Fatal("Put with a failing reader succeeded")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("file left in bucket folder: %s", e.Name())
	}
}
