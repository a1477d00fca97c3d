package notify

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// The kinds of notification a user tunes, each a group of store kinds.
const (
	KindOrder     = "order"     // order updates (to customers and to owners)
	KindReview    = "review"    // replies to reviews
	KindFavourite = "favourite" // a favourite stall, or one near a saved place, opened
	KindMarketing = "marketing" // news and offers; off by default
	kindAccount   = "account"   // account notices (owner approval): every channel, always
)

// KindOf groups a stored notification kind.
func KindOf(kind string) string {
	switch kind {
	case store.NotifyOrderPaid, store.NotifyOrderAccepted, store.NotifyOrderReady, store.NotifyOrderCancelled:
		return KindOrder
	case store.NotifyReviewReply:
		return KindReview
	case store.NotifyFavouriteOpen, store.NotifyPlaceOpen:
		return KindFavourite
	case store.NotifyMarketing:
		return KindMarketing
	}
	return kindAccount
}

// Korea is the time zone of quiet hours: Korea keeps no daylight saving
// time, so a fixed UTC+9 needs no time zone database.
var Korea = time.FixedZone("Asia/Seoul", 9*3600)

// QuietHours is a daily span, "HH:MM" to "HH:MM" Korea time, that may pass
// midnight (22:00 to 07:00): the start is in it, the end is not.
type QuietHours struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// minutesOf reads "HH:MM" (00:00 to 23:59) as minutes after midnight.
func minutesOf(hhmm string) (int, bool) {
	h, m, ok := strings.Cut(hhmm, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, false
	}
	return hh*60 + mm, true
}

// Contains reports whether t falls in the quiet hours.
func (q QuietHours) Contains(t time.Time) bool {
	start, ok1 := minutesOf(q.Start)
	end, ok2 := minutesOf(q.End)
	if !ok1 || !ok2 || start == end {
		return false
	}
	k := t.In(Korea)
	now := k.Hour()*60 + k.Minute()
	if start < end {
		return now >= start && now < end
	}
	return now >= start || now < end
}

// Settings are a user's notification preferences as the API shows them:
// for each kind, the channels it goes through; and quiet hours (nil for
// none), during which nothing but order updates and account notices is
// pushed or mailed, and no opening alert is made at all.
type Settings struct {
	Kinds      store.KindChannels `json:"kinds"`
	QuietHours *QuietHours        `json:"quiet_hours"`
	TimeZone   string             `json:"time_zone"` // always Asia/Seoul
}

func settingsOf(ns store.NotificationSettings) Settings {
	out := Settings{Kinds: ns.Channels, TimeZone: Korea.String()}
	if ns.QuietStart != "" {
		out.QuietHours = &QuietHours{Start: ns.QuietStart, End: ns.QuietEnd}
	}
	return out
}

// channels are the channels of the kind under these settings. Order updates
// and account notices always reach the inbox: an order the customer paid
// for is never silently dropped.
func (s Settings) channels(kind string) store.Channels {
	switch kind {
	case KindOrder:
		c := s.Kinds.Order
		c.InApp = true
		return c
	case KindReview:
		return s.Kinds.Review
	case KindFavourite:
		return s.Kinds.Favourite
	case KindMarketing:
		return s.Kinds.Marketing
	}
	return store.Channels{InApp: true, Push: true, Email: true}
}

// Quiet reports whether a notification of the kind is held back from push
// and e-mail at t: order updates and account notices never are.
func (s Settings) Quiet(kind string, t time.Time) bool {
	if kind == KindOrder || kind == kindAccount || s.QuietHours == nil {
		return false
	}
	return s.QuietHours.Contains(t)
}

// Wants reports whether a notification of the kind reaches the user at t
// through any channel (an alert nobody would see is not made).
func (s Settings) Wants(kind string, t time.Time) bool {
	c := s.channels(kind)
	if s.Quiet(kind, t) {
		// Opening alerts keep quiet hours entirely: nothing at all.
		return kind != KindFavourite && c.InApp
	}
	return c.InApp || c.Push || c.Email
}

// Settings returns the user's preferences (the defaults when never set).
func (n *Notifier) Settings(ctx context.Context, userID uint64) (Settings, error) {
	ns, err := n.store.NotificationSettingsOf(ctx, userID)
	if err != nil {
		return Settings{}, fmt.Errorf("notify: settings: %w", err)
	}
	return settingsOf(ns), nil
}

// SetSettings replaces the user's preferences and returns them as stored.
// Quiet hours need a valid start and end that differ; order updates cannot
// leave the inbox. Invalid fields are a *check.Error.
func (n *Notifier) SetSettings(ctx context.Context, userID uint64, s Settings) (Settings, error) {
	var cs check.Fields
	cs.Add(!s.Kinds.Order.InApp, "kinds.order.in_app", "order updates always reach the inbox")
	ns := store.NotificationSettings{UserID: userID, Channels: s.Kinds}
	if q := s.QuietHours; q != nil {
		start, ok1 := minutesOf(q.Start)
		end, ok2 := minutesOf(q.End)
		cs.Add(!ok1, "quiet_hours.start", "must be HH:MM, 00:00 to 23:59")
		cs.Add(!ok2, "quiet_hours.end", "must be HH:MM, 00:00 to 23:59")
		cs.Add(ok1 && ok2 && start == end, "quiet_hours.end", "must differ from the start")
		ns.QuietStart, ns.QuietEnd = q.Start, q.End
	}
	if err := cs.Err(); err != nil {
		return Settings{}, err
	}
	if err := n.store.SaveNotificationSettings(ctx, &ns); err != nil {
		return Settings{}, fmt.Errorf("notify: save settings: %w", err)
	}
	return settingsOf(ns), nil
}
