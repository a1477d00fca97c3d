package pochas

import (
	"context"

	"github.com/illuwa/illuwa/handlers/check"
)

// checkImageRef makes sure an image id given in a request exists and was
// uploaded by the same user, so nobody can attach another user's picture.
// No id (or "", which clears a picture) passes.
func (s *Service) checkImageRef(ctx context.Context, id *string, userID uint64) error {
	if id == nil || *id == "" {
		return nil
	}
	img, err := s.store.ImageByID(ctx, *id)
	if err != nil || img.OwnerID != userID {
		return check.Field("image_id", "no such image of yours; upload it with POST /images first")
	}
	return nil
}
