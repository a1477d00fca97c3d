package store

import (
	"context"
	"time"
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
