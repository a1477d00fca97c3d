package ordering

import (
	"context"
	"math"
	"sync"
	"time"
	_ "time/tzdata" // Asia/Seoul on machines without a zone database

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// seoul is Korea's time zone, in which sales days and settlement months are
// counted; a fixed +09:00 when the zone database is missing (Korea has no DST).
var Seoul = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Seoul"); err == nil {
		return loc
	}
	return time.FixedZone("KST", 9*60*60)
})

// maxSalesDays bounds a sales report's range.
const maxSalesDays = 366

// SalesFigures are the money of a set of paid orders, in won.
type SalesFigures struct {
	Orders  int   `json:"orders"`
	Gross   int64 `json:"gross"`
	Refunds int64 `json:"refunds"`
	Net     int64 `json:"net"`
}

func (f *SalesFigures) add(r store.SaleRecord) {
	f.Orders++
	f.Gross += r.Total
	f.Refunds += r.Refunded
	f.Net = f.Gross - f.Refunds
}

type SalesDay struct {
	Date string `json:"date"`
	SalesFigures
}

type Sales struct {
	PochaID  uint64       `json:"pocha_id"`
	From     string       `json:"from"`
	To       string       `json:"to"`
	TimeZone string       `json:"time_zone"`
	Days     []SalesDay   `json:"days"`
	Totals   SalesFigures `json:"totals"`
}

// Sales reports a stall's paid orders per Korean day between from and to
// (YYYY-MM-DD, both included, at most 366 days). The caller has checked
// that the stall is theirs.
func (s *Service) Sales(ctx context.Context, p store.Pocha, fromDate, toDate string) (Sales, error) {
	loc := Seoul()
	var cs check.Fields
	from, errF := time.ParseInLocation(time.DateOnly, fromDate, loc)
	to, errT := time.ParseInLocation(time.DateOnly, toDate, loc)
	cs.Add(errF != nil, "from", "must be a date YYYY-MM-DD")
	cs.Add(errT != nil, "to", "must be a date YYYY-MM-DD")
	if errF == nil && errT == nil {
		cs.Add(to.Before(from), "to", "must not be before from")
		cs.Add(!to.Before(from.AddDate(0, 0, maxSalesDays)), "to", "the range may span at most 366 days")
	}
	if err := cs.Err(); err != nil {
		return Sales{}, err
	}
	end := to.AddDate(0, 0, 1)
	recs, err := s.store.SalesBetween(ctx, p.ID, from, end)
	if err != nil {
		return Sales{}, err
	}
	out := Sales{PochaID: p.ID, From: fromDate, To: toDate, TimeZone: loc.String(), Days: []SalesDay{}}
	index := map[string]int{}
	for d := from; d.Before(end); d = d.AddDate(0, 0, 1) {
		index[d.Format(time.DateOnly)] = len(out.Days)
		out.Days = append(out.Days, SalesDay{Date: d.Format(time.DateOnly)})
	}
	for _, r := range recs {
		if i, ok := index[r.PaidAt.In(loc).Format(time.DateOnly)]; ok {
			out.Days[i].add(r)
			out.Totals.add(r)
		}
	}
	return out, nil
}

// SettlementLine is one paid order in a monthly settlement.
type SettlementLine struct {
	OrderID uint64    `json:"order_id"`
	PaidAt  time.Time `json:"paid_at"`
	Status  string    `json:"status"`
	Gross   int64     `json:"gross"`
	Refund  int64     `json:"refund"`
	Fee     int64     `json:"fee"`
	Net     int64     `json:"net"`
}

type SettlementTotals struct {
	Orders  int   `json:"orders"`
	Gross   int64 `json:"gross"`
	Refunds int64 `json:"refunds"`
	Fees    int64 `json:"fees"`
	Payout  int64 `json:"payout"`
}

type Settlement struct {
	PochaID  uint64           `json:"pocha_id"`
	Month    string           `json:"month"`
	TimeZone string           `json:"time_zone"`
	FeeRate  float64          `json:"fee_rate"`
	Orders   []SettlementLine `json:"orders"`
	Totals   SettlementTotals `json:"totals"`
}

// OrderFee is the gateway fee of one order in won: rate × the amount kept
// (total − refund), rounded half up to the won. A fully refunded order has no fee.
func OrderFee(kept int64, rate float64) int64 {
	if kept <= 0 {
		return 0
	}
	ppm := int64(math.Round(rate * 1_000_000))
	return (kept*ppm + 500_000) / 1_000_000
}

// Settlement is a stall's monthly settlement (month YYYY-MM, a Korean
// calendar month): every order paid in the month, its refund, its fee and
// the payout. The caller has checked that the stall is theirs.
func (s *Service) Settlement(ctx context.Context, p store.Pocha, month string) (Settlement, error) {
	loc := Seoul()
	start, err := time.ParseInLocation("2006-01", month, loc)
	if err != nil || start.Year() < 2000 {
		return Settlement{}, check.Field("month", "must be a month YYYY-MM")
	}
	recs, err := s.store.SalesBetween(ctx, p.ID, start, start.AddDate(0, 1, 0))
	if err != nil {
		return Settlement{}, err
	}
	rate := s.opts.PaymentFeeRate
	out := Settlement{PochaID: p.ID, Month: month, TimeZone: loc.String(), FeeRate: rate, Orders: []SettlementLine{}}
	for _, r := range recs {
		l := SettlementLine{OrderID: r.OrderID, PaidAt: r.PaidAt.In(loc), Status: r.Status, Gross: r.Total, Refund: r.Refunded}
		l.Fee = OrderFee(r.Total-r.Refunded, rate)
		l.Net = l.Gross - l.Refund - l.Fee
		out.Orders = append(out.Orders, l)
		out.Totals.Orders++
		out.Totals.Gross += l.Gross
		out.Totals.Refunds += l.Refund
		out.Totals.Fees += l.Fee
	}
	out.Totals.Payout = out.Totals.Gross - out.Totals.Refunds - out.Totals.Fees
	return out, nil
}
