package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// TestDatabaseDownIsUnavailable stops the database under an open store: its
// calls fail with ErrUnavailable (not a generic error), and work again once
// the database is back.
func TestDatabaseDownIsUnavailable(t *testing.T) {
	m := storetest.StartMariaDB(t, "illuwa_fault")
	ctx := context.Background()
	s, err := store.Open(ctx, m.URL("illuwa_fault"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OrderByID(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("before the outage: %v, want ErrNotFound", err)
	}
	m.Stop()
	_, err = s.OrderByID(ctx, 1)
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("database stopped: %v, want ErrUnavailable", err)
	}
	m.Start()
	for i := 0; ; i++ {
		_, err = s.OrderByID(ctx, 1)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if i == 100 || !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("database back: %v, want ErrNotFound", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
