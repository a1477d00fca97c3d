package handlers

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/check"
)

// Page sizes of the paged lists.
const (
	defaultReviewPage = 20
	maxReviewPage     = 50
)

// encodeCursor makes the opaque next_cursor that resumes a list below id.
func encodeCursor(id uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + itoa(id)))
}

// decodeCursor reverses encodeCursor.
func decodeCursor(s string) (uint64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), "v1:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseUint(rest, 10, 64)
	return id, err == nil && id > 0
}

// pageQuery reads ?limit= (1..maxReviewPage, default defaultReviewPage) and
// ?cursor= into cs.
func pageQuery(c *gin.Context, cs *check.Fields) (beforeID uint64, limit int) {
	limit = defaultReviewPage
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		cs.Add(err != nil || n < 1 || n > maxReviewPage, "limit", "must be 1 to 50")
		limit = n
	}
	if v := c.Query("cursor"); v != "" {
		id, ok := decodeCursor(v)
		cs.Add(!ok, "cursor", "must be a next_cursor from an earlier page")
		beforeID = id
	}
	return beforeID, limit
}
