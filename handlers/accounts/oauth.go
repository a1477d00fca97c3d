package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/illuwa/illuwa/handlers/oauth"
	"github.com/illuwa/illuwa/store"
)

// The refusals of a sign-in through a provider (the provider's own are
// oauth.ErrCodeInvalid, oauth.ErrTokenInvalid and oauth.ErrUnavailable).
var (
	// ErrOAuthProviderUnknown: no provider of that name is configured.
	ErrOAuthProviderUnknown = errors.New("accounts: no such sign-in provider is configured")
	// ErrOAuthState: the state the provider sent back is unknown, expired,
	// already used, of another provider or of another browser.
	ErrOAuthState = errors.New("accounts: the sign-in state is unknown, expired, used or not this browser's")
	// ErrOAuthDenied: the person (or the provider) declined the sign-in.
	ErrOAuthDenied = errors.New("accounts: the sign-in was declined at the provider")
	// ErrOAuthTicket: the sign-in ticket is unknown, expired, used or of
	// another browser.
	ErrOAuthTicket = errors.New("accounts: the sign-in ticket is unknown, expired, used or not this browser's")
	// ErrOAuthEmailUnverified: the provider did not vouch for the e-mail
	// address, so it links to no account.
	ErrOAuthEmailUnverified = errors.New("accounts: the provider did not verify the e-mail address")
	// ErrOAuthNothingToLink: no account has the provider's verified e-mail address.
	ErrOAuthNothingToLink = errors.New("accounts: no account has this e-mail address")
	// ErrOAuthLinked: the provider's account is linked already.
	ErrOAuthLinked = errors.New("accounts: this provider account is linked already")
)

// The outcomes of a provider's answer, as OAuthClaim reports them.
const (
	OAuthSignedIn       = "signed_in"       // the identity was linked: a session started
	OAuthLinkRequired   = "link_required"   // an account has the verified e-mail: its password links it
	OAuthSignupRequired = "signup_required" // a new account: the person picks a role and a login id
)

// OAuthOutcome is what a claimed ticket leads to. Session is set when
// signed in; the rest describes the identity for the next step.
type OAuthOutcome struct {
	Status        string   `json:"status"`
	Provider      string   `json:"provider"`
	Email         string   `json:"email"`
	EmailVerified bool     `json:"email_verified"`
	Name          string   `json:"name"`
	Session       *Session `json:"session,omitempty"`
}

// statePayload is kept with a started sign-in.
type statePayload struct {
	Verifier string `json:"verifier"`
	Nonce    string `json:"nonce"`
}

// ticketPayload is kept with a provider's answer. LinkTo is the account
// whose verified e-mail matched (0: none).
type ticketPayload struct {
	Identity oauth.Identity `json:"identity"`
	LinkTo   uint64         `json:"link_to,omitempty"`
}

// OAuthProviders lists the configured providers' names.
func (s *Service) OAuthProviders() []string { return s.oauth.Names() }

// randomToken is 32 random bytes, base64url: states, nonces, PKCE
// verifiers (43 characters, as RFC 7636 wants), tickets and bindings.
func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// NewOAuthBinding makes the secret that binds sign-ins to one browser (the
// HTTP layer keeps it in a cookie).
func NewOAuthBinding() (string, error) { return randomToken() }

// OAuthStart begins a sign-in with the provider for the browser holding
// binding: it keeps the state, the PKCE verifier and the nonce, single-use
// and short-lived, and returns the provider's authorization address.
func (s *Service) OAuthStart(ctx context.Context, provider, binding string) (string, error) {
	p, ok := s.oauth.Get(provider)
	if !ok {
		return "", ErrOAuthProviderUnknown
	}
	if binding == "" || len(binding) > MaxTokenLen {
		return "", ErrOAuthState
	}
	var vals [3]string
	for i := range vals {
		v, err := randomToken()
		if err != nil {
			return "", err
		}
		vals[i] = v
	}
	state, verifier, nonce := vals[0], vals[1], vals[2]
	to, err := p.AuthCodeURL(ctx, state, nonce, verifier)
	if err != nil {
		return "", err
	}
	payload, _ := json.Marshal(statePayload{Verifier: verifier, Nonce: nonce})
	f := store.OAuthFlow{Kind: store.OAuthFlowState, TokenHash: HashToken(state), BindingHash: HashToken(binding),
		Provider: provider, Payload: string(payload), ExpiresAt: s.now().Add(s.opts.OAuthTTL)}
	if err := s.store.CreateOAuthFlow(ctx, &f); err != nil {
		return "", err
	}
	return to, nil
}

// liveFlow is the live record of that kind and token, if the browser of
// binding started it (else refusal).
func (s *Service) liveFlow(ctx context.Context, kind, token, binding string, refusal error) (store.OAuthFlow, error) {
	if token == "" || len(token) > MaxTokenLen || binding == "" || len(binding) > MaxTokenLen {
		return store.OAuthFlow{}, refusal
	}
	f, err := s.store.LiveOAuthFlow(ctx, kind, HashToken(token), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return f, refusal
	}
	if err != nil {
		return f, err
	}
	if subtle.ConstantTimeCompare([]byte(f.BindingHash), []byte(HashToken(binding))) != 1 {
		return f, refusal
	}
	return f, nil
}

