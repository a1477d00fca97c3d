package handlers

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/limit"
)

// rates are the budgets of requests that cost us work or storage whatever
// their outcome: the gateway webhook per source address (each call asks the
// gateway), and each kind of write per signed-in user. Every request takes a
// token; none is given back. With Deps.Limits they are kept in Redis, one
// budget for every instance.
type rates struct {
	webhook *limit.Attempts
	writes  *limit.Attempts
}

func newRates(o Options, shared *limit.Shared) rates {
	return rates{
		webhook: limit.New(o.WebhookRate, time.Minute/time.Duration(o.WebhookRate)).Share(shared, "webhook"),
		writes:  limit.New(o.WritesPerMinute, time.Minute/time.Duration(o.WritesPerMinute)).Share(shared, "writes"),
	}
}

// limitWebhook spends the source address's webhook budget; past it, 429.
func (s *Server) limitWebhook(c *gin.Context) {
	if _, ok, retry := s.rates.webhook.Take(time.Now(), "webhook:"+c.ClientIP()); !ok {
		tooMany(c, "rate_limited", "요청이 너무 잦습니다. 잠시 후 다시 보내세요 (too many webhook calls from this address; wait and retry)", retry)
		return
	}
	c.Next()
}

// limitWrites spends the signed-in user's budget of writes of one kind
// (uploads, orders, reviews, payment methods); past it, 429 too_many_writes.
// Only use it behind requireUser.
func (s *Server) limitWrites(kind string) gin.HandlerFunc {
	return func(c *gin.Context) {
		key := kind + ":" + strconv.FormatUint(currentUser(c).ID, 10)
		if _, ok, retry := s.rates.writes.Take(time.Now(), key); !ok {
			tooMany(c, "too_many_writes", "요청이 너무 잦습니다. 잠시 후 다시 시도하세요 (too many writes of this kind; wait and try again)", retry)
			return
		}
		c.Next()
	}
}

// tooMany answers 429 with a Retry-After of at least a second.
func tooMany(c *gin.Context, code, detail string, retry time.Duration) {
	ae := errorf(429, code, detail)
	ae.retryAfter = max(1, int(retry.Seconds()+0.5))
	fail(c, ae)
}
