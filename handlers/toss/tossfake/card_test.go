package tossfake

import "testing"

func TestCardMaskingAndBrand(t *testing.T) {
	tests := []struct {
		in, masked, code, company string
		ok                        bool
	}{
		{"4330123412341234", "433012******1234", "4V", "VISA", true},
		{"5412 3456 7890 1234", "541234******1234", "4M", "MASTER", true},
		{"2221-0000-0000-0009", "222100******0009", "4M", "MASTER", true},
		{"378282246310005", "378282*****0005", "7A", "AMEX", true},
		{"3530111333300000", "353011******0000", "4J", "JCB", true},
		{"9410123412341234", "941012******1234", "31", "BC", true},
		{"4111", "", "", "", false},
		{"4330x23412341234", "", "", "", false},
		{"43301234123412341234", "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, ok := normalizeCard(tt.in)
			if ok != tt.ok {
				t.Fatalf("normalizeCard ok = %v", ok)
			}
			if !ok {
				return
			}
			c := newCard(n)
			if c.Number != tt.masked || c.IssuerCode != tt.code || c.Company != tt.company {
				t.Fatalf("card = %+v", c)
			}
		})
	}
	if !newCard(DeclinedCard).declined || newCard(ApprovedCard).declined {
		t.Fatal("declined flag wrong")
	}
}

func TestSameSite(t *testing.T) {
	tests := map[string]bool{
		"/orders/1/paid":                   true,
		"http://illuwa.test/paid?x=1":      true,
		"https://illuwa.test/paid":         true,
		"//evil.test/paid":                 false,
		"/\\evil.test":                     false,
		"https://evil.test/paid":           false,
		"javascript:alert(1)":              false,
		"":                                 false,
		"http://illuwa.test.evil.test/ok":  false,
		"/\t/evil.example/steal":           false, // browsers drop the tab: //evil.example
		"/\n/evil.example/steal":           false,
		"/\r\n/evil.example":               false,
		"/paid\\..\\":                      false,
		"/%5C/evil.example":                true, // still encoded: a path on this site
		"https://illuwa.test\\@evil.test/": false,
		"https://illuwa.test/\tpaid":       false,
		"/paid\x7f":                        false,
		"/paid\u0085":                      false,
	}
	for target, want := range tests {
		if got := sameSite(target, "illuwa.test"); got != want {
			t.Errorf("sameSite(%q) = %v, want %v", target, got, want)
		}
	}
}

func TestRedactPath(t *testing.T) {
	tests := map[string]string{
		"/v1/billing/bk_123":              "/v1/billing/{billingKey}",
		"/v1/billing/authorizations/card": "/v1/billing/authorizations/card",
		"/v1/payments/pk_1":               "/v1/payments/{paymentKey}",
		"/v1/payments/pk_1/cancel":        "/v1/payments/{paymentKey}/cancel",
		"/v1/payments/confirm":            "/v1/payments/confirm",
		"/v1/payments/orders/order-1":     "/v1/payments/orders/order-1",
		"/v1/fake/checkout-page":          "/v1/fake/checkout-page",
		"//v1/billing/bk_123/":            "/v1/billing/{billingKey}",
		"/v1/billing":                     "/v1/billing",
		"/elsewhere/v1/billing/bk_123":    "/elsewhere/v1/billing/bk_123",
	}
	for in, want := range tests {
		if got := RedactPath(in); got != want {
			t.Errorf("RedactPath(%q) = %q, want %q", in, got, want)
		}
	}
}
