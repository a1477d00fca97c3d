package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/imaging"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/blob"
)

type imageResponse struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	CreatedAt   time.Time `json:"created_at"`
}

// uploadImage takes one picture from the multipart field "file", sniffs,
// bounds and re-encodes it (dropping EXIF and GPS), stores it under a fresh
// UUID and records it. Nothing is stored when any step fails.
func (s *Server) uploadImage(c *gin.Context) {
	if err := s.uploads.Precheck(c.Request.Context(), currentUser(c).ID); err != nil {
		fail(c, err)
		return
	}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		fail(c, errorf(http.StatusBadRequest, "multipart_required", "send the picture as multipart/form-data in the field \"file\""))
		return
	}
	var res imaging.Result
	found := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				fail(c, errorf(http.StatusRequestEntityTooLarge, "body_too_large", "the upload is too large"))
				return
			}
			fail(c, errorf(http.StatusBadRequest, "malformed_multipart", "the multipart body is malformed"))
			return
		}
		if part.FormName() != "file" {
			_ = part.Close()
			continue
		}
		err = withImageSlot(c.Request.Context(), func() error {
			var serr error
			res, serr = imaging.Sanitize(part, s.opts.ImageLimits)
			return serr
		})
		_ = part.Close()
		if errors.Is(err, errImageBusy) {
			c.Header("Retry-After", "5")
			fail(c, errBusy)
			return
		}
		if err != nil {
			fail(c, imageProblem(err))
			return
		}
		found = true
		break
	}
	if !found {
		fail(c, validationError([]FieldError{{Field: "file", Message: "required: a JPEG, PNG or WebP picture"}}))
		return
	}
	ctx := c.Request.Context()
	id := uuid.NewString()
	img := store.Image{ID: id, OwnerID: currentUser(c).ID, Name: id + res.Ext, ContentType: res.ContentType,
		Size: int64(len(res.Data)), Width: res.Width, Height: res.Height}
	if err := s.uploads.Save(ctx, &img, res.Data); err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/images/"+id)
	c.JSON(http.StatusCreated, imageResponse{ID: id, URL: "/api/v1/images/" + id, ContentType: img.ContentType,
		Size: img.Size, Width: img.Width, Height: img.Height, CreatedAt: img.CreatedAt})
}

// deleteImage deletes the caller's own picture if no stall or menu item uses
// it: 204, 409 image_in_use, or 404 (not theirs, or no such picture).
func (s *Server) deleteImage(c *gin.Context) {
	id := c.Param("id")
	if !check.UUID(id) {
		fail(c, errNotFound)
		return
	}
	if err := s.uploads.Delete(c.Request.Context(), currentUser(c).ID, id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// imageSlots bounds how many uploads are decoded at once: a 40-megapixel
// picture takes a few hundred MB while it is re-encoded.
var imageSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

var errImageBusy = errors.New("handlers: image decoding is saturated")

// errBusy answers an upload the server is too busy to decode now.
var errBusy = errorf(http.StatusServiceUnavailable, "busy", "the server is busy; try again in a moment")

// withImageSlot runs fn in a decoding slot, waiting up to ten seconds.
func withImageSlot(ctx context.Context, fn func() error) error {
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case imageSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return errImageBusy
	}
	defer func() { <-imageSlots }()
	return fn()
}

func imageProblem(err error) *apiError {
	switch {
	case errors.Is(err, imaging.ErrTooLarge):
		return errorf(http.StatusRequestEntityTooLarge, "image_too_large", "the picture is larger than the upload limit")
	case errors.Is(err, imaging.ErrUnsupported):
		return errorf(http.StatusUnsupportedMediaType, "unsupported_image", "only JPEG, PNG and WebP pictures are accepted")
	case errors.Is(err, imaging.ErrTooManyPixels):
		return errorf(http.StatusUnprocessableEntity, "image_too_many_pixels", "the picture has too many pixels")
	case errors.Is(err, imaging.ErrCorrupt):
		return errorf(http.StatusUnprocessableEntity, "corrupt_image", "the picture could not be decoded")
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errorf(http.StatusRequestEntityTooLarge, "body_too_large", "the upload is too large")
	}
	return errorf(http.StatusBadRequest, "bad_upload", "the upload could not be read")
}

// getImage serves a stored picture. Its bytes never change, so it carries a
// strong ETag and may be cached for a year.
func (s *Server) getImage(c *gin.Context) {
	id := c.Param("id")
	if !check.UUID(id) {
		fail(c, errNotFound)
		return
	}
	ctx := c.Request.Context()
	img, err := s.store.ImageByID(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	etag := `"` + img.ID + `"`
	h := c.Writer.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	if match := c.GetHeader("If-None-Match"); match == etag || match == "*" {
		c.Status(http.StatusNotModified)
		return
	}
	rc, attrs, err := s.images.Open(ctx, img.Name)
	if err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			fail(c, errNotFound)
			return
		}
		fail(c, err)
		return
	}
	defer rc.Close()
	h.Set("Content-Type", img.ContentType)
	h.Set("Content-Length", strconv.FormatInt(attrs.Size, 10))
	c.Status(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		return
	}
	_, _ = io.Copy(c.Writer, rc)
}
