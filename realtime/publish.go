package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// PublishPocha publishes a stall event to topics (the topics of the cells
// the stall left and entered; duplicates are ignored). Every instance
// delivers it to its watchers whose circle it concerns, exactly once per
// watcher. ev.Type must be TypePochaMoved, TypePochaOpened or
// TypePochaClosed. The index must already hold the new state.
func (h *Hub) PublishPocha(ctx context.Context, ev PochaEvent, topics []string) error {
	if h.broker == nil {
		return errors.New("realtime: publish pocha: no broker set")
	}
	kind, ok := kindOf(ev.Type)
	if !ok {
		return fmt.Errorf("realtime: publish pocha: unknown event type %q", ev.Type)
	}
	if kind != kindClosed {
		ev.Reason = ""
	}
	at := ev.At.UTC()
	msg := PochaMessage{
		Type: ev.Type, ID: ev.ID, Name: ev.Name, Lat: ev.Lat, Lng: ev.Lng,
		At: at, Reason: ev.Reason, ServerTime: now(),
	}
	// The header and the JSON (written as encoding/json would) in one new
	// slice: the broker keeps the payload, so it is never reused.
	payload := appendHeader(make([]byte, 0, headerSize+pochaJSONSize(&msg)), kind, ev.ID, ev.Lat, ev.Lng, at.UnixNano())
	payload, ok = appendPochaJSON(payload, &msg)
	if !ok {
		// What encoding/json refuses (a coordinate not finite, a year out
		// of range): its error.
		js, err := json.Marshal(msg)
		if err != nil {
			return fmt.Errorf("realtime: publish pocha: %w", err)
		}
		payload = encodeEnvelope(kind, ev.ID, ev.Lat, ev.Lng, at.UnixNano(), js)
	}
	if err := h.publishTopics(ctx, dedupTopics(topics), payload); err != nil {
		return fmt.Errorf("realtime: publish pocha %d: %w", ev.ID, err)
	}
	return nil
}

// publishTopics sends payload to each topic in order: in one call when the
// broker is a MultiPublisher, else one Publish per topic.
func (h *Hub) publishTopics(ctx context.Context, topics []string, payload []byte) error {
	if mp, ok := h.broker.(MultiPublisher); ok {
		return mp.PublishTopics(ctx, topics, payload)
	}
	var errs []error
	for _, t := range topics {
		if err := h.broker.Publish(ctx, t, payload); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// dedupTopics returns topics without repeats, first occurrences in order.
// The slice is reused when it has no repeats (the usual case).
func dedupTopics(topics []string) []string {
	for i := 1; i < len(topics); i++ {
		if slices.Contains(topics[:i], topics[i]) {
			out := slices.Clone(topics[:i])
			for _, t := range topics[i:] {
				if !slices.Contains(out, t) {
					out = append(out, t)
				}
			}
			return out
		}
	}
	return topics
}

// EndSession closes, on every instance, the connections of userID that were
// opened with the given session (the login was revoked), with close code
// 1008. Other connections of the user stay open.
func (h *Hub) EndSession(ctx context.Context, userID uint64, session string) error {
	if h.broker == nil {
		return errors.New("realtime: end session: no broker set")
	}
	if session == "" {
		return nil
	}
	payload := encodeEnvelope(kindEndSession, userID, 0, 0, now().UnixNano(), []byte(session))
	if err := h.broker.Publish(ctx, userTopic(userID), payload); err != nil {
		return fmt.Errorf("realtime: end session of user %d: %w", userID, err)
	}
	return nil
}

// PublishUser pushes a message to every connection of userID on every
// instance. It never blocks: the push is queued and published in the
// background, in order per user; a full queue drops it and returns
// ErrPushQueueFull. Every push that is not sent (queue full, broker error)
// is counted in illuwa_push_failed_total. msgType is TypeOrderCreated or TypeOrderUpdated (body is the
// order) or TypeNotification (body is the notification); body must encode
// as a JSON object.
func (h *Hub) PublishUser(ctx context.Context, userID uint64, msgType string, body any) error {
	if h.broker == nil {
		return errors.New("realtime: publish user: no broker set")
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("realtime: publish user: encode body: %w", err)
	}
	var msg any
	switch msgType {
	case TypeOrderCreated, TypeOrderUpdated:
		msg = OrderMessage{Type: msgType, Order: raw, ServerTime: now()}
	case TypeNotification:
		msg = NotificationMessage{Type: msgType, Notification: raw, ServerTime: now()}
	default:
		return fmt.Errorf("realtime: publish user: unknown message type %q", msgType)
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("realtime: publish user: %w", err)
	}
	payload := encodeEnvelope(kindUser, userID, 0, 0, now().UnixNano(), b)
	if err := h.pushes.publish(ctx, userTopic(userID), payload); err != nil {
		return fmt.Errorf("realtime: publish user %d: %w", userID, err)
	}
	return nil
}
