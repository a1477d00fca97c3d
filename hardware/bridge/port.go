package bridge

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"go.bug.st/serial"
	"go.bug.st/serial/enumerator"
)

// OpenSerial opens a serial port at baud, 8N1. It works on USB serial
// adapters and on pseudo-terminals (whose baud rate means nothing).
func OpenSerial(path string, baud int) (io.ReadWriteCloser, error) {
	p, err := serial.Open(path, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
	if err != nil {
		return nil, fmt.Errorf("bridge: open %s: %w", path, err)
	}
	return p, nil
}

// ErrNoBox is returned by FindBox when no port has a known USB id.
var ErrNoBox = errors.New("bridge: no Arduino found on USB")

// FindBox returns the first serial port whose USB vendor:product id is in ids
// (comma-separated hex pairs), through the serial library's enumerator.
func FindBox(ids string) (string, error) {
	ports, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return "", fmt.Errorf("bridge: listing serial ports: %w", err)
	}
	return pickPort(ports, ids)
}

func pickPort(ports []*enumerator.PortDetails, ids string) (string, error) {
	for _, want := range strings.Split(ids, ",") {
		vid, pid, ok := strings.Cut(strings.TrimSpace(want), ":")
		if !ok {
			continue
		}
		for _, p := range ports {
			if p.IsUSB && strings.EqualFold(p.VID, vid) && strings.EqualFold(p.PID, pid) {
				return p.Name, nil
			}
		}
	}
	return "", ErrNoBox
}
