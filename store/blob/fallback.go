package blob

import (
	"context"
	"errors"
	"io"
)

// Fallback is a Storage that keeps new objects in one storage and still
// serves the objects an older one holds: the way to move to a new storage
// without copying (images uploaded to a local folder before the switch to
// the database stay readable).
type Fallback struct {
	primary, older Storage
}

var _ Storage = (*Fallback)(nil)

// NewFallback returns a Storage that puts into primary, opens from primary
// and, for keys primary does not have, from older, and deletes from
// whichever holds the key. Close closes both.
func NewFallback(primary, older Storage) *Fallback {
	return &Fallback{primary: primary, older: older}
}

// Put implements Storage.Put: into primary only.
func (f *Fallback) Put(ctx context.Context, key string, r io.Reader, contentType string) error {
	return f.primary.Put(ctx, key, r, contentType)
}

// Open implements Storage.Open.
func (f *Fallback) Open(ctx context.Context, key string) (io.ReadCloser, Attrs, error) {
	rc, attrs, err := f.primary.Open(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return f.older.Open(ctx, key)
	}
	return rc, attrs, err
}

// Delete implements Storage.Delete: from both; ErrNotFound when neither
// had the key.
func (f *Fallback) Delete(ctx context.Context, key string) error {
	err := f.primary.Delete(ctx, key)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	oerr := f.older.Delete(ctx, key)
	if errors.Is(oerr, ErrNotFound) && err == nil {
		return nil
	}
	return oerr
}

// Close implements Storage.Close.
func (f *Fallback) Close() error {
	return errors.Join(f.primary.Close(), f.older.Close())
}
