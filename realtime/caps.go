package realtime

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// CodeTooManyConnections is the code of a WebSocket handshake refused
// because a connection cap is reached (HTTP 429, see Options.MaxConns).
const CodeTooManyConnections = "too_many_connections"

// The caps a refused handshake names in its "limit" field and in
// illuwa_ws_connections_refused_total{limit}.
const (
	LimitUser     = "user"
	LimitAddress  = "address"
	LimitInstance = "instance"
)

// connCaps counts this instance's connections, in total, per user and per
// client address; Hub.mu guards it. A place is taken before the upgrade and
// given back when the connection ends (or the upgrade fails).
type connCaps struct {
	total   int
	perUser map[uint64]int
	perAddr map[string]int
	refused *prometheus.CounterVec
}

func newConnCaps() connCaps {
	return connCaps{perUser: map[uint64]int{}, perAddr: map[string]int{},
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "illuwa_ws_connections_refused_total",
			Help: "WebSocket handshakes refused with 429 too_many_connections, by the cap reached: user, address or instance.",
		}, []string{"limit"})}
}

// reserve takes a place for a connection of who, or names the cap that is
// reached. An anonymous connection has no user cap; an empty Addr no
// address cap.
func (h *Hub) reserve(who Identity) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := &h.caps
	switch {
	case who.UserID != 0 && c.perUser[who.UserID] >= h.opts.MaxConnsPerUser:
		return LimitUser
	case who.Addr != "" && c.perAddr[who.Addr] >= h.opts.MaxConnsPerAddr:
		return LimitAddress
	case c.total >= h.opts.MaxConns:
		return LimitInstance
	}
	c.total++
	if who.UserID != 0 {
		c.perUser[who.UserID]++
	}
	if who.Addr != "" {
		c.perAddr[who.Addr]++
	}
	return ""
}

// release gives back the place reserve took.
func (h *Hub) release(who Identity) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := &h.caps
	c.total--
	if who.UserID != 0 {
		if c.perUser[who.UserID]--; c.perUser[who.UserID] <= 0 {
			delete(c.perUser, who.UserID)
		}
	}
	if who.Addr != "" {
		if c.perAddr[who.Addr]--; c.perAddr[who.Addr] <= 0 {
			delete(c.perAddr, who.Addr)
		}
	}
}

// connCount is the number of places taken.
func (h *Hub) connCount() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.caps.total
}

// refuseTooMany answers a handshake past a cap: 429, a Retry-After, and a
// JSON body with the code and the cap, before any upgrade.
func (h *Hub) refuseTooMany(w http.ResponseWriter, limit string) {
	h.caps.refused.WithLabelValues(limit).Inc()
	body, _ := json.Marshal(struct {
		Code    string `json:"code"`
		Limit   string `json:"limit"`
		Message string `json:"message"`
	}{CodeTooManyConnections, limit, fmt.Sprintf("too many WebSocket connections (per %s); close one or try again later", limit)})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", strconv.Itoa(30))
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write(body)
}
