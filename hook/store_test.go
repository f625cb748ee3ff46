package hook

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/schema"
)

func TestIDsUniqueAndNeverReused(t *testing.T) {
	c := newCluster(t)
	a, stopA := startStore(t, c, nil, Config{})
	ctx := context.Background()

	var ids []int64
	add := func(id int64) {
		t.Helper()
		if slices.Contains(ids, id) || id <= 0 {
			t.Fatalf("id %d is not new and positive; ids so far %v", id, ids)
		}
		ids = append(ids, id)
	}
	h1 := mustHook(t, a, clientA, 1)
	add(h1.ID)
	add(mustHook(t, a, clientB, 1).ID)
	r, err := a.CreateRecipient(ctx, clientA, "ops@example.com")
	if err != nil {
		t.Fatal(err)
	}
	add(r.ID)
	if err := a.DeleteHook(ctx, clientA, h1.ID); err != nil {
		t.Fatal(err)
	}
	add(mustHook(t, a, clientA, 1).ID)
	stopA()

	// A restart: a new Store on the same cluster.
	b, _ := startStore(t, c, nil, Config{})
	if _, ok := b.Hook(h1.ID); ok {
		t.Error("a deleted hook came back after a restart")
	}
	if got := b.Hooks(clientA); len(got) != 1 || got[0].ID != ids[3] {
		t.Errorf("hooks of A after restart = %+v, want only %d", got, ids[3])
	}
	if got := b.AllRecipients(clientA); len(got) != 1 || got[0].ID != r.ID {
		t.Errorf("recipients of A after restart = %+v", got)
	}
	for range 3 {
		add(mustHook(t, b, clientA, 2).ID)
	}
	if !slices.IsSorted(ids) {
		t.Errorf("ids %v are not increasing", ids)
	}
}

func TestChangeReachesAnotherInstanceWithinASecond(t *testing.T) {
	c := newCluster(t)
	a, _ := startStore(t, c, nil, Config{})
	b, _ := startStore(t, c, nil, Config{})
	ctx := context.Background()

	h := mustHook(t, a, clientA, 7)
	wait.For(t, time.Second, func() (bool, string) {
		got := b.Match(clientA, 7)
		return len(got) == 1 && got[0] == h, fmt.Sprintf("B's Match = %+v, want %+v", got, h)
	})

	if _, err := b.SetHookEnabled(ctx, clientA, h.ID, false); err != nil {
		t.Fatal(err)
	}
	wait.For(t, time.Second, func() (bool, string) {
		got, ok := a.Hook(h.ID)
		return ok && got.DisabledAt != nil && len(a.Match(clientA, 7)) == 0, fmt.Sprintf("A's hook = %+v", got)
	})

	r, err := b.CreateRecipient(ctx, clientA, "ops@example.com")
	if err != nil {
		t.Fatal(err)
	}
	wait.For(t, time.Second, func() (bool, string) {
		got := a.Recipients(clientA)
		return len(got) == 1 && got[0].ID == r.ID, fmt.Sprintf("A's recipients = %+v", got)
	})

	if err := a.DeleteHook(ctx, clientA, h.ID); err != nil {
		t.Fatal(err)
	}
	wait.For(t, time.Second, func() (bool, string) {
		_, ok := b.Hook(h.ID)
		return !ok && len(b.Hooks(clientA)) == 0, "B still has the deleted hook"
	})
}

func TestMatch(t *testing.T) {
	c := newCluster(t)
	s, _ := startStore(t, c, nil, Config{})
	ctx := context.Background()

	want1 := mustHook(t, s, clientA, 1)
	mustHook(t, s, clientA, 2)
	mustHook(t, s, clientB, 1)
	disabled := mustHook(t, s, clientA, 1)
	if _, err := s.SetHookEnabled(ctx, clientA, disabled.ID, false); err != nil {
		t.Fatal(err)
	}
	deleted := mustHook(t, s, clientA, 1)
	if err := s.DeleteHook(ctx, clientA, deleted.ID); err != nil {
		t.Fatal(err)
	}
	want2 := mustHook(t, s, clientA, 1)

	got := s.Match(clientA, 1)
	if len(got) != 2 || got[0] != want1 || got[1] != want2 {
		t.Errorf("Match(A, 1) = %+v\nwant %+v", got, []schema.Hook{want1, want2})
	}
	if got := s.Match(clientA, 3); len(got) != 0 {
		t.Errorf("Match(A, 3) = %+v, want none", got)
	}
	if got := s.Match(clientB, 2); len(got) != 0 {
		t.Errorf("Match(B, 2) = %+v, want none", got)
	}
	if h, ok := s.Hook(disabled.ID); !ok || h.DisabledAt == nil {
		t.Errorf("Hook(disabled) = %+v, %v; want the disabled hook", h, ok)
	}
}

