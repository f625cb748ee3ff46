package hook

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/schema"
)

// fakeKafka is a Kafka in memory. Follow passes on the records of its
// topic, says it caught up, and waits for ctx; Produce calls produce (nil:
// fails).
type fakeKafka struct {
	records map[string][][2][]byte // by topic: partition 0's key and value
	produce func(topic string, records ...[2][]byte) (int64, error)
}

var _ Kafka = fakeKafka{}

// noKafka is a Kafka for a Store that is never run.
type noKafka = fakeKafka

func (f fakeKafka) Follow(ctx context.Context, topic string, _ int, _ int64, caughtUp func(),
	fn func(offset int64, at time.Time, key, value []byte) error) error {
	for i, r := range f.records[topic] {
		if err := fn(int64(i), time.Time{}, r[0], r[1]); err != nil {
			return err
		}
	}
	if caughtUp != nil {
		caughtUp()
	}
	<-ctx.Done()
	return nil
}

func (f fakeKafka) Produce(_ context.Context, topic string, _ int, records ...[2][]byte) (int64, error) {
	if f.produce == nil {
		return 0, errors.New("fake: no produce")
	}
	return f.produce(topic, records...)
}

// runFake runs a Store on k until the test ends, and waits until it is
// ready.
func runFake(t *testing.T, k fakeKafka) *Store {
	t.Helper()
	s, err := NewStore(Config{Kafka: k}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	if err := s.Wait(wctx); err != nil {
		t.Fatalf("store not ready: %v", err)
	}
	return s
}

// The Store is the view of what its Kafka holds: the records Follow passes
// on are its hooks, and it is ready once Follow says it caught up.
func TestStoreServesWhatItsKafkaHolds(t *testing.T) {
	h := schema.Hook{ID: 5, ClientID: clientA, Type: schema.HookTypePostLoad, Version: 1, DestinationID: 7,
		Config: schema.HookConfig{URL: "https://a.example"}, CreatedAt: time.Unix(0, 0).UTC(), ModifiedAt: time.Unix(0, 0).UTC()}
	s := runFake(t, fakeKafka{records: map[string][][2][]byte{DefaultHooksTopic: {{[]byte("5"), mustJSON(t, h)}}}})
	if got, ok := s.Hook(5); !ok || got != h {
		t.Errorf("Hook(5) = %+v, %v; want %+v", got, ok, h)
	}
}

// A write its Kafka refuses fails with ErrUnavailable, and nothing
// changes.
func TestWriteRefusedByKafkaIsUnavailable(t *testing.T) {
	refused := errors.New("refused")
	s := runFake(t, fakeKafka{produce: func(string, ...[2][]byte) (int64, error) { return 0, refused }})
	_, err := s.CreateHook(context.Background(), clientA, 7, "https://hooks.example.com/x")
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, refused) {
		t.Fatalf("CreateHook = %v, want ErrUnavailable wrapping the refusal", err)
	}
	if got := s.Hooks(clientA); len(got) != 0 {
		t.Errorf("hooks after a refused write: %+v", got)
	}
}
