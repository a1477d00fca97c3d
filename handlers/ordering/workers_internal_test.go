package ordering

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The gateway takes at most 200 bytes of cancelReason: a 200-character Korean
// reason (600 bytes) is cut on a character boundary, as close to 200 as it can.
func TestTruncateBytes(t *testing.T) {
	reason := strings.Repeat("재료소진", 50)
	got := truncateBytes(reason, maxCancelReasonBytes)
	if len(got) > 200 || !strings.HasPrefix(reason, got) || len(got) < 197 || !utf8.ValidString(got) {
		t.Fatalf("truncated to %d bytes: %q", len(got), got)
	}
	if truncateBytes("짧은 이유", 200) != "짧은 이유" {
		t.Fatal("a short reason was changed")
	}
}

func TestRetryBackoff(t *testing.T) {
	if retryBackoff(1) != 5*time.Second || retryBackoff(2) != 10*time.Second || retryBackoff(50) != maxRetryBackoff {
		t.Fatalf("backoff %v %v %v", retryBackoff(1), retryBackoff(2), retryBackoff(50))
	}
}
