// Package sim runs the real POS firmware in simavr for tests: it builds the
// firmware (hardware/firmware) and the harness (harness/posim.c, on libsimavr and
// libsimavrparts) once per source version, starts the harness, and lets a
// test read the LCD, press buttons, tap cards and pull the cable.
//
// The toolchain comes from Debian's packages gcc-avr avr-libc binutils-avr
// arduino-core-avr libsimavr-dev libsimavrparts1 (.ci/services.sh installs
// them). Without them Require skips the test, or fails it when CI=true.
package sim

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// sourceDir is hardware/ in this checkout.
func sourceDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// Missing reports what is missing to build and run the simulator, or nil.
func Missing() error {
	for _, tool := range []string{"avr-gcc", "avr-g++", "avr-objcopy", "avr-size", "make", "cc"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found (apt-get install gcc-avr avr-libc binutils-avr)", tool)
		}
	}
	for _, f := range []string{"/usr/share/arduino/hardware/arduino/avr/cores/arduino/Arduino.h",
		"/usr/include/simavr/sim_avr.h", "/usr/include/simavr/parts/hd44780.h"} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("%s not found (apt-get install arduino-core-avr libsimavr-dev libsimavrparts1)", f)
		}
	}
	return nil
}

// Require skips the test when the simulator cannot be built here, with the
// reason; under CI=true a missing simulator fails the test instead.
func Require(t testing.TB) {
	t.Helper()
	if err := Missing(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and the POS simulator cannot run: %v (.ci/services.sh installs it)", err)
		}
		t.Skipf("POS simulator unavailable: %v (run .ci/services.sh, or set CI=true to make this a failure)", err)
	}
}

// Artifacts are a built firmware and harness.
type Artifacts struct {
	ELF, Harness string
	Size         string // avr-size's report
}

var (
	buildOnce sync.Once
	built     Artifacts
	buildErr  error
)

// Build builds the firmware and the harness, or reuses the ones built from
// the same sources (under the system's temporary directory).
func Build(t testing.TB) Artifacts {
	t.Helper()
	Require(t)
	buildOnce.Do(func() { built, buildErr = build() })
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

func build() (Artifacts, error) {
	src := sourceDir()
	h := sha256.New()
	for _, pat := range []string{"firmware/Makefile", "firmware/pos/*", "sim/harness/posim.c"} {
		files, _ := filepath.Glob(filepath.Join(src, pat))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return Artifacts{}, err
			}
			fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(data))
			h.Write(data)
		}
	}
	dir := filepath.Join(os.TempDir(), "illuwa-posim-"+hex.EncodeToString(h.Sum(nil))[:16])
	a := Artifacts{ELF: filepath.Join(dir, "pos.elf"), Harness: filepath.Join(dir, "posim")}
	if _, err := os.Stat(a.Harness); err == nil {
		size, _ := os.ReadFile(filepath.Join(dir, "size.txt"))
		a.Size = string(size)
		return a, nil
	}
	// Build in a private directory, then rename: parallel test binaries race safely.
	tmp, err := os.MkdirTemp(os.TempDir(), "illuwa-posim-build-")
	if err != nil {
		return a, err
	}
	defer os.RemoveAll(tmp)
	mk := exec.Command("make", "-s", "-C", filepath.Join(src, "firmware"), "BUILD="+tmp)
	out, err := mk.CombinedOutput()
	if err != nil {
		return a, fmt.Errorf("sim: building the firmware: %v\n%s", err, out)
	}
	size := string(out)
	cc := exec.Command("cc", "-O2", "-Wall", "-o", filepath.Join(tmp, "posim"), filepath.Join(src, "sim", "harness", "posim.c"),
		"-I/usr/include/simavr", "-I/usr/include/simavr/parts", "-lsimavrparts", "-lsimavr", "-lutil", "-lpthread")
	if out, err := cc.CombinedOutput(); err != nil {
		return a, fmt.Errorf("sim: building the harness: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(tmp, "size.txt"), []byte(size), 0o644); err != nil {
		return a, err
	}
	staged := tmp + ".done"
	if err := os.MkdirAll(staged, 0o755); err != nil {
		return a, err
	}
	defer os.RemoveAll(staged)
	for _, f := range []string{"pos.elf", "posim", "size.txt"} {
		if err := os.Rename(filepath.Join(tmp, f), filepath.Join(staged, f)); err != nil {
			return a, err
		}
	}
	if err := os.Rename(staged, dir); err != nil {
		if _, serr := os.Stat(a.Harness); serr != nil { // another process won the race: fine
			return a, err
		}
	}
	a.Size = size
	return a, nil
}

// Box is one simulated POS box.
type Box struct {
	t     testing.TB
	cmd   *exec.Cmd
	stdin io.WriteCloser
	// Port is a symlink to the box's current pty: open it like a serial port.
	// It keeps its name across Unplug and Plug.
	Port string

	mu      sync.Mutex
	changed chan struct{} // closed and replaced at every new line
	lcd     string
	history []string // every settled LCD content, in order
	beeps   []int
	ptys    int
	presses int // buttons let go so far
	lines   []string
	exited  bool
}

