package handlers

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/store"
)

func TestOrderFeeRounding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kept int64
		rate float64
		want int64
	}{
		{8000, 0.033, 264}, // exact
		{8015, 0.033, 264}, // 264.495 rounds down
		{8050, 0.033, 266}, // 265.65 rounds up
		{1000, 0.0335, 34}, // 33.5: half rounds up
		{15, 0.033, 0},     // 0.495
		{0, 0.033, 0},      // fully refunded
		{-10, 0.033, 0},    // never negative
		{1_000_000, 0.033, 33_000},
	}
	for _, tc := range tests {
		if got := ordering.OrderFee(tc.kept, tc.rate); got != tc.want {
			t.Errorf("ordering.OrderFee(%d, %v) = %d, want %d", tc.kept, tc.rate, got, tc.want)
		}
	}
}

func TestSalesAndSettlement(t *testing.T) {
	t.Parallel()
	forEachPayBackend(t, func(t *testing.T, p *payAPI) {
		ctx := context.Background()
		p.pay(p.order(1))             // 8,000: fee 264
		p.pay(p.order(3))             // 24,000: fee 792
		refunded := p.pay(p.order(2)) // 16,000: refunded, no fee
		p.order(4)                    // never paid: not in the figures
		p.do("POST", "/api/v1/orders/"+itoa(refunded.ID)+"/cancel", p.cust, nil).mustStatus(t, 200)
		if n := p.srv.orders.ProcessRefunds(ctx, time.Now()); n != 1 {
			t.Fatal("refund not done")
		}

		today := time.Now().In(ordering.Seoul())
		month := today.Format("2006-01")
		var st ordering.Settlement
		p.do("GET", "/api/v1/pochas/"+itoa(p.pocha)+"/settlements/"+month, p.owner, nil).mustStatus(t, 200).decode(t, &st)
		want := ordering.SettlementTotals{Orders: 3, Gross: 48000, Refunds: 16000, Fees: 264 + 792, Payout: 48000 - 16000 - 1056}
		if st.Totals != want || len(st.Orders) != 3 || st.FeeRate != 0.033 || st.TimeZone != "Asia/Seoul" {
			t.Fatalf("settlement %+v, want totals %+v", st, want)
		}
		var sum int64
		for _, l := range st.Orders {
			sum += l.Net
			if l.OrderID == refunded.ID && (l.Refund != 16000 || l.Fee != 0 || l.Net != 0) {
				t.Fatalf("refunded line %+v", l)
			}
		}
		if sum != want.Payout {
			t.Fatalf("lines add up to %d, payout %d", sum, want.Payout)
		}

		res := p.do("GET", "/api/v1/pochas/"+itoa(p.pocha)+"/settlements/"+month, p.owner, nil, "Accept", "text/csv").mustStatus(t, 200)
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(res.Header.Get("Content-Disposition"), `attachment; filename="settlement-`+itoa(p.pocha)+"-"+month+`.csv"`) {
			t.Fatalf("csv headers %v", res.Header)
		}
		rows, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 5 || strings.Join(rows[0], ",") != "order_id,paid_at,status,gross,refund,fee,net" {
			t.Fatalf("csv %q", rows)
		}
		if total := rows[4]; total[0] != "total" || total[3] != "48000" || total[4] != "16000" || total[5] != "1056" || total[6] != "30944" {
			t.Fatalf("csv total row %q", total)
		}

		// Another month is empty; a malformed month is refused.
		var empty ordering.Settlement
		p.do("GET", "/api/v1/pochas/"+itoa(p.pocha)+"/settlements/2001-01", p.owner, nil).mustStatus(t, 200).decode(t, &empty)
		if empty.Totals.Orders != 0 || len(empty.Orders) != 0 {
			t.Fatalf("empty month %+v", empty)
		}
		p.do("GET", "/api/v1/pochas/"+itoa(p.pocha)+"/settlements/2026-13", p.owner, nil).mustStatus(t, 422)

		from := today.AddDate(0, 0, -1).Format(time.DateOnly)
		to := today.AddDate(0, 0, 1).Format(time.DateOnly)
		var sales ordering.Sales
		p.do("GET", "/api/v1/pochas/"+itoa(p.pocha)+"/sales?from="+from+"&to="+to, p.owner, nil).mustStatus(t, 200).decode(t, &sales)
		wantSales := ordering.SalesFigures{Orders: 3, Gross: 48000, Refunds: 16000, Net: 32000}
		if sales.Totals != wantSales || len(sales.Days) != 3 {
			t.Fatalf("sales %+v", sales)
		}
		var days ordering.SalesFigures
		for _, d := range sales.Days {
			days.Orders += d.Orders
			days.Gross += d.Gross
			days.Refunds += d.Refunds
		}
		if days.Orders != 3 || days.Gross != 48000 || days.Refunds != 16000 || sales.Days[1].Date != today.Format(time.DateOnly) {
			t.Fatalf("days %+v", sales.Days)
		}

		other, _ := p.signupLogin("owner2", "owner")
		p.do("GET", "/api/v1/pochas/"+itoa(p.pocha)+"/sales?from="+from+"&to="+to, other, nil).mustStatus(t, 403)
		p.do("GET", "/api/v1/pochas/"+itoa(p.pocha)+"/settlements/"+month, other, nil).mustStatus(t, 403)
		p.do("GET", "/api/v1/pochas/"+itoa(p.pocha)+"/sales?from="+from+"&to="+to, p.cust, nil).mustStatus(t, 403)
		for _, q := range []string{"from=2025-01-01&to=2026-06-01", "from=" + to + "&to=" + from, "from=yesterday&to=" + to} {
			p.do("GET", "/api/v1/pochas/"+itoa(p.pocha)+"/sales?"+q, p.owner, nil).mustStatus(t, 422)
		}
	})
}

