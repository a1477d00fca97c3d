package geo

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/uber/h3-go/v4"
)

func TestTopic(t *testing.T) {
	got := Topic(37.5665, 126.9780)
	if !strings.HasPrefix(got, TopicPrefix) {
		t.Fatalf("Topic = %q, want prefix %q", got, TopicPrefix)
	}
	var c h3.Cell
	if err := c.UnmarshalText([]byte(strings.TrimPrefix(got, TopicPrefix))); err != nil || !c.IsValid() {
		t.Fatalf("Topic %q does not name a valid cell: %v", got, err)
	}
	if c.Resolution() != TopicResolution {
		t.Errorf("topic resolution = %d, want %d", c.Resolution(), TopicResolution)
	}
	if Topic(37.5665, 126.9780) != got {
		t.Error("Topic is not deterministic")
	}
	if Topic(math.NaN(), 0) != "" || Topic(91, 0) != "" {
		t.Error("Topic of an invalid point is not empty")
	}
}

func TestTopicsCoveringContainsEveryPointOfTheCircle(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	for range 300 {
		lat, lng := randomSeoul(rng)
		r := 100 + rng.Float64()*2900
		topics := TopicsCovering(lat, lng, r)
		if !slices.IsSorted(topics) || len(slices.Compact(slices.Clone(topics))) != len(topics) {
			t.Fatalf("topics not sorted and unique: %v", topics)
		}
		check := func(plat, plng float64) {
			if _, ok := slices.BinarySearch(topics, Topic(plat, plng)); !ok {
				t.Fatalf("circle (%v, %v, %v m): point (%v, %v) has topic %s, not in %v",
					lat, lng, r, plat, plng, Topic(plat, plng), topics)
			}
		}
		// The rim, where a missing cell would show, and random inner points.
		for b := 0.0; b < 360; b += 2 {
			check(destination(lat, lng, b, r*0.9999))
		}
		for range 200 {
			check(destination(lat, lng, rng.Float64()*360, r*math.Sqrt(rng.Float64())))
		}
	}
}

func TestTopicsCoveringPrunesFarCells(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100 {
		lat, lng := randomSeoul(rng)
		const r = 1000.0
		for _, topic := range TopicsCovering(lat, lng, r) {
			var c h3.Cell
			if err := c.UnmarshalText([]byte(strings.TrimPrefix(topic, TopicPrefix))); err != nil {
				t.Fatal(err)
			}
			ctr, cr := circumradiusM(c)
			if d := DistanceM(lat, lng, ctr.Lat, ctr.Lng); d > r+cr+1e-3 {
				t.Fatalf("cell %s centre %v m away, beyond %v + %v", c, d, r, cr)
			}
		}
	}
}

func TestTopicsCoveringEdgeCases(t *testing.T) {
	for _, c := range [][2]float64{{90, 0}, {-90, 0}, {89.99, 45}, {-89.99, -45}, {0, 180}, {0, -179.999}} {
		topics := TopicsCovering(c[0], c[1], 1000)
		if len(topics) == 0 {
			t.Errorf("TopicsCovering(%v, %v, 1000) is empty", c[0], c[1])
		}
		if _, ok := slices.BinarySearch(topics, Topic(c[0], c[1])); !ok {
			t.Errorf("TopicsCovering(%v, %v) lacks the centre's topic", c[0], c[1])
		}
	}
	if got := TopicsCovering(0, 179.9995, 200); !slices.Contains(got, Topic(0, -179.9995)) {
		t.Errorf("covering across the antimeridian lacks the far side: %v", got)
	}
	for _, r := range []float64{0, -5, math.NaN(), math.Inf(1), MaxRadiusM * 2} {
		if got := TopicsCovering(37.5, 127, r); got != nil {
			t.Errorf("TopicsCovering with radius %v = %v, want nil", r, got)
		}
	}
	if got := TopicsCovering(math.NaN(), 127, 100); got != nil {
		t.Errorf("TopicsCovering at NaN = %v, want nil", got)
	}
}

func TestStallDiskCoversEveryPointOfTheCircle(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 100 {
		lat, lng := randomSeoul(rng)
		r := 50 + rng.Float64()*3000
		cells := diskCells(lat, lng, r)
		for b := 0.0; b < 360; b += 1 {
			plat, plng := destination(lat, lng, b, r*0.9999)
			c := cellOf(plat, plng, StallResolution)
			if _, ok := slices.BinarySearch(cells, c); !ok {
				t.Fatalf("disk (%v, %v, %v m) misses cell %s at bearing %v", lat, lng, r, c, b)
			}
		}
	}
}
