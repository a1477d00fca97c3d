package loadgen

import (
	"testing"

	"github.com/illuwa/illuwa/handlers/accounts"
)

// TestBusinessNumbersPassTheServersCheck: an owner's 사업자등록번호 must
// pass the check digit the server verifies, or no admin can approve it.
func TestBusinessNumbersPassTheServersCheck(t *testing.T) {
	seen := map[string]bool{}
	for _, i := range []int{0, 1, 2, 9, 10, 99, 1234, 99999, 123456789} {
		bn := businessNumber(i)
		if !accounts.ValidBusinessNumber(accounts.NormalizeBusinessNumber(bn)) {
			t.Errorf("owner %d: %s fails the server's check", i, bn)
		}
		if seen[bn] {
			t.Errorf("owner %d: %s repeats", i, bn)
		}
		seen[bn] = true
	}
}
