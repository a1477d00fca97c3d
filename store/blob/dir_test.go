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

func mustOpenDir(t *testing.T, dir string) *Dir {
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

// TestDirReadsEarlierFolders: a folder written by earlier versions (the
// layout of gocloud.dev's fileblob: the object, and its attributes as JSON in
// "<key>.attrs") is served as it is; an object without attributes gets a
// sniffed type; the attributes' suffix is not a key.
func TestDirReadsEarlierFolders(t *testing.T) {
	dir := t.TempDir()
	png := []byte("\x89PNG\r\n\x1a\n0000")
	if err := os.WriteFile(filepath.Join(dir, "old.png"), png, 0o640); err != nil {
		t.Fatal(err)
	}
	attrs := `{"user.cache_control":"","user.content_disposition":"","user.content_encoding":"","user.content_language":"","user.content_type":"image/x-old","user.metadata":null,"md5":"AAAA"}`
	if err := os.WriteFile(filepath.Join(dir, "old.png.attrs"), []byte(attrs), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bare.png"), png, 0o640); err != nil {
		t.Fatal(err)
	}
	b := mustOpenDir(t, dir)
	got, a := mustRead(t, b, "old.png")
	if !bytes.Equal(got, png) || a.ContentType != "image/x-old" || a.Size != int64(len(png)) {
		t.Fatalf("old object: %q %+v", got, a)
	}
	if got, a := mustRead(t, b, "bare.png"); !bytes.Equal(got, png) || a.ContentType != "image/png" {
		t.Fatalf("object without attributes: %q %+v", got, a)
	}
	if err := b.Put(context.Background(), "x.attrs", bytes.NewReader([]byte("x")), "text/plain"); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("Put of a key with the attributes suffix: %v", err)
	}
	if err := b.Delete(context.Background(), "old.png"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "old.png.attrs")); !os.IsNotExist(err) {
		t.Fatalf("the attributes outlived their object: %v", err)
	}
}
