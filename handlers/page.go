package handlers

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/check"
)

// Page sizes of reviews and notifications (orders: 20, at most 100).
const (
	defaultReviewPage = 20
	maxReviewPage     = 50
)

// page is where a list resumes: below the id of a cursor, at most limit items.
type page struct {
	before uint64
	limit  int
}

// pageQuery reads ?limit= (1..max, default def) and ?cursor= into cs: the one
// paging of every list (orders, reviews, notifications). A cursor is opaque:
// the next_cursor of the previous page (encodeCursor).
func pageQuery(c *gin.Context, cs *check.Fields, def, max int) page {
	p := page{limit: def}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		cs.Add(err != nil || n < 1 || n > max, "limit", fmt.Sprintf("must be 1 to %d", max))
		p.limit = n
	}
	if v := c.Query("cursor"); v != "" {
		id, ok := decodeCursor(v)
		cs.Add(!ok, "cursor", "must be a next_cursor from an earlier page")
		p.before = id
	}
	return p
}

// encodeCursor makes the opaque next_cursor that resumes a list below id.
func encodeCursor(id uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + strconv.FormatUint(id, 10)))
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