func TestSetHookEnabledErrors(t *testing.T) {
	c := newCluster(t)
	s, _ := startStore(t, c, nil, Config{})
	ctx := context.Background()
	h := mustHook(t, s, clientA, 1)
	if _, err := s.SetHookEnabled(ctx, clientB, h.ID, false); err != ErrNotFound {
		t.Errorf("another account: %v, want ErrNotFound", err)
	}
	if _, err := s.SetHookEnabled(ctx, clientA, h.ID+1000, false); err != ErrNotFound {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
	// Asking for the state a hook is in changes nothing.
	got, err := s.SetHookEnabled(ctx, clientA, h.ID, true)
	if err != nil || got != h {
		t.Errorf("enable an enabled hook = %+v, %v; want it unchanged", got, err)
	}
}

func TestBadRecordsAreSkipped(t *testing.T) {
	c := newCluster(t)
	good := schema.Hook{ID: 5, ClientID: clientA, Type: schema.HookTypePostLoad, Version: 1, DestinationID: 1,
		Config: schema.HookConfig{URL: "https://a.example"}, CreatedAt: time.Unix(0, 0).UTC(), ModifiedAt: time.Unix(0, 0).UTC()}
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	leaky := good
	leaky.ID = 6
	leaky.Config.Secret = "whsec_NOT VALID BASE64 SECRET"
	w := &kafka.Writer{Addr: kafka.TCP(c.Addr), Topic: DefaultHooksTopic, RequiredAcks: kafka.RequireAll, Transport: tr}
	defer w.Close()
	err := w.WriteMessages(context.Background(),
		kafka.Message{Key: []byte("1"), Value: []byte("not json")},
		kafka.Message{Key: []byte("x"), Value: []byte(`{}`)},
		kafka.Message{Key: []byte("2"), Value: mustJSON(t, schema.Hook{ID: 3, ClientID: 1, DestinationID: 1})},
		kafka.Message{Key: []byte("4"), Value: []byte(`{"id":4,"client_id":1}`)},
		kafka.Message{Key: []byte("6"), Value: mustJSON(t, leaky)},
		kafka.Message{Key: []byte("5"), Value: mustJSON(t, good)},
	)
	if err != nil {
		t.Fatal(err)
	}

	core, logs := observer.New(zap.WarnLevel)
	s, err := NewStore(Config{Kafka: mustKafka(t, c)}, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := s.Wait(wctx); err != nil {
		t.Fatal(err)
	}
	if got := s.Match(clientA, 1); len(got) != 1 || got[0] != good {
		t.Errorf("Match = %+v, want the good hook", got)
	}
	if n := logs.FilterMessage("registry record skipped").FilterLevelExact(zap.ErrorLevel).Len(); n != 5 {
		t.Errorf("%d errors for bad records, want 5: %v", n, logs.All())
	}
	if st := s.Stats(); !st.Ready || st.Hooks != 1 || st.Problems[ProblemSkipped] != 5 || len(s.Problems()) != 5 {
		t.Errorf("Stats = %+v, Problems = %+v", st, s.Problems())
	}
	for _, e := range logs.All() {
		if strings.Contains(fmt.Sprint(e.Message, e.ContextMap()), "SECRET") {
			t.Errorf("a warning shows a secret: %s %v", e.Message, e.ContextMap())
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for name, c := range map[string]Config{
		"no Kafka":       {},
		"negative time":  {Kafka: noKafka{}, Timeout: -1},
		"same topics":    {Kafka: noKafka{}, HooksTopic: "t", RecipientsTopic: "t"},
		"ids like hooks": {Kafka: noKafka{}, IDsTopic: DefaultHooksTopic},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate() = nil, want an error", name)
		}
	}
	if err := (Config{Kafka: noKafka{}}).Validate(); err != nil {
		t.Errorf("minimal config: %v", err)
	}
	d := Config{}.withDefaults()
	if d.HooksTopic != "postload.hooks" || d.RecipientsTopic != "postload.recipients" || d.IDsTopic != "postload.ids" {
		t.Errorf("default topics %+v", d)
	}
}

func mustHook(tb testing.TB, s *Store, client, dest int64) schema.Hook {
	tb.Helper()
	h, err := s.CreateHook(context.Background(), client, dest, "https://hooks.example.com/x")
	if err != nil {
		tb.Fatalf("CreateHook: %v", err)
	}
	return h
}

// RotationOverlap: zero is the default, negative is refused.
func TestConfigRotationOverlap(t *testing.T) {
	if d := (Config{}).withDefaults(); d.RotationOverlap != DefaultRotationOverlap || d.Timeout != DefaultTimeout {
		t.Errorf("defaults %+v", d)
	}
	if err := (Config{Kafka: noKafka{}, RotationOverlap: -time.Hour}).Validate(); err == nil || !strings.Contains(err.Error(), "RotationOverlap is -1h0m0s") {
		t.Errorf("Validate() = %v, want the negative overlap refused", err)
	}
}
