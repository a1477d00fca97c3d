package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// OAuthIdentity links an account at an OAuth2 / OpenID Connect provider
// (provider and its subject, unique together) to a user. Email is the
// address the provider gave when it was linked, EmailVerified whether the
// provider vouched for it.
type OAuthIdentity struct {
	ID            uint64
	Provider      string
	Subject       string
	UserID        uint64
	Email         string
	EmailVerified bool
	CreatedAt     time.Time
}

// TableName is oauth_identities.
func (OAuthIdentity) TableName() string { return "oauth_identities" }

// The kinds of OAuthFlow record.
const (
	OAuthFlowState  = "state"  // a sign-in started: its state, PKCE verifier and nonce
	OAuthFlowTicket = "ticket" // a provider's answer, waiting for the browser to claim it
)

// OAuthFlow is a short-lived, single-use record of a sign-in in progress,
// bound to one browser: only the SHA-256 of its token and of the browser's
// binding cookie are stored. Payload is the flow's own JSON.
type OAuthFlow struct {
	ID          uint64
	Kind        string
	TokenHash   string
	BindingHash string
	Provider    string
	Payload     string
	ExpiresAt   time.Time
	UsedAt      *time.Time
	CreatedAt   time.Time
}

// TableName is oauth_flows.
func (OAuthFlow) TableName() string { return "oauth_flows" }

// CreateOAuthFlow stores f (its ID set), and drops records that expired
// more than an hour ago.
func (s *Store) CreateOAuthFlow(ctx context.Context, f *OAuthFlow) error {
	f.CreatedAt = s.now()
	f.ExpiresAt = f.ExpiresAt.UTC()
	db := s.db.WithContext(ctx)
	if err := db.Where("expires_at < ?", f.CreatedAt.Add(-time.Hour)).Delete(&OAuthFlow{}).Error; err != nil {
		return wrap("prune oauth flows", err)
	}
	return wrap("create oauth flow", db.Create(f).Error)
}

// LiveOAuthFlow returns the unused, unexpired record of that kind and token
// hash, or ErrNotFound.
func (s *Store) LiveOAuthFlow(ctx context.Context, kind, hash string, now time.Time) (OAuthFlow, error) {
	var f OAuthFlow
	err := s.db.WithContext(ctx).Where("kind = ? AND token_hash = ? AND used_at IS NULL AND expires_at > ?", kind, hash, now.UTC()).Take(&f).Error
	return f, wrap("oauth flow", err)
}

// SpendOAuthFlow marks the live record of that kind and token hash used and
// returns it; ErrNotFound when it is unknown, expired or already spent (of
// two requests spending one record, one gets it).
func (s *Store) SpendOAuthFlow(ctx context.Context, kind, hash string, now time.Time) (OAuthFlow, error) {
	var f OAuthFlow
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		f, err = spendFlow(tx, kind, hash, now)
		return err
	})
	return f, wrap("spend oauth flow", err)
}

func spendFlow(tx *gorm.DB, kind, hash string, now time.Time) (OAuthFlow, error) {
	var f OAuthFlow
	if err := tx.Where("kind = ? AND token_hash = ? AND used_at IS NULL AND expires_at > ?", kind, hash, now.UTC()).Take(&f).Error; err != nil {
		return f, err
	}
	res := tx.Model(&OAuthFlow{}).Where("id = ? AND used_at IS NULL", f.ID).Update("used_at", now.UTC())
	if res.Error != nil {
		return f, res.Error
	}
	if res.RowsAffected == 0 {
		return f, gorm.ErrRecordNotFound
	}
	return f, nil
}

// OAuthIdentityBySubject returns the identity of that provider and subject,
// or ErrNotFound.
func (s *Store) OAuthIdentityBySubject(ctx context.Context, provider, subject string) (OAuthIdentity, error) {
	var id OAuthIdentity
	err := s.db.WithContext(ctx).Where("provider = ? AND subject = ?", provider, subject).Take(&id).Error
	return id, wrap("oauth identity", err)
}

// OAuthIdentities lists the user's linked identities, oldest first.
func (s *Store) OAuthIdentities(ctx context.Context, userID uint64) ([]OAuthIdentity, error) {
	var ids []OAuthIdentity
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("id").Find(&ids).Error
	return ids, wrap("oauth identities", err)
}

// LinkOAuthIdentity spends the ticket and stores the identity (its ID and
// creation time set) in one transaction: a ticket not live is ErrNotFound,
// an identity already linked ErrConflict, and either changes nothing.
func (s *Store) LinkOAuthIdentity(ctx context.Context, ticketHash string, id *OAuthIdentity, now time.Time) error {
	return wrap("link oauth identity", s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := spendFlow(tx, OAuthFlowTicket, ticketHash, now); err != nil {
			return err
		}
		id.CreatedAt = s.now()
		return tx.Create(id).Error
	}))
}

// CreateOAuthUser spends the ticket, creates the user and links the
// identity to it in one transaction (u.ID and id.UserID set). A ticket not
// live is ErrNotFound; a taken login id or an identity already linked is
// ErrConflict; either changes nothing.
func (s *Store) CreateOAuthUser(ctx context.Context, ticketHash string, u *User, id *OAuthIdentity, now time.Time) error {
	return wrap("create oauth user", s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := spendFlow(tx, OAuthFlowTicket, ticketHash, now); err != nil {
			return err
		}
		if err := tx.Create(u).Error; err != nil {
			return err
		}
		id.UserID = u.ID
		id.CreatedAt = s.now()
		return tx.Create(id).Error
	}))
}
