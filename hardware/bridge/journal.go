package bridge

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// journal remembers which orders were printed, in an append-only file of
// JSON lines, so that a ticket is printed at most once across restarts: an
// order is written down (and synced) before its ticket goes to the printer,
// and written off again only if not a byte reached the printer.
type journal struct {
	mu      sync.Mutex
	f       *os.File
	printed map[uint64]bool
}

type journalEntry struct {
	Order   uint64 `json:"order"`
	Printed bool   `json:"printed"`
}

func openJournal(dir string) (*journal, error) {
	path := filepath.Join(dir, "printed.jsonl")
	j := &journal{printed: map[uint64]bool{}}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var e journalEntry
			if json.Unmarshal(sc.Bytes(), &e) == nil && e.Order != 0 {
				j.printed[e.Order] = e.Printed // a torn last line is skipped
			}
		}
		f.Close()
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("bridge: journal: %w", err)
	}
	j.f = f
	return j, nil
}

// claim records that order is about to be printed; false if it already was.
func (j *journal) claim(order uint64) (bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.printed[order] {
		return false, nil
	}
	if err := j.append(journalEntry{Order: order, Printed: true}); err != nil {
		return false, err
	}
	j.printed[order] = true
	return true, nil
}

// release writes a claim off: nothing reached the printer.
func (j *journal) release(order uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.append(journalEntry{Order: order}) == nil {
		j.printed[order] = false
	}
}

func (j *journal) append(e journalEntry) error {
	line, _ := json.Marshal(e)
	if _, err := j.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("bridge: journal: %w", err)
	}
	return j.f.Sync()
}

func (j *journal) close() { j.f.Close() }
