package realtime

import (
	"context"
	"testing"
)

func TestEndOtherSessions(t *testing.T) { forEachBroker(t, testEndOtherSessions) }

// testEndOtherSessions: ending every login of a user but one (a password
// change) closes the others' connections with 1008 on any instance, keeps
// the one and anonymous watchers open, and touches no other user.
func testEndOtherSessions(t *testing.T, mk brokerMaker) {
	e := newEnv(t, Options{}, nil, mk)
	first := e.dial(t, "user=7&role=owner&session=aaa")
	second := e.dial(t, "user=7&role=owner&session=bbb")
	kept := e.dial(t, "user=7&role=owner&session=ccc")
	stranger := e.dial(t, "user=8&role=owner&session=aaa")
	if err := e.hub.EndOtherSessions(context.Background(), 7, "ccc"); err != nil {
		t.Fatal(err)
	}
	first.expectClose(ClosePolicyViolation)
	second.expectClose(ClosePolicyViolation)
	if err := e.hub.PublishUser(context.Background(), 7, TypeNotification, map[string]any{"id": 1}); err != nil {
		t.Fatal(err)
	}
	kept.expect(TypeNotification)
	if err := e.hub.PublishUser(context.Background(), 8, TypeNotification, map[string]any{"id": 2}); err != nil {
		t.Fatal(err)
	}
	stranger.expect(TypeNotification)
	// With nothing kept, every login of the user ends (log out everywhere).
	if err := e.hub.EndOtherSessions(context.Background(), 7, ""); err != nil {
		t.Fatal(err)
	}
	kept.expectClose(ClosePolicyViolation)
}
