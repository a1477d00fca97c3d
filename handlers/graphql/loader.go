package graphql

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/illuwa/illuwa/store"
)

// loader fetches values by id for one operation, in batches: every id
// asked for (Load) or announced (Prime) while no fetch runs goes into the
// next fetch, and each id is fetched once. Sibling fields, which gqlgen
// resolves concurrently, so share one query per kind instead of one each.
type loader[V any] struct {
	fetch func(ctx context.Context, ids []uint64) (map[uint64]V, error)

	fetching sync.Mutex // one fetch at a time

	mu     sync.Mutex
	wanted []uint64
	queued map[uint64]bool
	done   map[uint64]loaded[V]
}

type loaded[V any] struct {
	v   V
	err error
}

func newLoader[V any](fetch func(ctx context.Context, ids []uint64) (map[uint64]V, error)) *loader[V] {
	return &loader[V]{fetch: fetch, queued: map[uint64]bool{}, done: map[uint64]loaded[V]{}}
}

// Prime announces ids that are about to be loaded, so the first fetch
// takes them all.
func (l *loader[V]) Prime(ids ...uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		l.queueLocked(id)
	}
}

func (l *loader[V]) queueLocked(id uint64) {
	if _, ok := l.done[id]; !ok && !l.queued[id] {
		l.queued[id] = true
		l.wanted = append(l.wanted, id)
	}
}

// Load returns the value of id; an id the fetch did not return is
// store.ErrNotFound.
func (l *loader[V]) Load(ctx context.Context, id uint64) (V, error) {
	if r, ok := l.result(id, true); ok {
		return r.v, r.err
	}
	l.fetching.Lock()
	defer l.fetching.Unlock()
	if r, ok := l.result(id, false); ok {
		return r.v, r.err // fetched by the batch before
	}
	l.mu.Lock()
	ids := l.wanted
	l.wanted = nil
	l.mu.Unlock()
	got, err := l.fetch(ctx, ids)
	l.mu.Lock()
	for _, k := range ids {
		delete(l.queued, k)
		r := loaded[V]{err: err}
		if err == nil {
			v, ok := got[k]
			r.v = v
			if !ok {
				r.err = store.ErrNotFound
			}
		}
		l.done[k] = r
	}
	r := l.done[id]
	l.mu.Unlock()
	return r.v, r.err
}

// result is the loaded value of id; when it has none yet and queue is set,
// id joins the next fetch.
func (l *loader[V]) result(id uint64, queue bool) (loaded[V], bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.done[id]
	if !ok && queue {
		l.queueLocked(id)
	}
	return r, ok
}

type loadersKey struct{}

// withLoaders gives each query and mutation its own loaders. A
// subscription gets none: each of its events loads afresh (loadersOf).
func withLoaders(r *Resolver) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if op := graphql.GetOperationContext(ctx); op.Operation != nil && op.Operation.Operation != ast.Subscription {
			ctx = context.WithValue(ctx, loadersKey{}, newLoaders(r))
		}
		return next(ctx)
	}
}

// loadersOf returns the operation's loaders, or new ones (that cache
// nothing beyond this call) outside a query or mutation.
func loadersOf(ctx context.Context, r *Resolver) *loaders {
	if l, ok := ctx.Value(loadersKey{}).(*loaders); ok {
		return l
	}
	return newLoaders(r)
}
