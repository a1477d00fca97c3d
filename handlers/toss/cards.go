package toss

// issuerNames maps the gateway's issuer codes to display names: the
// international brands and the common Korean issuers.
var issuerNames = map[string]string{
	"4V": "VISA", "4M": "MASTER", "4J": "JCB", "7A": "AMEX", "6D": "DINERS", "3C": "UNIONPAY",
	"11": "국민", "21": "하나", "31": "BC", "33": "우리", "41": "신한", "51": "삼성",
	"61": "현대", "71": "롯데", "91": "농협", "15": "카카오뱅크", "24": "토스뱅크",
}

// IssuerName returns the display name of an issuer code, or "" when unknown.
func IssuerName(code string) string { return issuerNames[code] }

// fillCompany sets Company from IssuerCode when the gateway gave no name.
func fillCompany(c *CardInfo) {
	if c != nil && c.Company == "" {
		c.Company = IssuerName(c.IssuerCode)
	}
}
