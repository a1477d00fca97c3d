package blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// Mem is the Storage implementation in process memory, for tests and
// throw-away setups.
type Mem struct {
	mu   sync.Mutex
	objs map[string]memObject
}

type memObject struct {
	data  []byte
	attrs Attrs
}

var _ Storage = (*Mem)(nil)

// NewMem returns empty in-memory storage.
func NewMem() *Mem { return &Mem{objs: map[string]memObject{}} }

// Put implements Storage.Put.
func (m *Mem) Put(ctx context.Context, key string, r io.Reader, contentType string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	data, err := io.ReadAll(ctxReader{ctx, r})
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	m.mu.Lock()
	m.objs[key] = memObject{data: data, attrs: Attrs{Size: int64(len(data)), ContentType: contentType, ModTime: time.Now()}}
	m.mu.Unlock()
	return nil
}

// Open implements Storage.Open.
func (m *Mem) Open(ctx context.Context, key string) (io.ReadCloser, Attrs, error) {
	if err := ValidateKey(key); err != nil {
		return nil, Attrs{}, err
	}
	m.mu.Lock()
	o, ok := m.objs[key]
	m.mu.Unlock()
	if !ok {
		return nil, Attrs{}, fmt.Errorf("blob: open %s: %w", key, ErrNotFound)
	}
	return io.NopCloser(bytes.NewReader(o.data)), o.attrs, nil
}

// Delete implements Storage.Delete.
func (m *Mem) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.objs[key]; !ok {
		return fmt.Errorf("blob: delete %s: %w", key, ErrNotFound)
	}
	delete(m.objs, key)
	return nil
}

// Close implements Storage.Close.
func (m *Mem) Close() error { return nil }
