package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"gorm.io/gorm"

	"github.com/illuwa/illuwa/store/blob"
)

// BlobChunkSize is how many bytes of an object one database row holds: an
// object is written and read a chunk at a time, so neither side holds more
// than that of it in memory, and no statement nears MariaDB's
// max_allowed_packet (16 MiB by default).
const BlobChunkSize = 256 << 10

// MaxBlobBytes is the largest object Blobs stores unless told otherwise.
const MaxBlobBytes = 256 << 20

// ErrBlobTooLarge is returned (wrapped) by Blobs.Put for an object longer
// than its limit; nothing is stored.
var ErrBlobTooLarge = errors.New("store: object too large")

// Blobs is a blob.Storage kept in the database itself (tables blobs and
// blob_chunks), so that every instance on the same database serves every
// object: one row per object, and its bytes in rows of BlobChunkSize.
//
// Put writes every chunk and the object's row in one transaction, so an
// object is visible whole or not at all. The chunks belong to one write (a
// random generation), and a replaced object's chunks go with it, so a
// reader sees one version or fails with an error, never a mix. A reader
// fetches one chunk per query as it is read and holds no transaction or
// connection in between, so a slow client ties up nothing but memory for
// one chunk.
type Blobs struct {
	s        *Store
	maxBytes int64
}

var _ blob.Storage = (*Blobs)(nil)

// Blobs returns the Storage of objects in this database, refusing objects
// longer than maxBytes (0 or less: MaxBlobBytes). Its Close does nothing:
// the Store is closed by its owner.
func (s *Store) Blobs(maxBytes int64) *Blobs {
	if maxBytes <= 0 {
		maxBytes = MaxBlobBytes
	}
	return &Blobs{s: s, maxBytes: maxBytes}
}

// Put implements blob.Storage.Put. A content type left empty is sniffed
// from the first bytes.
func (b *Blobs) Put(ctx context.Context, key string, r io.Reader, contentType string) error {
	if err := blob.ValidateKey(key); err != nil {
		return err
	}
	gen, err := newGeneration()
	if err != nil {
		return fmt.Errorf("store: put blob %s: %w", key, err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	err = b.s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		buf := make([]byte, BlobChunkSize)
		var size int64
		seq := 0
		for {
			n, rerr := io.ReadFull(r, buf)
			if n > 0 {
				if size += int64(n); size > b.maxBytes {
					return fmt.Errorf("%w: more than %d bytes", ErrBlobTooLarge, b.maxBytes)
				}
				if seq == 0 && contentType == "" {
					contentType = http.DetectContentType(buf[:n])
				}
				if err := tx.Exec("INSERT INTO blob_chunks (generation, seq, data) VALUES (?, ?, ?)", gen, seq, buf[:n]).Error; err != nil {
					return err
				}
				seq++
			}
			if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
				break
			}
			if rerr != nil {
				return rerr
			}
		}
		if contentType == "" {
			contentType = "application/octet-stream"
		}
		if err := b.deleteLocked(tx, key); err != nil && !errors.Is(err, blob.ErrNotFound) {
			return err
		}
		return tx.Exec("INSERT INTO blobs (blob_key, generation, content_type, size, chunks, mod_time) VALUES (?, ?, ?, ?, ?, ?)",
			key, gen, contentType, size, seq, now).Error
	})
	if err != nil {
		return fmt.Errorf("store: put blob %s: %w", key, err)
	}
	return nil
}

// deleteLocked removes key's row and chunks inside tx; blob.ErrNotFound
// when there is none. On MariaDB the row is locked first, so concurrent
// writers of one key queue.
func (b *Blobs) deleteLocked(tx *gorm.DB, key string) error {
	q := "SELECT generation FROM blobs WHERE blob_key = ?"
	if b.s.dialect == MySQL {
		q += " FOR UPDATE"
	}
	var gens []int64
	if err := tx.Raw(q, key).Scan(&gens).Error; err != nil {
		return err
	}
	if len(gens) == 0 {
		return blob.ErrNotFound
	}
	if err := tx.Exec("DELETE FROM blob_chunks WHERE generation = ?", gens[0]).Error; err != nil {
		return err
	}
	return tx.Exec("DELETE FROM blobs WHERE blob_key = ?", key).Error
}

// blobRow is one object's row.
type blobRow struct {
	Generation  int64
	ContentType string
	Size        int64
	Chunks      int
	ModTime     time.Time
}

// Open implements blob.Storage.Open. The reader fetches the chunks as it
// is read, under ctx; it fails if the object is replaced or deleted
// meanwhile.
func (b *Blobs) Open(ctx context.Context, key string) (io.ReadCloser, blob.Attrs, error) {
	if err := blob.ValidateKey(key); err != nil {
		return nil, blob.Attrs{}, err
	}
	var rows []blobRow
	err := b.s.db.WithContext(ctx).Raw("SELECT generation, content_type, size, chunks, mod_time FROM blobs WHERE blob_key = ?", key).Scan(&rows).Error
	if err != nil {
		return nil, blob.Attrs{}, fmt.Errorf("store: open blob %s: %w", key, err)
	}
	if len(rows) == 0 {
		return nil, blob.Attrs{}, fmt.Errorf("store: open blob %s: %w", key, blob.ErrNotFound)
	}
	row := rows[0]
	r := &blobReader{ctx: ctx, db: b.s.db, key: key, row: row}
	return r, blob.Attrs{Size: row.Size, ContentType: row.ContentType, ModTime: row.ModTime.UTC()}, nil
}

// Delete implements blob.Storage.Delete.
func (b *Blobs) Delete(ctx context.Context, key string) error {
	if err := blob.ValidateKey(key); err != nil {
		return err
	}
	err := b.s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return b.deleteLocked(tx, key) })
	if err != nil {
		return fmt.Errorf("store: delete blob %s: %w", key, err)
	}
	return nil
}

// Close implements blob.Storage.Close; it does nothing.
func (b *Blobs) Close() error { return nil }

// blobReader reads one object a chunk at a time.
type blobReader struct {
	ctx  context.Context
	db   *gorm.DB
	key  string
	row  blobRow
	next int    // the next chunk to fetch
	buf  []byte // what is left of the current chunk
	read int64
	err  error
}

func (r *blobReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.next == r.row.Chunks {
			if r.read != r.row.Size {
				r.err = fmt.Errorf("store: read blob %s: %d bytes, want %d", r.key, r.read, r.row.Size)
				continue
			}
			return 0, io.EOF
		}
		var data []byte
		err := r.db.WithContext(r.ctx).Raw("SELECT data FROM blob_chunks WHERE generation = ? AND seq = ?", r.row.Generation, r.next).Row().Scan(&data)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			r.err = fmt.Errorf("store: read blob %s: replaced or deleted while read", r.key)
		case err != nil:
			r.err = fmt.Errorf("store: read blob %s: %w", r.key, err)
		default:
			r.next++
			r.buf = data
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	r.read += int64(n)
	return n, nil
}

func (r *blobReader) Close() error {
	r.buf, r.err = nil, errors.New("store: read blob: closed")
	return nil
}

// newGeneration returns a random positive 62-bit number naming one write.
func newGeneration() (int64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, err
	}
	return int64(binary.BigEndian.Uint64(b[:])>>2) + 1, nil
}