// Options tune Start.
type Options struct {
	Speed float64 // multiples of real time (default 1)
}

// Start builds (once) and starts a box; it is stopped when the test ends.
func Start(t testing.TB, opt Options) *Box {
	t.Helper()
	a := Build(t)
	if opt.Speed == 0 {
		opt.Speed = 1
	}
	b := &Box{t: t, Port: filepath.Join(t.TempDir(), "ttyPOS"), changed: make(chan struct{})}
	b.cmd = exec.Command(a.Harness, "-s", strconv.FormatFloat(opt.Speed, 'f', -1, 64), "-m", "1800", "-l", b.Port, a.ELF)
	b.cmd.Stderr = os.Stderr
	var err error
	if b.stdin, err = b.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := b.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go b.read(stdout)
	t.Cleanup(b.stop)
	b.WaitFor(10*time.Second, "the harness to start", func() bool { return b.ptys > 0 })
	return b
}

func (b *Box) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		b.mu.Lock()
		b.lines = append(b.lines, line)
		switch {
		case strings.HasPrefix(line, "LCD "):
			b.lcd = line[4:]
			b.history = append(b.history, b.lcd)
		case strings.HasPrefix(line, "BEEP "):
			hz, _ := strconv.Atoi(line[5:])
			b.beeps = append(b.beeps, hz)
		case strings.HasPrefix(line, "PTY "):
			b.ptys++
		case strings.HasPrefix(line, "RELEASED "):
			b.presses++
		}
		close(b.changed)
		b.changed = make(chan struct{})
		b.mu.Unlock()
	}
	b.mu.Lock()
	b.exited = true
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

func (b *Box) stop() {
	b.send("quit")
	b.stdin.Close()
	done := make(chan struct{})
	go func() { b.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		b.cmd.Process.Kill()
		<-done
	}
	if b.t.Failed() {
		b.mu.Lock()
		b.t.Logf("simulator output:\n%s", strings.Join(b.lines, "\n"))
		b.mu.Unlock()
	}
}

func (b *Box) send(line string) {
	io.WriteString(b.stdin, line+"\n")
}

// Press presses a button ("accept", "reject", "ready" or "next") and
// returns once it is let go, so that presses in a row are each one press.
func (b *Box) Press(button string) {
	b.t.Helper()
	b.mu.Lock()
	n := b.presses
	b.mu.Unlock()
	b.send("press " + button)
	b.WaitFor(10*time.Second, "the "+button+" button let go", func() bool { return b.presses > n })
}

// Tap holds a card with this 4-byte UID to the reader; Untap takes it away.
func (b *Box) Tap(uid uint32) { b.send(fmt.Sprintf("tap %08X", uid)) }

// Untap takes the card away from the reader.
func (b *Box) Untap() { b.send("untap") }

// Unplug closes the box's pty, as a pulled cable does.
func (b *Box) Unplug() {
	b.send("unplug")
	b.WaitFor(5*time.Second, "the unplug", func() bool { return b.lastLine("UNPLUGGED") })
}

// Plug opens a new pty behind Port, as a cable plugged in again.
func (b *Box) Plug() {
	b.mu.Lock()
	n := b.ptys
	b.mu.Unlock()
	b.send("plug")
	b.WaitFor(5*time.Second, "the plug", func() bool { return b.ptys > n })
}

// Reset resets the microcontroller (its EEPROM survives, as on a real Uno).
func (b *Box) Reset() { b.send("reset") }

func (b *Box) lastLine(s string) bool { return len(b.lines) > 0 && b.lines[len(b.lines)-1] == s }

// LCD is what the display shows now: "row 0|row 1", 16 characters each.
func (b *Box) LCD() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lcd
}

// History is every display content so far, in order.
func (b *Box) History() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.history...)
}

// Beeps are the pitches (Hz) of the beeps so far.
func (b *Box) Beeps() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.beeps...)
}

// ErrExited is returned by Wait when the simulator has stopped.
var ErrExited = errors.New("sim: the simulator exited")

// Wait waits until cond (called with the box's state locked) holds.
func (b *Box) Wait(within time.Duration, cond func() bool) error {
	deadline := time.After(within)
	for {
		b.mu.Lock()
		ok, exited, ch := cond(), b.exited, b.changed
		b.mu.Unlock()
		if ok {
			return nil
		}
		if exited {
			return ErrExited
		}
		select {
		case <-ch:
		case <-deadline:
			return fmt.Errorf("sim: timed out after %v", within)
		}
	}
}

// WaitFor is Wait that fails the test, naming what it waited for.
func (b *Box) WaitFor(within time.Duration, what string, cond func() bool) {
	b.t.Helper()
	if err := b.Wait(within, cond); err != nil {
		b.mu.Lock()
		lcd := b.lcd
		b.mu.Unlock()
		b.t.Fatalf("waiting for %s: %v (LCD shows %q)", what, err, lcd)
	}
}

// WaitLCD waits until the display contains text and returns what it shows.
func (b *Box) WaitLCD(within time.Duration, text string) string {
	b.t.Helper()
	b.WaitFor(within, fmt.Sprintf("%q on the LCD", text), func() bool { return strings.Contains(b.lcd, text) })
	return b.LCD()
}
