package store

import (
	"context"
	"errors"

	mysqldrv "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// orderTx runs fn in a transaction that first locks the order's row, so every
// change of one order (transitions, payment claims, settlements, refunds) is
// serialised on it. On MariaDB the lock is SELECT ... FOR UPDATE and a
// deadlock victim is retried a few times; SQLite transactions already take the
// write lock at BEGIN. A missing order is gorm.ErrRecordNotFound.
func (s *Store) orderTx(ctx context.Context, orderID uint64, fn func(tx *gorm.DB, o Order) error) error {
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		err = s.tx(ctx, func(tx *gorm.DB) error {
			q := tx
			if s.dialect == MySQL {
				q = q.Clauses(clause.Locking{Strength: "UPDATE"})
			}
			var o Order
			if err := q.Take(&o, orderID).Error; err != nil {
				return err
			}
			return fn(tx, o)
		})
		if !isDeadlock(err) {
			return err
		}
	}
	return err
}

// isDeadlock reports a MariaDB deadlock or lock wait timeout, after which the
// transaction was rolled back and may be run again.
func isDeadlock(err error) bool {
	var me *mysqldrv.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}
