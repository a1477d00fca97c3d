package handlers

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/illuwa/illuwa/handlers/pochas"
)

// cardRefreshCollector exports the background reads of the cards' cache
// (pochas.Service.CardRefreshStats) as illuwa_card_refresh_total by result.
type cardRefreshCollector struct {
	desc  *prometheus.Desc
	stats func() pochas.CardRefreshStats
}

func newCardRefreshCollector(stats func() pochas.CardRefreshStats) cardRefreshCollector {
	return cardRefreshCollector{stats: stats, desc: prometheus.NewDesc("illuwa_card_refresh_total",
		"Background refreshes of the cards' cache by result: queued (cards), full (cards not queued, the queue full), "+
			"read (reads of a batch), failed, kept (unchanged, extended), replaced (changed), gone (let go of meanwhile).",
		[]string{"result"}, nil)}
}

func (c cardRefreshCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c cardRefreshCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.stats()
	for _, r := range []struct {
		result string
		n      uint64
	}{{"queued", st.Queued}, {"full", st.Full}, {"read", st.Reads}, {"failed", st.Failed},
		{"kept", st.Kept}, {"replaced", st.Replaced}, {"gone", st.Gone}} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(r.n), r.result)
	}
}
