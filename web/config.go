package web

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Defaults used by DefaultConfig and for the zero fields of a Config.
const (
	// DefaultTileURL is OpenStreetMap's standard tile server, as a Leaflet URL
	// template.
	DefaultTileURL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
	// DefaultTileAttribution is the credit OpenStreetMap's tiles require (HTML).
	DefaultTileAttribution = `&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors`
	// DefaultLat and DefaultLng are Seoul City Hall.
	DefaultLat = 37.5665
	DefaultLng = 126.9780
	// DefaultZoom is the map's zoom level before the user moves it.
	DefaultZoom = 14
)

// Config is what the web app needs to know about its deployment. It is served
// to the browser as GET /config.json, with these JSON field names.
type Config struct {
	// TileURL is a Leaflet tile URL template with {z}, {x} and {y} (and
	// optionally {s} as the first label of the host, and {r}), absolute http or
	// https. Its origin is the only foreign origin the page may load images from.
	TileURL string `json:"tile_url"`
	// TileAttribution is the HTML credit shown in the map's corner. It comes from
	// the operator, never from users, and is rendered as HTML.
	TileAttribution string `json:"tile_attribution"`
	// DefaultLat, DefaultLng (WGS 84 degrees) and DefaultZoom (0..22) are where
	// the map opens.
	DefaultLat  float64 `json:"default_lat"`
	DefaultLng  float64 `json:"default_lng"`
	DefaultZoom int     `json:"default_zoom"`
}

// DefaultConfig returns OpenStreetMap's tiles and Seoul City Hall at zoom 14.
func DefaultConfig() Config {
	return Config{
		TileURL:         DefaultTileURL,
		TileAttribution: DefaultTileAttribution,
		DefaultLat:      DefaultLat,
		DefaultLng:      DefaultLng,
		DefaultZoom:     DefaultZoom,
	}
}

// WithDefaults returns c with its unset fields taken from DefaultConfig: an
// empty TileURL takes the default tile URL and attribution, a centre of exactly
// (0, 0) takes Seoul City Hall and a zoom of 0 takes DefaultZoom. An explicit
// TileAttribution is kept even when TileURL is empty.
func (c Config) WithDefaults() Config {
	d := DefaultConfig()
	if c.TileURL == "" {
		c.TileURL = d.TileURL
		if c.TileAttribution == "" {
			c.TileAttribution = d.TileAttribution
		}
	}
	if c.DefaultLat == 0 && c.DefaultLng == 0 {
		c.DefaultLat, c.DefaultLng = d.DefaultLat, d.DefaultLng
	}
	if c.DefaultZoom == 0 {
		c.DefaultZoom = d.DefaultZoom
	}
	return c
}

// Validate reports whether c (after WithDefaults) can be served: a tile URL
// whose origin can be named in a Content-Security-Policy, a centre within
// WGS 84 bounds and a zoom within 0..22. Handler does not call it; a program
// should call it at start-up.
func (c Config) Validate() error {
	c = c.WithDefaults()
	if _, err := tileOrigin(c.TileURL); err != nil {
		return err
	}
	if c.DefaultLat < -90 || c.DefaultLat > 90 || c.DefaultLng < -180 || c.DefaultLng > 180 {
		return fmt.Errorf("web: default centre %v,%v out of range", c.DefaultLat, c.DefaultLng)
	}
	if c.DefaultZoom < 0 || c.DefaultZoom > 22 {
		return fmt.Errorf("web: default zoom %d out of range 0..22", c.DefaultZoom)
	}
	return nil
}

// errTileURL is wrapped by every tile URL problem.
var errTileURL = errors.New("web: invalid tile URL")

// tileOrigin returns the CSP source expression for the tile server: its scheme
// and host (and port), with a leading "{s}." host label turned into "*.".
func tileOrigin(tmpl string) (string, error) {
	scheme, rest, ok := strings.Cut(tmpl, "://")
	if !ok || (scheme != "http" && scheme != "https") {
		return "", fmt.Errorf("%w: %q: want an absolute http or https URL", errTileURL, tmpl)
	}
	host, _, _ := strings.Cut(rest, "/")
	wildcard := strings.HasPrefix(host, "{s}.")
	if wildcard {
		host = strings.TrimPrefix(host, "{s}.")
	}
	u, err := url.Parse(scheme + "://" + host + "/")
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", errTileURL, tmpl, err)
	}
	if u.Host == "" || u.User != nil || strings.ContainsAny(u.Host, "{}*;, '\"") {
		return "", fmt.Errorf("%w: %q: host %q cannot be named in a policy", errTileURL, tmpl, host)
	}
	if wildcard {
		return scheme + "://*." + u.Host, nil
	}
	return scheme + "://" + u.Host, nil
}
