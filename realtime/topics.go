package realtime

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

// userTopic is the broker topic of one user's pushes.
func userTopic(userID uint64) string { return "user:" + strconv.FormatUint(userID, 10) }

// addToTopicLocked lists c under topic. h.mu held for writing.
func (h *Hub) addToTopicLocked(c *conn, topic string) {
	set, ok := h.topics[topic]
	if !ok {
		set = make(map[*conn]struct{}, 1)
		h.topics[topic] = set
	}
	set[c] = struct{}{}
}

// removeFromTopicLocked unlists c from topic. h.mu held for writing.
func (h *Hub) removeFromTopicLocked(c *conn, topic string) {
	set := h.topics[topic]
	delete(set, c)
	if len(set) == 0 {
		delete(h.topics, topic)
	}
}

// setTopicsLocked makes topics the watch topics of c and returns the topics
// whose local membership changed. h.mu held for writing.
func (h *Hub) setTopicsLocked(c *conn, topics []string) []string {
	want := make(map[string]struct{}, len(topics))
	for _, t := range topics {
		want[t] = struct{}{}
	}
	var changed []string
	kept := c.topics[:0:0]
	for _, t := range c.topics {
		if _, ok := want[t]; ok {
			delete(want, t)
			kept = append(kept, t)
			continue
		}
		h.removeFromTopicLocked(c, t)
		changed = append(changed, t)
	}
	for _, t := range topics {
		if _, ok := want[t]; !ok {
			continue // kept, or a duplicate already added
		}
		delete(want, t)
		t = h.internTopicLocked(t)
		kept = append(kept, t)
		h.addToTopicLocked(c, t)
		changed = append(changed, t)
	}
	if len(kept) == 0 {
		kept = nil
	}
	c.topics = kept
	return changed
}

// internTopicLocked returns a stored copy of topic when one exists, so that
// thousands of watchers of one area share the topic strings.
func (h *Hub) internTopicLocked(topic string) string {
	for c := range h.topics[topic] {
		for _, t := range c.topics {
			if t == topic {
				return t
			}
		}
		break
	}
	return topic
}

// syncTopics subscribes the broker to those of topics that local
// connections need and unsubscribes those that none needs any more. Calls
// are serialised, so the broker's subscriptions always converge to the
// hub's topic table. A failed call is not undone in the table: a broker
// keeps the subscriptions it was asked for and restores them after a
// reconnect (followed by Resync), and a later change retries.
func (h *Hub) syncTopics(ctx context.Context, topics []string) error {
	if len(topics) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, h.opts.WriteTimeout)
	defer cancel()
	h.subMu.Lock()
	defer h.subMu.Unlock()
	var add, remove []string
	h.mu.RLock()
	for _, t := range topics {
		want := len(h.topics[t]) > 0
		_, have := h.subscribed[t] // guarded by subMu
		switch {
		case want && !have:
			add = append(add, t)
			h.subscribed[t] = struct{}{}
		case !want && have:
			remove = append(remove, t)
			delete(h.subscribed, t)
		}
	}
	h.mu.RUnlock()
	var errs []error
	if len(add) > 0 {
		if err := h.broker.Subscribe(ctx, add...); err != nil {
			errs = append(errs, err)
		}
	}
	if len(remove) > 0 {
		if err := h.broker.Unsubscribe(ctx, remove...); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("realtime: sync topics: %w", err)
	}
	return nil
}
