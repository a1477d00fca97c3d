package app

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/illuwa/illuwa/web"
)

// The typed values of the settings: each is a flag.Value that parses into
// its field and refuses a bad value with a reason a person can act on.

// textValue is a string, checked by check when set (optional allows empty).
type textValue struct {
	p        *string
	optional bool
	check    func(string) error
}

func (v textValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v textValue) Set(s string) error {
	if s == "" && !v.optional {
		return errors.New("must not be empty")
	}
	if s != "" && v.check != nil {
		if err := v.check(s); err != nil {
			return err
		}
	}
	*v.p = s
	return nil
}

// hostPortValue is a listen address host:port with a port 0..65535.
type hostPortValue struct{ p *string }

func (v hostPortValue) String() string { return textValue{p: v.p}.String() }

func (v hostPortValue) Set(s string) error {
	_, port, err := net.SplitHostPort(s)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		return errors.New("want host:port with a port 0..65535, like :8080")
	}
	*v.p = s
	return nil
}

// durationValue is a duration of at least min.
type durationValue struct {
	p   *time.Duration
	min time.Duration
}

func (v durationValue) String() string {
	if v.p == nil {
		return ""
	}
	return v.p.String()
}

func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d < v.min {
		return fmt.Errorf("want a duration like 10m or 30s, at least %s", v.min)
	}
	*v.p = d
	return nil
}

// floatValue is a number in lo..hi.
type floatValue struct {
	p      *float64
	lo, hi float64
}

func (v floatValue) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.FormatFloat(*v.p, 'g', -1, 64)
}

func (v floatValue) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f >= v.lo && f <= v.hi) {
		return fmt.Errorf("want a number from %g to %g", v.lo, v.hi)
	}
	*v.p = f
	return nil
}

// intValue is a whole number in lo..hi.
type intValue struct {
	p      *int
	lo, hi int
}

func (v intValue) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.Itoa(*v.p)
}

func (v intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < v.lo || n > v.hi {
		return fmt.Errorf("want a whole number %d..%d", v.lo, v.hi)
	}
	*v.p = n
	return nil
}

// int64Value is a whole number of bytes in lo..hi.
type int64Value struct {
	p      *int64
	lo, hi int64
}

func (v int64Value) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.FormatInt(*v.p, 10)
}

func (v int64Value) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < v.lo || n > v.hi {
		return fmt.Errorf("want a whole number of bytes from %d to %d", v.lo, v.hi)
	}
	*v.p = n
	return nil
}

// boolValue is true or false; as a flag it may stand alone (--demo).
type boolValue struct{ p *bool }

func (v boolValue) String() string {
	if v.p == nil {
		return "false"
	}
	return strconv.FormatBool(*v.p)
}

func (v boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true or false (or 1 or 0)")
	}
	*v.p = b
	return nil
}

// IsBoolFlag lets the flag stand alone.
func (boolValue) IsBoolFlag() bool { return true }

// listValue is a comma-separated list; each item is checked and may be
// normalised by item.
type listValue struct {
	p    *[]string
	item func(string) (string, error)
}

func (v listValue) String() string {
	if v.p == nil {
		return ""
	}
	return strings.Join(*v.p, ",")
}

func (v listValue) Set(s string) error {
	var out []string
	for _, it := range strings.Split(s, ",") {
		if it = strings.TrimSpace(it); it == "" {
			continue
		}
		norm, err := v.item(it)
		if err != nil {
			return err
		}
		out = append(out, norm)
	}
	*v.p = out
	return nil
}

// origin checks a browser origin (or *), without its trailing slash.
func origin(o string) (string, error) {
	if o != "*" {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return "", fmt.Errorf("%q is not an origin like https://illuwa.kr", o)
		}
	}
	return strings.TrimSuffix(o, "/"), nil
}

// ipOrCIDR checks an address or a CIDR.
func ipOrCIDR(p string) (string, error) {
	if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
		return "", fmt.Errorf("%q is not an IP address or CIDR", p)
	}
	return p, nil
}

func databaseURL(v string) error {
	if !strings.HasPrefix(v, "sqlite://") && !strings.HasPrefix(v, "mysql://") {
		return errors.New("want sqlite://path or mysql://user:pass@host:port/db")
	}
	return nil
}

func redisURL(v string) error {
	if u, err := url.Parse(v); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		return errors.New("want redis://host:port/db (or rediss:// for TLS)")
	}
	return nil
}

func httpURL(v string) error {
	if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an http(s) URL")
	}
	return nil
}

func tileURL(v string) error {
	wc := web.DefaultConfig()
	wc.TileURL = v
	return wc.Validate()
}

// oneOf accepts exactly one of the words.
func oneOf(words ...string) func(string) error {
	return func(v string) error {
		if slices.Contains(words, v) {
			return nil
		}
		return errors.New("want " + strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1])
	}
}
