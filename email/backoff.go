package email

import "time"

// backoff is the wait after the n-th consecutive failure (n >= 1): first,
// doubled with each further failure, capped at limit. No jitter: one loop
// per process sends, one email at a time, so there is no herd to spread.
func backoff(n int, first, limit time.Duration) time.Duration {
	d := first
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}
