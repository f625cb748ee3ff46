package schema

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// sampleGroup is a group of n deliveries that each failed attempt 1 on
// their own, and made groupAttempts more together.
func sampleGroup(t testing.TB, n, groupAttempts int) []byte {
	t.Helper()
	now := time.Date(2026, 11, 27, 6, 0, 0, 123456000, time.UTC)
	var dls []Delivery
	for i := range n {
		ev := SampleLoadEvent("01JD3S1Z8Q5Q7W5E4Y9K2M3N"+string(rune('A'+i)), 116078, 12345, i%2 == 0, now)
		dls = append(dls, Delivery{Event: string(ev), HookID: 7, Attempt: 2, DueAt: now.Add(time.Duration(i) * time.Millisecond),
			Error: "circuit breaker open: no request sent", Attempts: []Attempt{{Number: 1, StartedAt: now, Error: "circuit breaker open: no request sent"}}})
	}
	g := NewGroup(dls)
	for i := range groupAttempts {
		g.Attempts = append(g.Attempts, Attempt{Number: g.Attempt, StartedAt: now.Add(time.Minute), Error: "HTTP 503 Service Unavailable", Status: 503, DurationMS: 12})
		g.Attempt++
		g.Error = g.Attempts[i].Error
	}
	b, err := EncodeRecord(g)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGroupSplitsIntoItsDeliveries(t *testing.T) {
	dls, err := DecodeGroup(mustReadFile(t, "valid/group.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dls) != 2 {
		t.Fatalf("%d deliveries, want 2", len(dls))
	}
	evs := make([]LoadEvent, len(dls))
	for i, dl := range dls {
		if evs[i], err = CheckDelivery(dl); err != nil {
			t.Fatal(err)
		}
	}
	for i, dl := range dls {
		if dl.HookID != 42 || dl.Attempt != 3 || dl.DueAt != time.Date(2026, 11, 27, 6, 3, 1, 712000000, time.UTC) {
			t.Errorf("delivery %d: hook %d attempt %d due %v, want the group's 42, 3 and 06:03:01.712", i, dl.HookID, dl.Attempt, dl.DueAt)
		}
		// Its own attempt, then the group's.
		if len(dl.Attempts) != 2 || dl.Attempts[0].Number != 1 || dl.Attempts[1].Number != 2 {
			t.Errorf("delivery %d: attempts %+v, want its attempt 1 then the group's attempt 2", i, dl.Attempts)
		}
		if dl.Error != "circuit breaker open: no request sent" {
			t.Errorf("delivery %d: error %q, want the group's last", i, dl.Error)
		}
		if evs[i].ClientID != 116078 || !strings.Contains(dl.Event, evs[i].EventID) {
			t.Errorf("delivery %d: event %+v is not its record's", i, evs[i])
		}
	}
	if evs[0].EventID == evs[1].EventID {
		t.Errorf("both deliveries carry event %s", evs[0].EventID)
	}
}

// A group that made no attempt together gives back the deliveries it was
// made of, errors included.
func TestNewGroupRoundTrip(t *testing.T) {
	b := sampleGroup(t, 3, 0)
	dls, err := DecodeGroup(b)
	if err != nil {
		t.Fatal(err)
	}
	g := NewGroup(dls)
	again, err := EncodeRecord(g)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, b) {
		t.Fatalf("regrouped:\n%s\nwant:\n%s", again, b)
	}
	if want := dls[2].DueAt; g.DueAt != want {
		t.Errorf("group due %v, want its last delivery's %v", g.DueAt, want)
	}
	if !IsGroup(b) || IsGroup(sampleDelivery(t, 1)) {
		t.Error("IsGroup does not tell a group from a delivery")
	}
}

func TestDecodeGroupInvalid(t *testing.T) {
	tooMany := make([]any, 21)
	for i := range tooMany {
		tooMany[i] = map[string]any{"number": 1, "started_at": "2026-11-27T06:00:00Z", "duration_ms": 0}
	}
	member := func(m map[string]any) map[string]any { return m["deliveries"].([]any)[1].(map[string]any) }
	runInvalid(t, "valid/group.json", decoders["group"], []invalidCase{
		{"no deliveries", func(m map[string]any) { m["deliveries"] = []any{} }, "/deliveries: item count must be at least 1, got 0"},
		{"delivery without event", func(m map[string]any) { delete(member(m), "event") }, "/deliveries/1: missing property 'event'"},
		{"delivery with a hook_id", func(m map[string]any) { member(m)["hook_id"] = 1 }, "/deliveries/1: additional properties 'hook_id' not allowed"},
		{"event not a load event", func(m map[string]any) { member(m)["event"] = `{"event_id":"a"}` }, "/event: missing properties"},
		{"attempt 22", func(m map[string]any) { m["attempt"] = 22 }, "/attempt: must be <= 21, got 22"},
		{"22 attempts with the group's", func(m map[string]any) { member(m)["attempts"] = tooMany }, "22 attempts with the group's, more than 21"},
	})
}

// A group handed on is, decoded in full, the group the slow way writes:
// the attempt appended to the group's own, every delivery unchanged.
func TestForwardOfAGroupIsTheSlowWaysRecord(t *testing.T) {
	for _, n := range []int{0, 1, 4} {
		b := sampleGroup(t, 5, n)
		fw, ok := PeekForward(b)
		if !ok {
			t.Fatalf("%d group attempts: declined", n)
		}
		var g Group
		if err := json.Unmarshal(b, &g); err != nil {
			t.Fatal(err)
		}
		if fw.HookID != 7 || fw.Attempt != g.Attempt || fw.Deliveries != 5 {
			t.Fatalf("hook %d attempt %d, %d deliveries; want 7, %d, 5", fw.HookID, fw.Attempt, fw.Deliveries, g.Attempt)
		}
		a := Attempt{Number: g.Attempt, StartedAt: time.Now().UTC(), Error: "circuit breaker open: no request sent"}
		due := a.StartedAt.Add(time.Minute)
		got, err := fw.Next(a, due)
		if err != nil {
			t.Fatal(err)
		}
		if err := decodeGroupFully(got); err != nil {
			t.Fatalf("%d group attempts: handed on, the group is invalid: %v\n%s", n, err, got)
		}
		g.Attempts = append(g.Attempts, a)
		g.Attempt, g.DueAt, g.Error = g.Attempt+1, due, a.Error
		want, _ := EncodeRecord(g)
		if !bytes.Equal(got, want) {
			t.Errorf("%d group attempts: handed on:\n%s\nthe slow way:\n%s", n, got, want)
		}
	}
}

// The fast reader of groups declines what it cannot be sure of, so that the
// full decoder judges it.
func TestPeekGroupDeclines(t *testing.T) {
	valid := string(sampleGroup(t, 2, 1))
	for _, r := range [][2]string{
		{`"hook_id":7`, `"hook_id":7.0`},
		{`"attempt":3`, `"attempt":22`},
		{`"attempt":3`, `"attempt":3,"x":1`},
		{`"attempt":3`, `"attempt":3,"attempt":4`},
		{`"deliveries":[`, `"deliveries":[],"y":[`},
		{`"error":"HTTP 503 Service Unavailable"`, `"error":"\u0041"`},
		{`"status":503`, `"status":99`},
	} {
		b := strings.Replace(valid, r[0], r[1], 1)
		if b == valid {
			t.Fatalf("%q is not in the sample", r[0])
		}
		if _, ok := PeekForward([]byte(b)); ok {
			t.Errorf("accepted %s", r[1])
		}
	}
	if _, ok := PeekForward([]byte(strings.Replace(valid, `"deliveries":[{`, `"deliveries":[7,{`, 1))); ok {
		t.Error("accepted a delivery that is not an object")
	}
}

// A group the fast reader accepts and the full decoder accepts is, handed
// on, the group the slow way writes; one the full decoder refuses stays
// refused (its deliveries are carried as they are, to be judged later).
func FuzzForwardGroup(f *testing.F) {
	f.Add(sampleGroup(f, 1, 0))
	f.Add(sampleGroup(f, 3, 2))
	f.Add(mustReadFile(f, "valid/group.json"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fw, ok := PeekForward(b)
		if !ok || !IsGroup(b) || fw.Attempt == MaxAttempts {
			return // a record waiting for the last attempt there can be is never handed on
		}
		a := Attempt{Number: fw.Attempt, StartedAt: time.Date(2026, 11, 27, 6, 0, 0, 7, time.UTC), Error: "circuit breaker open: no request sent"}
		due := a.StartedAt.Add(30 * time.Second)
		got, err := fw.Next(a, due)
		if err != nil {
			t.Fatal(err)
		}
		g, err := decode[Group](schemas().group, b, "")
		back, errBack := decode[Group](schemas().group, got, "")
		if err != nil {
			if errBack == nil && len(fw.head.Attempts) < 21 {
				t.Fatalf("refused (%v), but accepted once handed on: %s", err, got)
			}
			return
		}
		if errBack != nil {
			if len(g.Attempts) == 21 {
				return // one more is one too many
			}
			t.Fatalf("handed on, the group is invalid (%v): %s", errBack, got)
		}
		g.Attempts = append(g.Attempts, a)
		g.Attempt, g.DueAt, g.Error = fw.Attempt+1, due, a.Error
		want, _ := json.Marshal(g)
		if again, _ := json.Marshal(back); !bytes.Equal(again, want) {
			t.Fatalf("handed on:\n%s\nthe slow way:\n%s", again, want)
		}
	})
}
