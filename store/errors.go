package store

import (
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// Sentinel errors. Callers test them with errors.Is; handlers map them to HTTP.
var (
	// ErrNotFound: no such record, or not one the caller may see.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a unique value is taken (e.g. a login id).
	ErrConflict = errors.New("store: conflict")
	// ErrInvalidRef: a referenced record (e.g. an image id) does not exist.
	ErrInvalidRef = errors.New("store: invalid reference")
)

// wrap turns GORM's errors into the store's sentinels, with context.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("store: %s: %w", op, ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("store: %s: %w", op, ErrConflict)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return fmt.Errorf("store: %s: %w", op, ErrInvalidRef)
	case unavailable(err):
		return fmt.Errorf("store: %s: %w: %w", op, ErrUnavailable, err)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}
