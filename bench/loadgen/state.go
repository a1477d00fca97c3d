package loadgen

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// State is what setup created on a server, kept in a small JSON file so
// that later runs (--reuse) skip creating accounts and stalls.
type State struct {
	URL    string       `json:"url"`
	Owners []OwnerState `json:"owners"`
	Stalls []StallState `json:"stalls"`
}

// OwnerState is one owner account the generator created.
type OwnerState struct {
	LoginID  string `json:"login_id"`
	Password string `json:"password"`
}

// StallState is one stall: its id, its owner (index into Owners) and its
// last known position.
type StallState struct {
	ID    uint64 `json:"id"`
	Owner int    `json:"owner"`
	Point
}

// loadState reads the state file; a missing file returns (nil, nil).
func loadState(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("loadgen: read state: %w", err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("loadgen: parse state %s: %w", path, err)
	}
	return &s, nil
}

// saveState writes the state file atomically (temp file and rename).
func saveState(path string, s *State) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("loadgen: encode state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".loadgen-state-*")
	if err != nil {
		return fmt.Errorf("loadgen: write state: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("loadgen: write state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("loadgen: write state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("loadgen: write state: %w", err)
	}
	return nil
}

// usable reports whether s can serve a run against url with n stalls.
func (s *State) usable(url string, n int) bool {
	return s != nil && s.URL == url && len(s.Stalls) >= n && len(s.Owners) >= 1
}
