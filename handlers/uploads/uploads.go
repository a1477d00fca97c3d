// Package uploads keeps uploaded pictures within bounds: each user's quota,
// the uploader's own delete of a picture nothing uses, and the collector
// that deletes pictures no stall and no menu item took within a grace period.
// A picture's record goes first and its bytes after, and only by whoever
// deleted the record, so two instances collecting at once, or a stall taking
// the picture meanwhile, never leave a record without its bytes.
package uploads

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/blob"
)

// ErrInUse refuses to delete a picture a stall or menu item uses.
var ErrInUse = errors.New("uploads: the picture is in use")

// Options are the quota and the collector's timing. Zero fields take the defaults.
type Options struct {
	Quota    store.ImageQuota
	Grace    time.Duration // an unused picture is kept this long; default 24 h
	Interval time.Duration // between collections; default Grace/24, at least a minute
	Batch    int           // pictures per collection round; default 100
}

// Deps are what the service needs; Store and Blobs are required.
type Deps struct {
	Store      *store.Store
	Blobs      blob.Storage
	Log        *slog.Logger
	Registerer prometheus.Registerer // nil registers nothing
	Options    Options
	Now        func() time.Time // the clock; nil is time.Now
}

// Service is the pictures' keeper.
type Service struct {
	store     *store.Store
	blobs     blob.Storage
	log       *slog.Logger
	opts      Options
	now       func() time.Time
	collected prometheus.Counter
	orphans   prometheus.Counter
}

// New builds the service.
func New(d Deps) *Service {
	o := d.Options
	if o.Grace <= 0 {
		o.Grace = 24 * time.Hour
	}
	if o.Interval <= 0 {
		o.Interval = max(time.Minute, o.Grace/24)
	}
	if o.Batch <= 0 {
		o.Batch = 100
	}
	s := &Service{store: d.Store, blobs: d.Blobs, log: d.Log, opts: o, now: d.Now,
		collected: prometheus.NewCounter(prometheus.CounterOpts{Name: "illuwa_images_collected_total",
			Help: "Unused pictures deleted by the collector after the grace period."}),
		orphans: prometheus.NewCounter(prometheus.CounterOpts{Name: "illuwa_image_bytes_orphaned_total",
			Help: "Pictures whose record was deleted but whose bytes could not be (left in storage)."}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if d.Registerer != nil {
		d.Registerer.MustRegister(s.collected, s.orphans)
	}
	return s
}

// Quota is the per-user bound uploads are checked against.
func (s *Service) Quota() store.ImageQuota { return s.opts.Quota }

// Usage returns what the user's pictures take now.
func (s *Service) Usage(ctx context.Context, userID uint64) (store.ImageUsage, error) {
	return s.store.ImageUsage(ctx, userID)
}

// Precheck refuses an upload of a user whose quota is already full, before
// the picture is decoded (store.ErrQuotaExceeded, explained). Save checks
// again, exactly.
func (s *Service) Precheck(ctx context.Context, userID uint64) error {
	u, err := s.store.ImageUsage(ctx, userID)
	if err != nil {
		return err
	}
	return explain(s.opts.Quota.Refuse(u, 0))
}

// Save stores the picture's bytes and records img, unless the uploader's
// quota would be exceeded (store.ErrQuotaExceeded, explained; nothing is kept).
func (s *Service) Save(ctx context.Context, img *store.Image, data []byte) error {
	if err := s.blobs.Put(ctx, img.Name, bytes.NewReader(data), img.ContentType); err != nil {
		return fmt.Errorf("uploads: store image bytes: %w", err)
	}
	if err := s.store.CreateImageWithin(ctx, img, s.opts.Quota); err != nil {
		_ = s.blobs.Delete(context.WithoutCancel(ctx), img.Name)
		return explain(err)
	}
	return nil
}

// explain gives a quota refusal the detail a person acts on (the bound
// passed), in Korean then English; other errors stay as they are. The
// *store.QuotaError stays in the chain.
func explain(err error) error {
	var qe *store.QuotaError
	if !errors.As(err, &qe) {
		return err
	}
	var detail string
	switch qe.Limit {
	case "unreferenced":
		detail = fmt.Sprintf("아직 쓰지 않은 사진이 %d장으로 한도입니다. 가게나 메뉴에 쓰거나 지우세요 (you have %d unused pictures, the limit: use or delete some)", qe.Max, qe.Max)
	case "unreferenced_bytes":
		detail = fmt.Sprintf("아직 쓰지 않은 사진의 용량이 한도(%d MiB)를 넘습니다. 가게나 메뉴에 쓰거나 지우세요 (your unused pictures would pass %d MiB: use or delete some)", qe.Max>>20, qe.Max>>20)
	default:
		detail = fmt.Sprintf("사진 저장 용량이 한도(%d MiB)를 넘습니다 (your pictures would pass %d MiB)", qe.Max>>20, qe.Max>>20)
	}
	return &check.Explained{Err: err, Detail: detail}
}

// Delete deletes the user's own picture id if nothing uses it: ErrInUse if
// a stall or menu item does, store.ErrNotFound if it is not the user's.
func (s *Service) Delete(ctx context.Context, userID uint64, id string) error {
	img, err := s.store.ImageByID(ctx, id)
	if err != nil {
		return err
	}
	if img.OwnerID != userID {
		return fmt.Errorf("uploads: image of another user: %w", store.ErrNotFound)
	}
	ok, err := s.store.DeleteUnreferencedImage(ctx, id, userID, time.Time{})
	if err != nil {
		return err
	}
	if !ok {
		if _, err := s.store.ImageByID(ctx, id); errors.Is(err, store.ErrNotFound) {
			return err // deleted meanwhile, by another request or the collector
		}
		return ErrInUse
	}
	s.deleteBytes(ctx, img)
	return nil
}

func (s *Service) deleteBytes(ctx context.Context, img store.Image) {
	if err := s.blobs.Delete(context.WithoutCancel(ctx), img.Name); err != nil && !errors.Is(err, blob.ErrNotFound) {
		s.orphans.Inc()
		s.log.WarnContext(ctx, "picture bytes left in storage", slog.String("image", img.ID), slog.String("error", err.Error()))
	}
}

// Collect makes one pass: every picture older than the grace period that
// nothing uses is deleted, record first, then bytes. Each is checked again
// at its delete (store.DeleteUnreferencedImage), so a picture a stall took
// after the scan stays. It returns how many it deleted.
func (s *Service) Collect(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-s.opts.Grace)
	n := 0
	for {
		cands, err := s.store.UnreferencedImages(ctx, cutoff, s.opts.Batch)
		if err != nil {
			return n, err
		}
		deleted := 0
		for _, img := range cands {
			ok, err := s.store.DeleteUnreferencedImage(ctx, img.ID, 0, cutoff)
			if err != nil {
				return n, err
			}
			if !ok {
				continue // taken meanwhile, or another instance deleted it
			}
			s.deleteBytes(ctx, img)
			s.collected.Inc()
			deleted++
		}
		n += deleted
		if len(cands) < s.opts.Batch || deleted == 0 {
			return n, nil
		}
	}
}

// Run collects every Interval until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.opts.Interval)
	defer t.Stop()
	for {
		if n, err := s.Collect(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "picture collection", slog.String("error", err.Error()))
		} else if n > 0 {
			s.log.InfoContext(ctx, "unused pictures deleted", slog.Int("count", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