// Days and months are Korean: an order paid at 23:30 KST on the last day of
// a month (14:30 UTC) belongs to that month, one paid at 00:00 KST on the
// first (15:00 UTC the day before) to the next, on both databases.
func TestSettlementMonthBoundaryInSeoul(t *testing.T) {
	t.Parallel()
	forEachPayBackend(t, func(t *testing.T, p *payAPI) {
		db := openRawDB(t, p.kind, p.dbURL)
		setPaid := func(id uint64, at time.Time) {
			t.Helper()
			if _, err := db.Exec("UPDATE orders SET paid_at = ? WHERE id = ?", at.UTC(), id); err != nil {
				t.Fatal(err)
			}
		}
		lastEvening := p.pay(p.order(1))   // 2026-03-31 23:30 KST: March
		firstMidnight := p.pay(p.order(2)) // 2026-04-01 00:00 KST: April
		marchFirst := p.pay(p.order(3))    // 2026-03-01 00:00 KST: March
		febLast := p.pay(p.order(4))       // 2026-02-28 23:59:59.999999 KST: February
		setPaid(lastEvening.ID, time.Date(2026, 3, 31, 14, 30, 0, 0, time.UTC))
		setPaid(firstMidnight.ID, time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC))
		setPaid(marchFirst.ID, time.Date(2026, 2, 28, 15, 0, 0, 0, time.UTC))
		setPaid(febLast.ID, time.Date(2026, 2, 28, 14, 59, 59, 999999000, time.UTC))

		month := func(m string) ordering.Settlement {
			t.Helper()
			var st ordering.Settlement
			p.do("GET", "/api/v1/pochas/"+itoa(p.pocha)+"/settlements/"+m, p.owner, nil).mustStatus(t, 200).decode(t, &st)
			return st
		}
		ids := func(st ordering.Settlement) []uint64 {
			var out []uint64
			for _, l := range st.Orders {
				out = append(out, l.OrderID)
			}
			return out
		}
		if got := ids(month("2026-03")); len(got) != 2 || got[0] != marchFirst.ID || got[1] != lastEvening.ID {
			t.Fatalf("March %v, want [%d %d]", got, marchFirst.ID, lastEvening.ID)
		}
		if got := ids(month("2026-04")); len(got) != 1 || got[0] != firstMidnight.ID {
			t.Fatalf("April %v, want [%d]", got, firstMidnight.ID)
		}
		if got := ids(month("2026-02")); len(got) != 1 || got[0] != febLast.ID {
			t.Fatalf("February %v, want [%d]", got, febLast.ID)
		}
		if l := month("2026-03").Orders[1]; l.PaidAt.Format(time.RFC3339) != "2026-03-31T23:30:00+09:00" {
			t.Fatalf("paid_at %s", l.PaidAt.Format(time.RFC3339))
		}
		var sales ordering.Sales
		p.do("GET", "/api/v1/pochas/"+itoa(p.pocha)+"/sales?from=2026-03-31&to=2026-04-01", p.owner, nil).mustStatus(t, 200).decode(t, &sales)
		if len(sales.Days) != 2 || sales.Days[0].Gross != 8000 || sales.Days[1].Gross != 16000 || sales.Totals.Orders != 2 {
			t.Fatalf("sales %+v", sales)
		}
	})
}

func TestSalesRangeRefusals(t *testing.T) {
	t.Parallel()
	p := newPayAPI(t, store.SQLite)
	for _, q := range []string{
		"from=2026-03-10&to=2026-03-09", // to one day before from
		"from=2026-03-10&to=2026-03-08",
		"from=2025-01-01&to=2026-01-02", // 367 days
		"from=2026-02-30&to=2026-03-01",
	} {
		if pr := p.do("GET", "/api/v1/pochas/"+itoa(p.pocha)+"/sales?"+q, p.owner, nil).mustStatus(t, 422).problem(t); pr.Code != "validation_failed" {
			t.Fatalf("%s: code %s", q, pr.Code)
		}
	}
	p.do("GET", "/api/v1/pochas/"+itoa(p.pocha)+"/sales?from=2025-01-01&to=2026-01-01", p.owner, nil).mustStatus(t, 200) // 366 days
	p.do("GET", "/api/v1/pochas/"+itoa(p.pocha)+"/sales?from=2026-03-10&to=2026-03-10", p.owner, nil).mustStatus(t, 200)
}
