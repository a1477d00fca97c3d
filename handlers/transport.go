package handlers

import (
	"net"
	"strings"

	"github.com/gin-gonic/gin"
)

// hsts is the Strict-Transport-Security of answers over TLS: a year, with
// subdomains.
const hsts = "max-age=31536000; includeSubDomains"

// Values of headers many answers carry, one slice for all of them: net/http
// only reads a header's values, and Header.Set replaces the slice, Add
// appends to a full one (so copies it).
var (
	nosniffValue    = []string{"nosniff"}
	noReferrerValue = []string{"no-referrer"}
	noStoreValue    = []string{"no-store"}
	hstsValue       = []string{hsts}
)

// noStore keeps caches (browsers, proxies) from storing answers that carry
// a token or a user's data: everything answered to an authenticated request,
// and every /auth answer (the login carries the token).
func noStore(c *gin.Context) {
	if _, ok := c.Get(ctxUser); ok || strings.HasPrefix(c.Request.URL.Path, "/api/v1/auth/") {
		c.Writer.Header()["Cache-Control"] = noStoreValue
	}
	c.Next()
}

// transportSecurity sends HSTS when the request came over TLS: directly,
// or by the X-Forwarded-Proto of a trusted proxy (ILLUWA_TRUSTED_PROXIES).
func (s *Server) transportSecurity(c *gin.Context) {
	if c.Request.TLS != nil || (c.GetHeader("X-Forwarded-Proto") == "https" && s.fromTrustedProxy(c)) {
		c.Writer.Header()["Strict-Transport-Security"] = hstsValue
	}
	c.Next()
}

// fromTrustedProxy reports whether the peer is one of Options.TrustedProxies.
func (s *Server) fromTrustedProxy(c *gin.Context) bool {
	ip := net.ParseIP(c.RemoteIP())
	return ip != nil && s.proxies.has(ip)
}

// trustedProxies are Options.TrustedProxies parsed, once rather than on
// every request that says it came over TLS.
type trustedProxies struct {
	nets []*net.IPNet
	ips  []net.IP
}

// parseTrustedProxies parses addresses and CIDRs; one that is neither is
// left out (the configuration refuses it).
func parseTrustedProxies(list []string) trustedProxies {
	var t trustedProxies
	for _, p := range list {
		if _, n, err := net.ParseCIDR(p); err == nil {
			t.nets = append(t.nets, n)
		} else if ip := net.ParseIP(p); ip != nil {
			t.ips = append(t.ips, ip)
		}
	}
	return t
}

// has reports whether ip is one of the proxies or in one of their networks.
func (t trustedProxies) has(ip net.IP) bool {
	for _, n := range t.nets {
		if n.Contains(ip) {
			return true
		}
	}
	for _, p := range t.ips {
		if p.Equal(ip) {
			return true
		}
	}
	return false
}
