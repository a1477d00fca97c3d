package tossfake

import "time"

// fault is a pending injected behaviour for one path: n more times, value v
// (a status for failures, a duration for delays).
type fault struct {
	n int
	v int64
}

// take consumes one occurrence; it is nil-safe. Callers hold s.mu.
func (f *fault) take() (int64, bool) {
	if f == nil || f.n <= 0 {
		return 0, false
	}
	f.n--
	return f.v, true
}

// FailNext makes the next n requests to path (as seen by the fake, without a
// mount prefix, e.g. "/v1/payments/confirm") answer status with code
// FAILED_INTERNAL_SYSTEM_PROCESSING without doing anything. It replaces any
// failure already pending for path; n <= 0 clears it.
func (s *Server) FailNext(path string, n int, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails[path] = &fault{n: n, v: int64(status)}
}

// DelayNext makes the next n requests to path hold their answer for d after
// the operation took effect (a charge is made, then the answer is late), or
// until the client gives up. It models "the gateway acted but the merchant
// timed out". It replaces any delay already pending for path.
func (s *Server) DelayNext(path string, n int, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delays[path] = &fault{n: n, v: int64(d)}
}

// Calls returns how many requests arrived for path (as seen by the fake),
// including failed, refused and replayed ones.
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

// Charges returns how many payments were actually approved (card charged);
// idempotent replays and refused confirms do not count.
func (s *Server) Charges() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.charge
}
