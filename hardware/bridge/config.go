package bridge

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// Credentials give the bridge the bearer token it shows the server. Today
// that is an owner's session token (StaticToken); a device token obtained by
// pairing will implement the same interface.
type Credentials interface {
	Token(ctx context.Context) (string, error)
}

// StaticToken is a token given on the command line or in the environment.
type StaticToken string

// Token returns the token.
func (s StaticToken) Token(context.Context) (string, error) {
	if s == "" {
		return "", errors.New("bridge: no token (set --token or ILLUWA_POS_TOKEN)")
	}
	return string(s), nil
}

// Config is what `illuwa pos-bridge` is told.
type Config struct {
	Port         string        // serial port of the box; empty: find it by USB id
	USBIDs       string        // vendor:product pairs to look for, comma-separated
	Server       string        // base URL of an illuwa server, e.g. https://illuwa.example
	Credentials  Credentials   // the bearer token
	PochaID      uint64        // only this stall's orders (0: every stall of the account)
	Printer      string        // optional serial port of an ESC/POS printer
	PrinterBaud  int           // its speed
	StateDir     string        // where the print journal lives
	ReadyMinutes int           // the estimate sent when the box does not send one
	AckTimeout   time.Duration // wait this long for the box's ack before repeating a frame
	Name         string        // shown to the box in Hello
}

// DefaultUSBIDs are the vendor:product ids of Arduino Unos and their usual
// USB-serial chips (Arduino, Arduino.org, WCH CH340, FTDI FT232R).
const DefaultUSBIDs = "2341:0043,2341:0001,2341:0243,2A03:0043,1A86:7523,0403:6001"

// Flags registers the bridge's flags on fs, with defaults from getenv
// (ILLUWA_POS_PORT, ILLUWA_POS_SERVER, ILLUWA_POS_TOKEN, ...).
func (c *Config) Flags(fs *flag.FlagSet, getenv func(string) string) *string {
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.Port, "port", env("ILLUWA_POS_PORT", ""), "serial port of the box (ILLUWA_POS_PORT); empty: find an Arduino by USB id")
	fs.StringVar(&c.USBIDs, "usb-ids", env("ILLUWA_POS_USB_IDS", DefaultUSBIDs), "USB vendor:product ids to look for without --port")
	fs.StringVar(&c.Server, "server", env("ILLUWA_POS_SERVER", "http://localhost:8080"), "illuwa server base URL (ILLUWA_POS_SERVER)")
	token := fs.String("token", env("ILLUWA_POS_TOKEN", ""), "bearer token of the stall's owner (ILLUWA_POS_TOKEN; prefer the variable: flags show in ps)")
	fs.Uint64Var(&c.PochaID, "pocha", 0, "only this stall's orders (0: every stall of the account)")
	fs.StringVar(&c.Printer, "printer", env("ILLUWA_POS_PRINTER", ""), "serial port of an ESC/POS receipt printer (optional)")
	fs.IntVar(&c.PrinterBaud, "printer-baud", 19200, "the printer's baud rate")
	fs.StringVar(&c.StateDir, "state-dir", env("ILLUWA_POS_STATE_DIR", "./pos-bridge"), "directory of the print journal")
	fs.IntVar(&c.ReadyMinutes, "ready-minutes", 10, "ready estimate (1..180) when the box sends none")
	fs.DurationVar(&c.AckTimeout, "ack-timeout", 500*time.Millisecond, "repeat a frame the box has not acknowledged after this")
	return token
}

// Check validates the configuration.
func (c *Config) Check() error {
	u, err := url.Parse(c.Server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("bridge: --server %q is not an http(s) URL", c.Server)
	}
	c.Server = strings.TrimRight(c.Server, "/")
	if c.Credentials == nil {
		return errors.New("bridge: no credentials")
	}
	if c.ReadyMinutes < 1 || c.ReadyMinutes > 180 {
		return fmt.Errorf("bridge: --ready-minutes %d is not 1..180", c.ReadyMinutes)
	}
	if c.AckTimeout <= 0 {
		c.AckTimeout = 500 * time.Millisecond
	}
	if c.StateDir == "" {
		c.StateDir = "."
	}
	if c.PrinterBaud <= 0 {
		c.PrinterBaud = 19200
	}
	if c.Name == "" {
		c.Name = "illuwa-bridge"
	}
	return os.MkdirAll(c.StateDir, 0o700)
}
