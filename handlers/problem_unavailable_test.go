package handlers

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/illuwa/illuwa/store"
)

// A database outage is a 503 with Retry-After, not a 500 internal.
func TestProblemDatabaseUnavailable(t *testing.T) {
	err := fmt.Errorf("ordering: begin payment: %w", fmt.Errorf("store: order: %w: %w", store.ErrUnavailable, fmt.Errorf("dial tcp: connection refused")))
	ae, ok := problemFor(err)
	if !ok || ae.status != http.StatusServiceUnavailable || ae.code != "unavailable" || ae.retryAfter != unavailableRetryAfter {
		t.Fatalf("problemFor(database down) = %+v, %v; want 503 unavailable with Retry-After", ae, ok)
	}
}
