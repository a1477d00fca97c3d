package app

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDemoGatewayKeepsKeysOutOfLogs: the demo gateway's paths carry billing
// and payment keys; the access log records them with the keys replaced.
func TestDemoGatewayKeepsKeysOutOfLogs(t *testing.T) {
	in := start(t, map[string]string{"ILLUWA_DEMO_MOVERS": "0"}, "--demo")
	const billingKey, paymentKey = "bk_SecretBillingKey0123", "pk_SecretPaymentKey0123"
	for _, p := range []string{"/fake-pg/v1/billing/" + billingKey, "/fake-pg/v1/payments/" + paymentKey + "/cancel"} {
		res, err := http.Post(in.base+p, "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("POST %s without the secret: %d, want 401", p, res.StatusCode)
		}
	}
	want := []string{`"path":"/fake-pg/v1/billing/{billingKey}"`, `"path":"/fake-pg/v1/payments/{paymentKey}/cancel"`}
	for i := 0; i < 200 && !(strings.Contains(in.out.String(), want[0]) && strings.Contains(in.out.String(), want[1])); i++ {
		time.Sleep(25 * time.Millisecond) // the access log line follows the answer
	}
	logs := in.out.String()
	for _, w := range want {
		if !strings.Contains(logs, w) {
			t.Errorf("no access log line with %s", w)
		}
	}
	if strings.Contains(logs, billingKey) || strings.Contains(logs, paymentKey) {
		t.Errorf("a key reached the log:\n%s", grepLog(logs, "fake-pg"))
	}
}

// grepLog returns the lines of logs that hold sub.
func grepLog(logs, sub string) string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
