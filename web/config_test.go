package web

import (
	"errors"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{"zero_takes_defaults", Config{}, false},
		{"default", DefaultConfig(), false},
		{"local_port", Config{TileURL: "http://127.0.0.1:1/{z}/{x}/{y}.png"}, false},
		{"subdomains", Config{TileURL: "https://{s}.tile.example.org/{z}/{x}/{y}.png"}, false},
		{"relative_tiles", Config{TileURL: "/tiles/{z}/{x}/{y}.png"}, true},
		{"ftp_tiles", Config{TileURL: "ftp://tiles.example.org/{z}/{x}/{y}.png"}, true},
		{"template_in_host", Config{TileURL: "https://tiles-{r}.example.org/{z}/{x}/{y}.png"}, true},
		{"policy_injection", Config{TileURL: "https://a.example;script-src */{z}/{x}/{y}.png"}, true},
		{"latitude", Config{DefaultLat: 91, DefaultLng: 126}, true},
		{"longitude", Config{DefaultLat: 37, DefaultLng: -181}, true},
		{"zoom", Config{DefaultZoom: 23}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Validate() = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

func TestTileOriginErrorsWrap(t *testing.T) {
	_, err := tileOrigin("nope")
	if !errors.Is(err, errTileURL) {
		t.Fatalf("err = %v, want errTileURL", err)
	}
}

func TestWithDefaultsKeepsSetFields(t *testing.T) {
	c := Config{TileAttribution: "mine", DefaultLat: 35.1, DefaultLng: 129.0, DefaultZoom: 3}.WithDefaults()
	want := Config{TileURL: DefaultTileURL, TileAttribution: "mine", DefaultLat: 35.1, DefaultLng: 129.0, DefaultZoom: 3}
	if c != want {
		t.Fatalf("WithDefaults() = %+v, want %+v", c, want)
	}
}