// OAuthCallback takes the provider's answer to a sign-in: the state must be
// live, this provider's and this browser's, and is spent; the code is
// redeemed with the verifier and the identity verified. It returns a
// ticket, single-use and short-lived, that the browser claims with
// OAuthClaim. providerError is the error the provider sent instead of a
// code, if any.
func (s *Service) OAuthCallback(ctx context.Context, provider, binding, state, code, providerError string) (string, error) {
	p, ok := s.oauth.Get(provider)
	if !ok {
		return "", ErrOAuthProviderUnknown
	}
	f, err := s.liveFlow(ctx, store.OAuthFlowState, state, binding, ErrOAuthState)
	if err != nil {
		return "", err
	}
	if f.Provider != provider {
		return "", ErrOAuthState
	}
	if _, err := s.store.SpendOAuthFlow(ctx, store.OAuthFlowState, f.TokenHash, s.now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return "", ErrOAuthState // another request spent it first
		}
		return "", err
	}
	if providerError != "" {
		return "", fmt.Errorf("%w (%.64s)", ErrOAuthDenied, providerError)
	}
	if code == "" || len(code) > 2048 {
		return "", fmt.Errorf("%w: no code", oauth.ErrCodeInvalid)
	}
	var sp statePayload
	if err := json.Unmarshal([]byte(f.Payload), &sp); err != nil {
		return "", fmt.Errorf("accounts: oauth state payload: %w", err)
	}
	id, err := p.Exchange(ctx, code, sp.Verifier, sp.Nonce)
	if err != nil {
		return "", err
	}
	if id.Subject == "" || len(id.Subject) > 255 {
		return "", fmt.Errorf("%w: no usable subject", oauth.ErrTokenInvalid)
	}
	id.Email = strings.TrimSpace(id.Email)
	if len(id.Email) > 254 {
		id.Email, id.EmailVerified = "", false
	}
	tp := ticketPayload{Identity: id}
	if _, err := s.store.OAuthIdentityBySubject(ctx, id.Provider, id.Subject); errors.Is(err, store.ErrNotFound) {
		if tp.LinkTo, err = s.accountOfEmail(ctx, id); err != nil {
			return "", err
		}
	} else if err != nil {
		return "", err
	}
	ticket, err := randomToken()
	if err != nil {
		return "", err
	}
	payload, _ := json.Marshal(tp)
	t := store.OAuthFlow{Kind: store.OAuthFlowTicket, TokenHash: HashToken(ticket), BindingHash: f.BindingHash,
		Provider: provider, Payload: string(payload), ExpiresAt: s.now().Add(s.opts.OAuthTTL)}
	if err := s.store.CreateOAuthFlow(ctx, &t); err != nil {
		return "", err
	}
	return ticket, nil
}

// accountOfEmail is the account a verified e-mail address may be linked
// to (its password still required): the oldest with that address, a
// verified one first; 0 when the address is unverified or nobody's.
func (s *Service) accountOfEmail(ctx context.Context, id oauth.Identity) (uint64, error) {
	if !id.EmailVerified || id.Email == "" {
		return 0, nil
	}
	us, err := s.store.UsersByEmail(ctx, id.Email, 10)
	if err != nil {
		return 0, err
	}
	var pick uint64
	for _, u := range us {
		if u.LeftAt != nil {
			continue
		}
		if u.Verified {
			return u.ID, nil
		}
		if pick == 0 {
			pick = u.ID
		}
	}
	return pick, nil
}

// ticket is the live ticket of this browser and its payload.
func (s *Service) ticket(ctx context.Context, ticket, binding string) (store.OAuthFlow, ticketPayload, error) {
	var tp ticketPayload
	f, err := s.liveFlow(ctx, store.OAuthFlowTicket, ticket, binding, ErrOAuthTicket)
	if err != nil {
		return f, tp, err
	}
	if err := json.Unmarshal([]byte(f.Payload), &tp); err != nil {
		return f, tp, fmt.Errorf("accounts: oauth ticket payload: %w", err)
	}
	return f, tp, nil
}

// OAuthClaim reads a ticket for the browser of binding. An identity linked
// to an account signs in (the ticket is spent, a session starts, as a
// password login's would); otherwise the outcome says which step comes
// next (OAuthLink or OAuthSignUp) and the ticket stays for it.
func (s *Service) OAuthClaim(ctx context.Context, ticket, binding string) (OAuthOutcome, error) {
	f, tp, err := s.ticket(ctx, ticket, binding)
	if err != nil {
		return OAuthOutcome{}, err
	}
	id := tp.Identity
	out := OAuthOutcome{Provider: id.Provider, Email: id.Email, EmailVerified: id.EmailVerified, Name: id.Name}
	linked, err := s.store.OAuthIdentityBySubject(ctx, id.Provider, id.Subject)
	switch {
	case errors.Is(err, store.ErrNotFound):
		out.Status = OAuthSignupRequired
		if tp.LinkTo != 0 {
			out.Status = OAuthLinkRequired
		}
		return out, nil
	case err != nil:
		return out, err
	}
	u, err := s.store.UserByID(ctx, linked.UserID)
	if err != nil {
		return out, err
	}
	if u.SuspendedAt != nil {
		return out, ErrSuspended
	}
	if _, err := s.store.SpendOAuthFlow(ctx, store.OAuthFlowTicket, f.TokenHash, s.now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return out, ErrOAuthTicket
		}
		return out, err
	}
	sess, err := s.startSession(ctx, u)
	if err != nil {
		return out, err
	}
	out.Status, out.Session = OAuthSignedIn, &sess
	return out, nil
}
