package geo

// TopicPrefix starts every topic name returned by Topic and TopicsCovering.
const TopicPrefix = "cell:"

// Topic returns the fan-out topic of the TopicResolution cell containing the
// point: TopicPrefix followed by the cell id in lower-case hex. Equal points
// always give equal topics; recent answers are remembered (see memoCell).
// It returns "" when the point is invalid (see ValidateCoord).
func Topic(lat, lng float64) string {
	if ValidateCoord(lat, lng) != nil {
		return ""
	}
	return memoTopic(lat, lng)
}

// TopicsCovering returns, sorted and without duplicates, the topic of every
// TopicResolution cell that intersects the circle of radiusM metres around
// the point, so that every point inside the circle has its Topic in the
// result. Cells whose centre is farther than radiusM plus the cell's
// circumradius are left out. It returns nil when the point or the radius is
// invalid (see ValidateCoord and ValidateRadius).
func TopicsCovering(lat, lng, radiusM float64) []string {
	if ValidateCoord(lat, lng) != nil || ValidateRadius(radiusM) != nil {
		return nil
	}
	cells := coverCells(lat, lng, radiusM, TopicResolution)
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = topicName(c)
	}
	return out
}
