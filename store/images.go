package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Image is an uploaded picture's record; the bytes live in blob storage under Name.
type Image struct {
	ID          string // a UUID
	OwnerID     uint64
	Name        string // the storage key: the UUID plus an extension
	ContentType string
	Size        int64
	Width       int
	Height      int
	CreatedAt   time.Time
}

// CreateImage records an uploaded image.
func (s *Store) CreateImage(ctx context.Context, img *Image) error {
	return wrap("create image", s.db.WithContext(ctx).Create(img).Error)
}

// ImageByID returns one image record or ErrNotFound.
func (s *Store) ImageByID(ctx context.Context, id string) (Image, error) {
	var img Image
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&img).Error
	return img, wrap("image by id", err)
}

// unreferenced is the condition "no stall and no menu item uses the image i"
// (the only references to images: pochas.main_image_id, menu_items.image_id).
const unreferenced = `NOT EXISTS (SELECT 1 FROM pochas p WHERE p.main_image_id = images.id)
 AND NOT EXISTS (SELECT 1 FROM menu_items m WHERE m.image_id = images.id)`

// ImageQuota bounds what one user's pictures may take. A zero field is no bound.
type ImageQuota struct {
	Unreferenced      int   // pictures nothing uses yet
	UnreferencedBytes int64 // their bytes
	Bytes             int64 // every picture of the user, used or not
}

// QuotaError is CreateImageWithin's refusal; it matches ErrQuotaExceeded.
type QuotaError struct {
	Limit string // "unreferenced", "unreferenced_bytes" or "bytes"
	Max   int64
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("store: image quota %s (%d) exceeded", e.Limit, e.Max)
}

// Is makes a QuotaError match ErrQuotaExceeded.
func (e *QuotaError) Is(target error) bool { return target == ErrQuotaExceeded }

// ErrQuotaExceeded: the user's pictures would exceed their quota.
var ErrQuotaExceeded = errors.New("store: image quota exceeded")

// ImageUsage is what one user's pictures take.
type ImageUsage struct {
	Count, Bytes                         int64
	UnreferencedCount, UnreferencedBytes int64
}

func imageUsage(tx *gorm.DB, ownerID uint64) (ImageUsage, error) {
	var u ImageUsage
	err := tx.Raw(`SELECT COUNT(*) AS count, COALESCE(SUM(size), 0) AS bytes,
 COALESCE(SUM(CASE WHEN `+unreferenced+` THEN 1 ELSE 0 END), 0) AS unreferenced_count,
 COALESCE(SUM(CASE WHEN `+unreferenced+` THEN size ELSE 0 END), 0) AS unreferenced_bytes
 FROM images WHERE owner_id = ?`, ownerID).Scan(&u).Error
	return u, err
}

// ImageUsage returns what the user's pictures take now.
func (s *Store) ImageUsage(ctx context.Context, ownerID uint64) (ImageUsage, error) {
	u, err := imageUsage(s.db.WithContext(ctx), ownerID)
	return u, wrap("image usage", err)
}

// Refuse reports the quota bound that u plus one more picture of size bytes
// would pass, or nil.
func (q ImageQuota) Refuse(u ImageUsage, size int64) error {
	switch {
	case q.Unreferenced > 0 && u.UnreferencedCount+1 > int64(q.Unreferenced):
		return &QuotaError{Limit: "unreferenced", Max: int64(q.Unreferenced)}
	case q.UnreferencedBytes > 0 && u.UnreferencedBytes+size > q.UnreferencedBytes:
		return &QuotaError{Limit: "unreferenced_bytes", Max: q.UnreferencedBytes}
	case q.Bytes > 0 && u.Bytes+size > q.Bytes:
		return &QuotaError{Limit: "bytes", Max: q.Bytes}
	}
	return nil
}

// CreateImageWithin records an uploaded image unless the uploader's pictures
// would then exceed q (a *QuotaError, nothing recorded). The usage is counted
// and the image inserted under the uploader's row lock (SQLite: the write
// lock taken at BEGIN), so parallel uploads cannot all slip under the quota.
func (s *Store) CreateImageWithin(ctx context.Context, img *Image, q ImageQuota) error {
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		err = s.tx(ctx, func(tx *gorm.DB) error {
			lock := tx
			if s.dialect == MySQL {
				lock = lock.Clauses(clause.Locking{Strength: "UPDATE"})
			}
			var u User
			if err := lock.Select("id").Take(&u, img.OwnerID).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return gorm.ErrForeignKeyViolated
				}
				return err
			}
			usage, err := imageUsage(tx, img.OwnerID)
			if err != nil {
				return err
			}
			if err := q.Refuse(usage, img.Size); err != nil {
				return err
			}
			return tx.Create(img).Error
		})
		if !isDeadlock(err) {
			break
		}
	}
	var qe *QuotaError
	if errors.As(err, &qe) {
		return err
	}
	return wrap("create image", err)
}

// UnreferencedImages lists up to limit images created before cutoff that no
// stall and no menu item uses, oldest first: the garbage collector's
// candidates. Each must still be deleted with DeleteUnreferencedImage, which
// checks again.
func (s *Store) UnreferencedImages(ctx context.Context, cutoff time.Time, limit int) ([]Image, error) {
	var imgs []Image
	err := s.db.WithContext(ctx).Where("created_at < ? AND "+unreferenced, cutoff).
		Order("created_at").Limit(limit).Find(&imgs).Error
	return imgs, wrap("unreferenced images", err)
}

// DeleteUnreferencedImage deletes the record of image id if, at that moment,
// nothing uses it, it was created before cutoff (the zero time: whenever),
// and (ownerID non-zero) ownerID uploaded it. It reports whether the record
// was deleted; the caller deletes the bytes only then.
//
// The check and the delete are one statement, and the foreign keys of
// pochas.main_image_id and menu_items.image_id back it: a stall or menu item
// that takes the image at the same moment either commits first (the image
// is kept) or fails with ErrInvalidRef (the image is gone). Never both.
func (s *Store) DeleteUnreferencedImage(ctx context.Context, id string, ownerID uint64, cutoff time.Time) (bool, error) {
	q := s.db.WithContext(ctx).Where("id = ? AND "+unreferenced, id)
	if !cutoff.IsZero() {
		q = q.Where("created_at < ?", cutoff)
	}
	if ownerID != 0 {
		q = q.Where("owner_id = ?", ownerID)
	}
	res := q.Delete(&Image{})
	if res.Error != nil {
		if errors.Is(wrap("", res.Error), ErrInvalidRef) {
			return false, nil // taken by a stall or menu item meanwhile
		}
		return false, wrap("delete unreferenced image", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ImageInUse reports whether a stall or a menu item uses image id.
func (s *Store) ImageInUse(ctx context.Context, id string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Image{}).Where("id = ? AND NOT ("+unreferenced+")", id).Count(&n).Error
	return n > 0, wrap("image in use", err)
}
