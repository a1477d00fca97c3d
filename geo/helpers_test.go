package geo

import (
	"github.com/uber/h3-go/v4"
	"math"
	"math/rand/v2"
)

// destination returns the point distM metres from (lat, lng) along the
// initial bearing bearingDeg, on the same sphere as DistanceM.
func destination(lat, lng, bearingDeg, distM float64) (float64, float64) {
	const rad = math.Pi / 180
	d := distM / EarthRadiusM
	p1, l1, th := lat*rad, lng*rad, bearingDeg*rad
	p2 := math.Asin(math.Sin(p1)*math.Cos(d) + math.Cos(p1)*math.Sin(d)*math.Cos(th))
	l2 := l1 + math.Atan2(math.Sin(th)*math.Sin(d)*math.Cos(p1), math.Cos(d)-math.Sin(p1)*math.Sin(p2))
	lng2 := math.Mod(l2/rad+540, 360) - 180
	return p2 / rad, lng2
}

// Seoul is the box the tests and benchmarks spread stalls over.
const (
	seoulLatMin, seoulLatMax = 37.45, 37.65
	seoulLngMin, seoulLngMax = 126.85, 127.15
)

// randomSeoul returns a uniformly random point in the Seoul box.
func randomSeoul(rng *rand.Rand) (float64, float64) {
	return seoulLatMin + rng.Float64()*(seoulLatMax-seoulLatMin),
		seoulLngMin + rng.Float64()*(seoulLngMax-seoulLngMin)
}

// cellAreaM2 returns the area of an H3 cell in square metres.
func cellAreaM2(c h3.Cell) float64 { return h3.CellAreaM2(c) }
