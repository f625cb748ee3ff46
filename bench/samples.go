package bench

import (
	"slices"
	"sync"
	"time"
)

// samples collects durations for percentiles, up to a fixed capacity (a
// bounded buffer; later samples beyond it are counted but not kept).
type samples struct {
	mu      sync.Mutex
	d       []time.Duration
	dropped int
}

func newSamples(capacity int) *samples { return &samples{d: make([]time.Duration, 0, capacity)} }

func (s *samples) add(d time.Duration) {
	s.mu.Lock()
	if len(s.d) < cap(s.d) {
		s.d = append(s.d, d)
	} else {
		s.dropped++
	}
	s.mu.Unlock()
}

func (s *samples) reset() {
	s.mu.Lock()
	s.d = s.d[:0]
	s.dropped = 0
	s.mu.Unlock()
}

// reserve empties s and makes room for capacity samples.
func (s *samples) reserve(capacity int) {
	s.mu.Lock()
	s.d = make([]time.Duration, 0, capacity)
	s.dropped = 0
	s.mu.Unlock()
}

// merge adds o's samples to s.
func (s *samples) merge(o *samples) {
	o.mu.Lock()
	d := append([]time.Duration(nil), o.d...)
	o.mu.Unlock()
	s.mu.Lock()
	s.d = append(s.d, d...)
	s.mu.Unlock()
}

func (s *samples) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.d)
}

// each calls f with every sample kept from the i-th on.
func (s *samples) each(i int, f func(time.Duration)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.d[min(i, len(s.d)):] {
		f(d)
	}
}

// percentiles returns the p-quantiles (0..1) in milliseconds, and the max.
func (s *samples) percentiles(ps ...float64) (out []float64, maxMS float64) {
	s.mu.Lock()
	d := slices.Clone(s.d)
	s.mu.Unlock()
	if len(d) == 0 {
		return make([]float64, len(ps)), 0
	}
	slices.Sort(d)
	for _, p := range ps {
		i := int(p * float64(len(d)-1))
		out = append(out, ms(d[i]))
	}
	return out, ms(d[len(d)-1])
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
