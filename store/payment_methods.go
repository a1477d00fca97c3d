package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// PaymentMethod is a customer's saved card: the gateway's billing key, the
// brand and the masked number only — never the full number or the CVC.
type PaymentMethod struct {
	ID           uint64
	UserID       uint64
	Brand        string
	MaskedNumber string
	BillingKey   string
	Nickname     string
	// CardTokenHash is the hash of the opaque token a POS box reads from the
	// card (pay at the stall); nil when no card is bound.
	CardTokenHash *string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// CreatePaymentMethod stores a saved card and sets its ID.
func (s *Store) CreatePaymentMethod(ctx context.Context, m *PaymentMethod) error {
	return wrap("create payment method", s.db.WithContext(ctx).Create(m).Error)
}

// PaymentMethods lists a user's saved cards, oldest first.
func (s *Store) PaymentMethods(ctx context.Context, userID uint64) ([]PaymentMethod, error) {
	var ms []PaymentMethod
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("id").Find(&ms).Error
	return ms, wrap("payment methods", err)
}

// PaymentMethodByID returns the user's saved card; another user's is ErrNotFound.
func (s *Store) PaymentMethodByID(ctx context.Context, userID, id uint64) (PaymentMethod, error) {
	var m PaymentMethod
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Take(&m, id).Error
	return m, wrap("payment method", err)
}

// RenamePaymentMethod sets the nickname of the user's saved card.
func (s *Store) RenamePaymentMethod(ctx context.Context, userID, id uint64, nickname string) (PaymentMethod, error) {
	res := s.db.WithContext(ctx).Model(&PaymentMethod{}).Where("id = ? AND user_id = ?", id, userID).
		Updates(map[string]any{"nickname": nickname, "updated_at": s.now()})
	if res.Error == nil && res.RowsAffected == 0 {
		return PaymentMethod{}, wrap("rename payment method", gorm.ErrRecordNotFound)
	}
	if res.Error != nil {
		return PaymentMethod{}, wrap("rename payment method", res.Error)
	}
	return s.PaymentMethodByID(ctx, userID, id)
}

// DeletePaymentMethod removes the user's saved card.
func (s *Store) DeletePaymentMethod(ctx context.Context, userID, id uint64) error {
	res := s.db.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID).Delete(&PaymentMethod{})
	if res.Error == nil && res.RowsAffected == 0 {
		return wrap("delete payment method", gorm.ErrRecordNotFound)
	}
	return wrap("delete payment method", res.Error)
}
