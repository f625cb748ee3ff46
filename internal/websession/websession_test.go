package websession

import (
	"testing"
	"time"
)

// TestStoreBoundsAgeAndNumber: a session lives ttl; past max, the expired
// go first, then the one that expires first; Update reaches the data.
func TestStoreBoundsAgeAndNumber(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	st := New[int](2, time.Hour, func() time.Time { return now })
	a := st.Start(1)
	now = now.Add(time.Minute)
	b := st.Start(2)
	if a.ID == b.ID || a.CSRF == a.ID || a.ID == "" {
		t.Fatalf("ids %q %q, csrf %q: want fresh random values", a.ID, b.ID, a.CSRF)
	}
	now = now.Add(time.Minute)
	c := st.Start(3) // full: a expires first
	if _, ok := st.Get(a.ID); ok || st.Len() != 2 {
		t.Errorf("after a third sign-in: the first kept %v, %d kept; want it ended, 2 kept", ok, st.Len())
	}
	if !st.Update(b.ID, func(d *int) { *d = 20 }) || st.Update("nope", func(*int) {}) {
		t.Error("Update: want true for a session, false for none")
	}
	if got, _ := st.Get(b.ID); got.Data != 20 {
		t.Errorf("data %d after Update, want 20", got.Data)
	}
	now = now.Add(59 * time.Minute) // b's hour is up, c's is not
	if _, ok := st.Get(c.ID); !ok {
		t.Error("the last session ended before its hour")
	}
	if _, ok := st.Get(b.ID); ok {
		t.Error("a session lived past its hour")
	}
	st.End(c.ID)
	if st.Len() != 0 {
		t.Errorf("%d kept after End, want 0", st.Len())
	}
}

func TestEqual(t *testing.T) {
	for _, tt := range []struct {
		got, want string
		eq        bool
	}{{"s3cret", "s3cret", true}, {"s3cre", "s3cret", false}, {"", "", false}, {"x", "", false}} {
		if Equal(tt.got, tt.want) != tt.eq {
			t.Errorf("Equal(%q, %q) = %v", tt.got, tt.want, !tt.eq)
		}
	}
}

// Sessions expire, and at most max are kept (moved from the operator's
// tests with its store).
func TestSessionsExpireAndAreBounded(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	ss := New[struct{}](2, time.Hour, func() time.Time { return now })
	a := ss.Start(struct{}{})
	now = now.Add(time.Minute)
	ss.Start(struct{}{})
	ss.Start(struct{}{}) // ends a, the first to expire
	if _, ok := ss.Get(a.ID); ok || ss.Len() != 2 {
		t.Errorf("after a third sign-in: a kept %v, %d sessions; want a ended, 2", ok, ss.Len())
	}
	now = now.Add(2 * time.Hour)
	c := ss.Start(struct{}{})
	if ss.Len() != 1 {
		t.Errorf("%d sessions after the others expired, want 1", ss.Len())
	}
	if _, ok := ss.Get(c.ID); !ok {
		t.Error("the new session is not found")
	}
}
