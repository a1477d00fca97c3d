package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Device is a POS box paired with one stall. Its bearer token is stored only
// as a hash; a revoked device keeps its row (RevokedAt set) and no longer
// authenticates.
type Device struct {
	ID         uint64
	PochaID    uint64
	Name       string
	TokenHash  string
	CreatedAt  time.Time
	LastSeenAt *time.Time
	RevokedAt  *time.Time
}

// TableName is pos_devices.
func (Device) TableName() string { return "pos_devices" }

// PairingCode is a short, single-use code an owner makes to pair a box with
// a stall. Only its hash is stored.
type PairingCode struct {
	CodeHash  string `gorm:"primaryKey"`
	PochaID   uint64
	CreatedBy uint64
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

// TableName is pos_pairing_codes.
func (PairingCode) TableName() string { return "pos_pairing_codes" }

// DeviceAck records that a POS device showed an order.
type DeviceAck struct {
	OrderID  uint64 `gorm:"primaryKey;autoIncrement:false"`
	DeviceID uint64 `gorm:"primaryKey;autoIncrement:false"`
	AckedAt  time.Time
}

// CreatePairingCode stores a pairing code.
func (s *Store) CreatePairingCode(ctx context.Context, c *PairingCode) error {
	c.CreatedAt = s.now()
	return wrap("create pairing code", s.db.WithContext(ctx).Create(c).Error)
}

// PairDevice uses up the pairing code (unused and unexpired at now, else
// ErrNotFound) and creates the device of its stall, in one transaction: of
// two pairings with one code exactly one succeeds.
func (s *Store) PairDevice(ctx context.Context, codeHash string, now time.Time, d *Device) error {
	return wrap("pair device", s.tx(ctx, func(tx *gorm.DB) error {
		var c PairingCode
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("code_hash = ?", codeHash).Take(&c).Error; err != nil {
			return err
		}
		if c.UsedAt != nil || !now.Before(c.ExpiresAt) {
			return gorm.ErrRecordNotFound
		}
		res := tx.Model(&PairingCode{}).Where("code_hash = ? AND used_at IS NULL", codeHash).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return gorm.ErrRecordNotFound
		}
		d.PochaID, d.CreatedAt = c.PochaID, s.now()
		return tx.Create(d).Error
	}))
}

// DeviceByToken returns the unrevoked device whose token has this hash.
func (s *Store) DeviceByToken(ctx context.Context, tokenHash string) (Device, error) {
	var d Device
	err := s.db.WithContext(ctx).Where("token_hash = ? AND revoked_at IS NULL", tokenHash).Take(&d).Error
	return d, wrap("device by token", err)
}

// Devices lists a stall's unrevoked devices, oldest first.
func (s *Store) Devices(ctx context.Context, pochaID uint64) ([]Device, error) {
	var ds []Device
	err := s.db.WithContext(ctx).Where("pocha_id = ? AND revoked_at IS NULL", pochaID).Order("id").Find(&ds).Error
	return ds, wrap("devices", err)
}

// RevokeDevice revokes the stall's device; an unknown or already revoked one
// is ErrNotFound.
func (s *Store) RevokeDevice(ctx context.Context, pochaID, deviceID uint64) (Device, error) {
	res := s.db.WithContext(ctx).Model(&Device{}).Where("id = ? AND pocha_id = ? AND revoked_at IS NULL", deviceID, pochaID).
		Update("revoked_at", s.now())
	if res.Error != nil {
		return Device{}, wrap("revoke device", res.Error)
	}
	if res.RowsAffected == 0 {
		return Device{}, wrap("revoke device", gorm.ErrRecordNotFound)
	}
	var d Device
	return d, wrap("revoke device", s.db.WithContext(ctx).Take(&d, deviceID).Error)
}

// TouchDevice records when the device was last seen.
func (s *Store) TouchDevice(ctx context.Context, deviceID uint64, at time.Time) error {
	return wrap("touch device", s.db.WithContext(ctx).Model(&Device{}).Where("id = ?", deviceID).
		Update("last_seen_at", at.UTC()).Error)
}

// AckDeviceOrder records that the device showed the order, if the order is
// at the device's stall (else ErrNotFound). Acknowledging twice keeps the
// first time.
func (s *Store) AckDeviceOrder(ctx context.Context, orderID, deviceID uint64) error {
	var n int64
	err := s.db.WithContext(ctx).Table("orders").Joins("JOIN pos_devices ON pos_devices.pocha_id = orders.pocha_id").
		Where("orders.id = ? AND pos_devices.id = ? AND pos_devices.revoked_at IS NULL", orderID, deviceID).Count(&n).Error
	if err != nil {
		return wrap("ack device order", err)
	}
	if n == 0 {
		return wrap("ack device order", ErrNotFound)
	}
	ack := DeviceAck{OrderID: orderID, DeviceID: deviceID, AckedAt: s.now()}
	return wrap("ack device order", s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&ack).Error)
}

// UnackedDeviceOrders lists the orders the device's box should show and has
// not acknowledged: paid orders of its stall, and orders waiting to be paid
// at the stall, oldest first, at most limit.
func (s *Store) UnackedDeviceOrders(ctx context.Context, deviceID, pochaID uint64, limit int) ([]Order, error) {
	var ids []uint64
	err := s.db.WithContext(ctx).Table("orders").Select("orders.id").
		Where("orders.pocha_id = ?", pochaID).
		Where("orders.status = ? OR (orders.status = ? AND orders.pay_at_stall = ?)", OrderPaid, OrderPendingPayment, true).
		Where("NOT EXISTS (SELECT 1 FROM device_acks WHERE device_acks.order_id = orders.id AND device_acks.device_id = ?)", deviceID).
		Order("orders.id").Limit(limit).Pluck("orders.id", &ids).Error
	if err != nil {
		return nil, wrap("unacked device orders", err)
	}
	return s.ordersByIDs(ctx, ids)
}

// BindCardToken binds the hash of a card's POS token to the user's saved
// card (nil unbinds it). A token bound to another card is ErrConflict.
func (s *Store) BindCardToken(ctx context.Context, userID, methodID uint64, tokenHash *string) (PaymentMethod, error) {
	res := s.db.WithContext(ctx).Model(&PaymentMethod{}).Where("id = ? AND user_id = ?", methodID, userID).
		Updates(map[string]any{"card_token_hash": tokenHash, "updated_at": s.now()})
	if res.Error != nil {
		return PaymentMethod{}, wrap("bind card token", res.Error)
	}
	if res.RowsAffected == 0 {
		return PaymentMethod{}, wrap("bind card token", gorm.ErrRecordNotFound)
	}
	return s.PaymentMethodByID(ctx, userID, methodID)
}

// PaymentMethodByCardToken returns the saved card bound to the token hash.
func (s *Store) PaymentMethodByCardToken(ctx context.Context, tokenHash string) (PaymentMethod, error) {
	var m PaymentMethod
	err := s.db.WithContext(ctx).Where("card_token_hash = ?", tokenHash).Take(&m).Error
	return m, wrap("payment method by card token", err)
}
