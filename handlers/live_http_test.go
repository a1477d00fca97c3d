package handlers

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/store/storetest"
)

// withLive gives the test API a live map on an in-memory index.
func withLive(d *Deps) {
	d.Live = livemap.New(livemap.Deps{Index: geo.NewMemoryIndex(), Store: d.Store, Log: d.Log})
}

// forEachBackendLive is forEachBackend with the live map's endpoints.
func forEachBackendLive(t *testing.T, fn func(t *testing.T, api *testAPI)) {
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			fn(t, newTestAPI(t, kind, withLive))
		})
	}
}

// Another owner's refused positions must not spend the stall's rate budget:
// otherwise any owner account could keep a stall off the live map.
func TestLocationOfOtherOwnerSpendsNoBudget(t *testing.T) {
	t.Parallel()
	forEachBackendLive(t, func(t *testing.T, api *testAPI) {
		owner, _ := api.signupLogin("owner-a", "owner")
		attacker, _ := api.signupLogin("owner-b", "owner")
		pid, _ := api.createPocha(owner, "종로 포차", 5000)
		path := "/api/v1/pochas/" + itoa(pid)
		api.do("POST", path+"/open", owner, map[string]any{"lat": 37.5704, "lng": 126.9921}).mustStatus(t, http.StatusOK)

		at := time.Now().UTC()
		for i := range 30 {
			res := api.do("POST", path+"/location", attacker, map[string]any{"lat": 37.5704, "lng": 126.9921,
				"at": at.Add(time.Duration(i+1) * time.Millisecond)})
			if res.Status != http.StatusForbidden {
				t.Fatalf("attacker's position %d: status %d, want 403: %s", i, res.Status, res.Body)
			}
		}
		res := api.do("POST", path+"/location", owner, map[string]any{"lat": 37.5705, "lng": 126.9922, "at": at.Add(time.Second)})
		res.mustStatus(t, http.StatusNoContent)

		// Unknown stalls are 404 (livemap's tests check they leave nothing
		// behind in the limiter).
		for i := range 5 {
			api.do("POST", fmt.Sprintf("/api/v1/pochas/%d/location", 900000+i), attacker,
				map[string]any{"lat": 1, "lng": 1, "at": at}).mustStatus(t, http.StatusNotFound)
		}
	})
}
