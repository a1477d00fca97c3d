package handlers

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/ordering"
)

// sales reports a stall's paid orders per Korean day between from and to
// (both included).
func (s *Server) sales(c *gin.Context) {
	p, ok := s.ownPocha(c)
	if !ok {
		return
	}
	out, err := s.orders.Sales(c.Request.Context(), p, c.Query("from"), c.Query("to"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// settlement is a stall's monthly settlement, as JSON or (Accept: text/csv) CSV.
func (s *Server) settlement(c *gin.Context) {
	p, ok := s.ownPocha(c)
	if !ok {
		return
	}
	out, err := s.orders.Settlement(c.Request.Context(), p, c.Param("month"))
	if err != nil {
		fail(c, err)
		return
	}
	if c.NegotiateFormat(gin.MIMEJSON, "text/csv") == "text/csv" {
		writeSettlementCSV(c, out)
		return
	}
	c.JSON(http.StatusOK, out)
}

// writeSettlementCSV answers the settlement as a CSV attachment: a header
// row, one row per order, and a total row.
func writeSettlementCSV(c *gin.Context, st ordering.Settlement) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	_ = w.Write([]string{"order_id", "paid_at", "status", "gross", "refund", "fee", "net"})
	for _, l := range st.Orders {
		_ = w.Write([]string{strconv.FormatUint(l.OrderID, 10), l.PaidAt.Format(time.RFC3339), l.Status, i64(l.Gross), i64(l.Refund), i64(l.Fee), i64(l.Net)})
	}
	t := st.Totals
	_ = w.Write([]string{"total", "", strconv.Itoa(t.Orders) + " orders", i64(t.Gross), i64(t.Refunds), i64(t.Fees), i64(t.Payout)})
	w.Flush()
	c.Header("Content-Disposition", `attachment; filename="settlement-`+strconv.FormatUint(st.PochaID, 10)+"-"+st.Month+`.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
