package blob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// Dir is the Storage implementation on a local folder: each object is a file
// named by its key, its content type in a sidecar "<key>.attrs" file (JSON,
// the layout gocloud.dev's fileblob writes, so folders written by earlier
// versions are read as they are). A write goes to a temporary file beside its
// final name (same file system) that is renamed over it once complete, so a
// reader never sees a half-written object.
type Dir struct {
	dir string
}

var _ Storage = (*Dir)(nil)

// attrsExt names the sidecar file of an object's attributes.
const attrsExt = ".attrs"

// sidecar is the JSON of an object's attributes file.
type sidecar struct {
	ContentType string `json:"user.content_type"`
}

// OpenDir opens storage on the folder dir, creating it (mode 0750) when
// missing. ctx is accepted for symmetry with the other stores.
func OpenDir(ctx context.Context, dir string) (*Dir, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("blob: open dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("blob: create dir: %w", err)
	}
	return &Dir{dir: dir}, nil
}

func (d *Dir) path(key string) string { return filepath.Join(d.dir, filepath.FromSlash(key)) }

// Put implements Storage.Put.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader, contentType string) (err error) {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if strings.HasSuffix(key, attrsExt) {
		return fmt.Errorf("blob: put %s: the suffix %s is reserved: %w", key, attrsExt, ErrInvalidKey)
	}
	final := d.path(key)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(final), filepath.Base(final)+".*.tmp")
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, ctxReader{ctx, r}); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	attrs, _ := json.Marshal(sidecar{ContentType: contentType})
	if err := writeAtomically(final+attrsExt, attrs); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return nil
}

// writeAtomically writes data to name through a temporary file beside it.
func writeAtomically(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	return nil
}

// ctxReader stops a copy once ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Open implements Storage.Open. An object without its attributes file gets a
// content type sniffed from its first bytes.
func (d *Dir) Open(ctx context.Context, key string) (io.ReadCloser, Attrs, error) {
	if err := ValidateKey(key); err != nil {
		return nil, Attrs{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, Attrs{}, err
	}
	name := d.path(key)
	f, err := os.Open(name)
	if err != nil {
		return nil, Attrs{}, fmt.Errorf("blob: open %s: %w", key, notFound(err))
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		_ = f.Close()
		return nil, Attrs{}, fmt.Errorf("blob: open %s: %w", key, ErrNotFound)
	}
	a := Attrs{Size: st.Size(), ModTime: st.ModTime()}
	var sc sidecar
	if raw, err := os.ReadFile(name + attrsExt); err == nil && json.Unmarshal(raw, &sc) == nil {
		a.ContentType = sc.ContentType
	}
	if a.ContentType == "" {
		head := make([]byte, 512)
		n, _ := io.ReadFull(f, head)
		a.ContentType = http.DetectContentType(head[:n])
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			_ = f.Close()
			return nil, Attrs{}, fmt.Errorf("blob: open %s: %w", key, err)
		}
	}
	return f, a, nil
}

// Delete implements Storage.Delete.
func (d *Dir) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	name := d.path(key)
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("blob: delete %s: %w", key, notFound(err))
	}
	_ = os.Remove(name + attrsExt)
	return nil
}

// Close implements Storage.Close; a folder holds nothing open.
func (d *Dir) Close() error { return nil }

// notFound adds ErrNotFound to the chain of a missing file's error.
func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return errors.Join(ErrNotFound, err)
	}
	return err
}
