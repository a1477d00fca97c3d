package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"

	gcblob "gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob" // registers mem:// for OpenURL
	"gocloud.dev/gcerrors"
)

// Bucket is the Storage implementation over a gocloud.dev bucket.
//
// Only the file:// (fileblob) and mem:// (memblob) drivers are linked in, to
// keep the binary lean. To store images in an object store instead, add a
// blank import of its driver to this file and pass its URL to OpenURL:
//
//	_ "gocloud.dev/blob/s3blob"  // s3://bucket?region=ap-northeast-2 (also S3-compatible stores via endpoint=)
//	_ "gocloud.dev/blob/gcsblob" // gs://bucket
//
// Object stores already publish an object only when its upload completes, so
// the atomicity promised by Storage.Put holds there too.
type Bucket struct {
	b *gcblob.Bucket
}

var _ Storage = (*Bucket)(nil)

// OpenURL opens the bucket named by a gocloud.dev URL, for example
// "file:///var/lib/illuwa/images?create_dir=1" or "mem://". For file:// URLs
// the query parameter no_tmp_dir=1 is added when absent, so that temporary
// files live beside their final name and are renamed into place atomically
// (a rename from the system temp folder can fail across mounts). Unknown
// schemes are an error.
func OpenURL(ctx context.Context, rawURL string) (*Bucket, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("blob: parse bucket URL: %w", err)
	}
	if u.Scheme == "file" {
		q := u.Query()
		if q.Get("no_tmp_dir") == "" {
			q.Set("no_tmp_dir", "1")
			u.RawQuery = q.Encode()
		}
	}
	b, err := gcblob.OpenBucket(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("blob: open bucket %s://: %w", u.Scheme, err)
	}
	return &Bucket{b: b}, nil
}

// OpenDir opens a bucket on the local folder dir, creating it (mode 0750)
// when missing. Each object is a file named by its key, its content type in a
// sidecar "<key>.attrs" file. Writes go to a temporary file in the same
// folder that is renamed over the final name once complete, so a reader never
// sees a half-written object. ctx is accepted for symmetry with OpenURL.
func OpenDir(ctx context.Context, dir string) (*Bucket, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("blob: open dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("blob: create dir: %w", err)
	}
	b, err := fileblob.OpenBucket(dir, &fileblob.Options{
		NoTempDir:   true,
		DirFileMode: 0o750,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: open dir: %w", err)
	}
	return &Bucket{b: b}, nil
}

// NewBucket wraps an already opened gocloud.dev bucket; Close closes it.
func NewBucket(b *gcblob.Bucket) *Bucket {
	return &Bucket{b: b}
}

// Put implements Storage.Put.
func (s *Bucket) Put(ctx context.Context, key string, r io.Reader, contentType string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	// Cancelling the writer's context is how gocloud.dev aborts a write: the
	// temporary file is removed and nothing becomes visible.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.b.NewWriter(wctx, key, &gcblob.WriterOptions{ContentType: contentType})
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	if _, err := io.Copy(w, r); err != nil {
		cancel()
		_ = w.Close()
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return nil
}

// Open implements Storage.Open.
func (s *Bucket) Open(ctx context.Context, key string) (io.ReadCloser, Attrs, error) {
	if err := ValidateKey(key); err != nil {
		return nil, Attrs{}, err
	}
	r, err := s.b.NewReader(ctx, key, nil)
	if err != nil {
		return nil, Attrs{}, fmt.Errorf("blob: open %s: %w", key, mapErr(err))
	}
	return r, Attrs{Size: r.Size(), ContentType: r.ContentType(), ModTime: r.ModTime()}, nil
}

// Delete implements Storage.Delete.
func (s *Bucket) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := s.b.Delete(ctx, key); err != nil {
		return fmt.Errorf("blob: delete %s: %w", key, mapErr(err))
	}
	return nil
}

// Close implements Storage.Close.
func (s *Bucket) Close() error {
	if err := s.b.Close(); err != nil {
		return fmt.Errorf("blob: close: %w", err)
	}
	return nil
}

// mapErr adds ErrNotFound to the chain of a backend "not found" error.
func mapErr(err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return errors.Join(ErrNotFound, err)
	}
	return err
}
