package app

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/illuwa/illuwa/handlers"
	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/handlers/toss/tossfake"
)

// fakeGatewayPath is where the built-in fake payment gateway is mounted when
// no real one is configured.
const fakeGatewayPath = "/fake-pg"

// paymentGateway picks the card payment gateway: the configured one; with
// --demo and none configured, a fake gateway in this process mounted on mux
// (reached through this instance's port), with a secret of its own so nobody
// else can drive it; else none, and card payments are off.
func paymentGateway(cfg Config, mux *http.ServeMux, port int, log *slog.Logger) handlers.PaymentProvider {
	switch {
	case cfg.PaymentsURL != "":
		return toss.New(cfg.PaymentsURL, cfg.PaymentsKey, nil)
	case cfg.Demo:
		secret := "test_sk_" + randomHex(16)
		fake := tossfake.New(tossfake.Options{SecretKey: secret})
		// Its paths carry billing and payment keys: the access log gets them redacted.
		mux.Handle(fakeGatewayPath+"/", handlers.LogPathAs(http.StripPrefix(fakeGatewayPath, fake), func(p string) string {
			return fakeGatewayPath + tossfake.RedactPath(strings.TrimPrefix(p, fakeGatewayPath))
		}))
		log.Warn("demo: payments go to the built-in fake gateway at " + fakeGatewayPath)
		return toss.New(fmt.Sprintf("http://127.0.0.1:%d%s", port, fakeGatewayPath), secret, nil)
	}
	log.Warn("card payments are off: set ILLUWA_PAYMENTS_URL and ILLUWA_PAYMENTS_SECRET_KEY (or run with --demo for a fake gateway)")
	return nil
}
