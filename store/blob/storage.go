// Package blob stores opaque objects (image bytes) under validated keys.
//
// Storage is the small interface the rest of Illuwa consumes. Dir implements
// it on a local folder and Mem in memory; store.Blobs
// implements it in the database (the server's default, shared by every
// instance); Fallback reads from an older Storage what a newer one lacks. The
// contract suite every implementation runs is in blobtest.
package blob

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrNotFound is returned (wrapped) by Open and Delete when no object exists
// under the key.
var ErrNotFound = errors.New("blob: not found")

// ErrInvalidKey is returned (wrapped) by every method given a key that
// ValidateKey refuses. Nothing is read or written for such a key.
var ErrInvalidKey = errors.New("blob: invalid key")

// Attrs describes a stored object.
type Attrs struct {
	// Size is the length of the object in bytes.
	Size int64
	// ContentType is the media type given to Put (or sniffed by the backend
	// when Put was given none).
	ContentType string
	// ModTime is when the object was last written, as the backend reports it.
	ModTime time.Time
}

// Storage holds objects under keys. Implementations are safe for concurrent use.
type Storage interface {
	// Put stores everything read from r under key with the given content type,
	// replacing any object already there. The object becomes visible to Open
	// only once it is complete: a reader sees either no object (or the
	// previous one) or the whole new one, never a partial write. If reading r
	// fails or ctx ends, nothing is stored.
	Put(ctx context.Context, key string, r io.Reader, contentType string) error
	// Open returns a reader over the object under key and its attributes.
	// The caller must close the reader. A missing key yields ErrNotFound.
	Open(ctx context.Context, key string) (io.ReadCloser, Attrs, error)
	// Delete removes the object under key. A missing key yields ErrNotFound.
	Delete(ctx context.Context, key string) error
	// Close releases the storage; no method may be called afterwards.
	Close() error
}
