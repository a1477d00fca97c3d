package pochas

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// BenchmarkAppendCards reads 51 cached cards of 10,000, as one answer of
// GET /pochas/nearby does:
//
//	go test -run '^$' -bench AppendCards -benchmem ./handlers/pochas/
func BenchmarkAppendCards(b *testing.B) {
	st := storetest.Open(b, store.SQLite)
	svc := New(Deps{Store: st})
	ctx := context.Background()
	rows := make([]store.Pocha, 10_000)
	for i := range rows {
		rows[i] = store.Pocha{ID: uint64(i + 1), Category: "tteokbokki"}
	}
	svc.cardsOf(ctx, rows)
	rng := rand.New(rand.NewPCG(1, 2))
	sets := make([][]uint64, 1024)
	for i := range sets {
		for range 51 {
			sets[i] = append(sets[i], uint64(rng.IntN(len(rows))+1))
		}
	}
	var dst []Card
	i := 0
	for b.Loop() {
		dst = svc.AppendCards(ctx, dst[:0], sets[i%len(sets)])
		i++
	}
	if len(dst) != 51 || dst[0].Category != "tteokbokki" {
		b.Fatalf("cards %+v", dst)
	}
}
