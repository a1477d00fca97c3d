package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// tokenFile is where a paired bridge keeps its device token, in the state
// directory (mode 0600).
const tokenFile = "device-token"

// FileToken is a device token kept in the state directory by Pair.
type FileToken string

// Token reads the token file.
func (f FileToken) Token(context.Context) (string, error) {
	b, err := os.ReadFile(string(f))
	if err != nil {
		return "", fmt.Errorf("bridge: device token: %w (pair with --pair CODE)", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// StoredToken returns the credentials of an earlier pairing in stateDir,
// if there was one.
func StoredToken(stateDir string) (FileToken, bool) {
	p := filepath.Join(stateDir, tokenFile)
	if _, err := os.Stat(p); err != nil {
		return "", false
	}
	return FileToken(p), true
}

// Pair trades a pairing code from the owner console for a device token
// (POST /api/v1/devices/pair) and stores it in stateDir; the bridge then
// authenticates as that stall's POS device. It returns the stall's id.
func Pair(ctx context.Context, server, stateDir, code, name string) (uint64, error) {
	body, _ := json.Marshal(map[string]string{"code": code, "name": name})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(server, "/")+"/api/v1/devices/pair", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return 0, fmt.Errorf("bridge: pair: %w", err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<16))
	if res.StatusCode != http.StatusCreated {
		var p struct{ Detail string }
		_ = json.Unmarshal(data, &p)
		return 0, fmt.Errorf("bridge: pair: the server answered %d: %s", res.StatusCode, p.Detail)
	}
	var out struct {
		PochaID uint64 `json:"pocha_id"`
		Token   string `json:"token"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.Token == "" {
		return 0, errors.New("bridge: pair: no token in the answer")
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return 0, err
	}
	tmp := filepath.Join(stateDir, tokenFile+".tmp")
	if err := os.WriteFile(tmp, []byte(out.Token+"\n"), 0o600); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, filepath.Join(stateDir, tokenFile)); err != nil {
		return 0, err
	}
	return out.PochaID, nil
}
