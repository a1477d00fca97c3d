package handlers

import (
	"bytes"
	"encoding/csv"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
	_ "time/tzdata" // Asia/Seoul on machines without a zone database

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// seoul is Korea's time zone, in which sales days and settlement months are
// counted; a fixed +09:00 when the zone database is missing (Korea has no DST).
var seoul = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Seoul"); err == nil {
		return loc
	}
	return time.FixedZone("KST", 9*60*60)
})

// maxSalesDays bounds a sales report's range.
const maxSalesDays = 366

// salesFigures are the money of a set of paid orders, in won.
type salesFigures struct {
	Orders  int   `json:"orders"`
	Gross   int64 `json:"gross"`
	Refunds int64 `json:"refunds"`
	Net     int64 `json:"net"`
}

func (f *salesFigures) add(r store.SaleRecord) {
	f.Orders++
	f.Gross += r.Total
	f.Refunds += r.Refunded
	f.Net = f.Gross - f.Refunds
}

type salesDay struct {
	Date string `json:"date"`
	salesFigures
}

type salesResponse struct {
	PochaID  uint64       `json:"pocha_id"`
	From     string       `json:"from"`
	To       string       `json:"to"`
	TimeZone string       `json:"time_zone"`
	Days     []salesDay   `json:"days"`
	Totals   salesFigures `json:"totals"`
}

// sales reports a stall's paid orders per Korean day between from and to
// (both included).
func (s *Server) sales(c *gin.Context) {
	p, ok := s.ownPocha(c)
	if !ok {
		return
	}
	loc := seoul()
	var cs check.Fields
	from, errF := time.ParseInLocation(time.DateOnly, c.Query("from"), loc)
	to, errT := time.ParseInLocation(time.DateOnly, c.Query("to"), loc)
	cs.Add(errF != nil, "from", "must be a date YYYY-MM-DD")
	cs.Add(errT != nil, "to", "must be a date YYYY-MM-DD")
	if errF == nil && errT == nil {
		cs.Add(to.Before(from), "to", "must not be before from")
		cs.Add(!to.Before(from.AddDate(0, 0, maxSalesDays)), "to", "the range may span at most 366 days")
	}
	if err := cs.Err(); err != nil {
		fail(c, err)
		return
	}
	end := to.AddDate(0, 0, 1)
	recs, err := s.store.SalesBetween(c.Request.Context(), p.ID, from, end)
	if err != nil {
		fail(c, err)
		return
	}
	out := salesResponse{PochaID: p.ID, From: c.Query("from"), To: c.Query("to"), TimeZone: loc.String(), Days: []salesDay{}}
	index := map[string]int{}
	for d := from; d.Before(end); d = d.AddDate(0, 0, 1) {
		index[d.Format(time.DateOnly)] = len(out.Days)
		out.Days = append(out.Days, salesDay{Date: d.Format(time.DateOnly)})
	}
	for _, r := range recs {
		if i, ok := index[r.PaidAt.In(loc).Format(time.DateOnly)]; ok {
			out.Days[i].add(r)
			out.Totals.add(r)
		}
	}
	c.JSON(http.StatusOK, out)
}

// settlementLine is one paid order in a monthly settlement.
type settlementLine struct {
	OrderID uint64    `json:"order_id"`
	PaidAt  time.Time `json:"paid_at"`
	Status  string    `json:"status"`
	Gross   int64     `json:"gross"`
	Refund  int64     `json:"refund"`
	Fee     int64     `json:"fee"`
	Net     int64     `json:"net"`
}

type settlementTotals struct {
	Orders  int   `json:"orders"`
	Gross   int64 `json:"gross"`
	Refunds int64 `json:"refunds"`
	Fees    int64 `json:"fees"`
	Payout  int64 `json:"payout"`
}

type settlementResponse struct {
	PochaID  uint64           `json:"pocha_id"`
	Month    string           `json:"month"`
	TimeZone string           `json:"time_zone"`
	FeeRate  float64          `json:"fee_rate"`
	Orders   []settlementLine `json:"orders"`
	Totals   settlementTotals `json:"totals"`
}

// orderFee is the gateway fee of one order in won: rate × the amount kept
// (total − refund), rounded half up to the won. A fully refunded order has no fee.
func orderFee(kept int64, rate float64) int64 {
	if kept <= 0 {
		return 0
	}
	ppm := int64(math.Round(rate * 1_000_000))
	return (kept*ppm + 500_000) / 1_000_000
}

// settlement is a stall's monthly settlement (Korean calendar month): every
// order paid in the month, its refund, its fee and the payout.
func (s *Server) settlement(c *gin.Context) {
	p, ok := s.ownPocha(c)
	if !ok {
		return
	}
	loc := seoul()
	month := c.Param("month")
	start, err := time.ParseInLocation("2006-01", month, loc)
	if err != nil || start.Year() < 2000 {
		fail(c, validationError([]FieldError{{Field: "month", Message: "must be a month YYYY-MM"}}))
		return
	}
	recs, err := s.store.SalesBetween(c.Request.Context(), p.ID, start, start.AddDate(0, 1, 0))
	if err != nil {
		fail(c, err)
		return
	}
	out := settlementResponse{PochaID: p.ID, Month: month, TimeZone: loc.String(), FeeRate: s.opts.PaymentFeeRate, Orders: []settlementLine{}}
	for _, r := range recs {
		l := settlementLine{OrderID: r.OrderID, PaidAt: r.PaidAt.In(loc), Status: r.Status, Gross: r.Total, Refund: r.Refunded}
		l.Fee = orderFee(r.Total-r.Refunded, s.opts.PaymentFeeRate)
		l.Net = l.Gross - l.Refund - l.Fee
		out.Orders = append(out.Orders, l)
		out.Totals.Orders++
		out.Totals.Gross += l.Gross
		out.Totals.Refunds += l.Refund
		out.Totals.Fees += l.Fee
	}
	out.Totals.Payout = out.Totals.Gross - out.Totals.Refunds - out.Totals.Fees
	if c.NegotiateFormat(gin.MIMEJSON, "text/csv") == "text/csv" {
		writeSettlementCSV(c, out)
		return
	}
	c.JSON(http.StatusOK, out)
}

// writeSettlementCSV answers the settlement as a CSV attachment: a header
// row, one row per order, and a total row.
func writeSettlementCSV(c *gin.Context, st settlementResponse) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	_ = w.Write([]string{"order_id", "paid_at", "status", "gross", "refund", "fee", "net"})
	for _, l := range st.Orders {
		_ = w.Write([]string{itoa(l.OrderID), l.PaidAt.Format(time.RFC3339), l.Status, i64(l.Gross), i64(l.Refund), i64(l.Fee), i64(l.Net)})
	}
	t := st.Totals
	_ = w.Write([]string{"total", "", strconv.Itoa(t.Orders) + " orders", i64(t.Gross), i64(t.Refunds), i64(t.Fees), i64(t.Payout)})
	w.Flush()
	c.Header("Content-Disposition", `attachment; filename="settlement-`+itoa(st.PochaID)+"-"+st.Month+`.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
