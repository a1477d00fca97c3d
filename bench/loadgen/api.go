package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/illuwa/illuwa/handlers/accounts"
)

// apiClient calls the server's HTTP API.
type apiClient struct {
	base string
	http *http.Client
}

func newAPIClient(base string, conns int) *apiClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = conns * 2
	tr.MaxIdleConnsPerHost = conns * 2
	tr.MaxConnsPerHost = 0
	return &apiClient{base: strings.TrimRight(base, "/"), http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// statusError is a response with an unexpected status.
type statusError struct {
	Method, Path string
	Status       int
	Body         string
	Code         string // the problem's "code", when the body is a problem document
}

// problemCode reports whether err is a *statusError with the problem code.
func problemCode(err error, code string) bool {
	var se *statusError
	return errors.As(err, &se) && se.Code == code
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: status %d: %s", e.Method, e.Path, e.Status, e.Body)
}

// do sends body (JSON-encoded when not nil) and decodes a 2xx answer into
// out (when not nil). Other statuses return a *statusError.
func (a *apiClient) do(ctx context.Context, method, path, token string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		var p struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal(b, &p) // not every error body is a problem document
		return &statusError{Method: method, Path: path, Status: resp.StatusCode, Body: strings.TrimSpace(string(b)), Code: p.Code}
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode %s %s: %w", method, path, err)
	}
	return nil
}

type loginRequest struct {
	LoginID  string `json:"login_id"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token string `json:"token"`
	User  struct {
		ID   uint64 `json:"id"`
		Role string `json:"role"`
	} `json:"user"`
}

type pochaCreated struct {
	ID uint64 `json:"id"`
}

// signupOrLogin creates the owner account (an existing one is fine) and
// logs in.
func (a *apiClient) signupOrLogin(ctx context.Context, s accounts.NewUser) (loginResponse, error) {
	err := a.do(ctx, http.MethodPost, "/api/v1/auth/signup", "", s, nil)
	var se *statusError
	if err != nil && !(errors.As(err, &se) && se.Status == http.StatusConflict) {
		return loginResponse{}, err
	}
	return a.login(ctx, loginRequest{s.LoginID, s.Password})
}

// login returns a fresh session of the account.
func (a *apiClient) login(ctx context.Context, l loginRequest) (loginResponse, error) {
	var out loginResponse
	if err := a.do(ctx, http.MethodPost, "/api/v1/auth/login", "", l, &out); err != nil {
		return loginResponse{}, err
	}
	if out.Token == "" {
		return loginResponse{}, fmt.Errorf("login %s: empty token", l.LoginID)
	}
	return out, nil
}

func (a *apiClient) createPocha(ctx context.Context, token, name string) (uint64, error) {
	var out pochaCreated
	if err := a.do(ctx, http.MethodPost, "/api/v1/pochas", token, map[string]string{"name": name}, &out); err != nil {
		return 0, err
	}
	if out.ID == 0 {
		return 0, fmt.Errorf("create pocha: no id in answer")
	}
	return out.ID, nil
}

// openPocha puts the stall on the live map at p. A stall that is already
// open (409) is closed and opened again so that it stands at p.
func (a *apiClient) openPocha(ctx context.Context, token string, id uint64, p Point) error {
	path := fmt.Sprintf("/api/v1/pochas/%d/open", id)
	err := a.do(ctx, http.MethodPost, path, token, p, nil)
	var se *statusError
	if err != nil && errors.As(err, &se) && se.Status == http.StatusConflict {
		if err := a.do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/pochas/%d/close", id), token, nil, nil); err != nil {
			return err
		}
		err = a.do(ctx, http.MethodPost, path, token, p, nil)
	}
	return err
}
