package web

import "strings"

// contentSecurityPolicy builds the policy for a response to a request for host
// (the request's Host header). tileOrigin may be empty. A host that is not a
// plain host[:port] is left out, so connect-src falls back to 'self'.
func contentSecurityPolicy(tileOrigin, host string) string {
	img := "img-src 'self' data:"
	if tileOrigin != "" {
		img += " " + tileOrigin
	}
	connect := "connect-src 'self'"
	if validHost(host) {
		connect += " ws://" + host + " wss://" + host
	}
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self'",
		"style-src 'self'",
		img,
		connect,
		"font-src 'self'",
		"object-src 'none'",
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
}

// validHost reports whether h contains only characters of a host name, an
// IP literal and a port, so that it cannot change the policy's syntax.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '-', c == ':', c == '[', c == ']':
		default:
			return false
		}
	}
	return true
}
