package hook

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/postload/postload/egress"
	"github.com/postload/postload/schema"
)

// TestRecordsOfEarlierVersionsAreLoaded: hooks that an earlier version's
// API accepted with URLs out of the normal form are loaded, never dropped
// in silence: normalized when they can be, listed and reported at error
// level when their URL is refused now.
func TestRecordsOfEarlierVersionsAreLoaded(t *testing.T) {
	c := newCluster(t)
	at := time.Unix(1563384637, 0).UTC()
	old := func(id int64, url string) kafka.Message {
		h := schema.Hook{ID: id, ClientID: clientA, Type: schema.HookTypePostLoad, Version: 1, DestinationID: 3,
			Config:    schema.HookConfig{URL: url, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
			CreatedAt: at, ModifiedAt: at}
		return kafka.Message{Key: []byte(itoa(id)), Value: mustJSON(t, h)}
	}
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	w := &kafka.Writer{Addr: kafka.TCP(c.Addr), Topic: DefaultHooksTopic, RequiredAcks: kafka.RequireAll, Transport: tr}
	defer w.Close()
	if err := w.WriteMessages(context.Background(),
		old(1, "HTTPS://Hooks.Example.com/x?token=SECRETTOKEN"),
		old(2, "https://１２７。０。０。１/x?token=SECRETTOKEN"),
		old(3, "https://hooks..example.com/x?token=SECRETTOKEN"),
		old(4, "https://hooks.example.com/ok"),
	); err != nil {
		t.Fatal(err)
	}

	core, logs := observer.New(zap.WarnLevel)
	s, err := NewStore(Config{Kafka: mustKafka(t, c), CheckURL: egress.NewPolicy(nil).CheckURL}, zap.New(core))
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

	hs := s.Hooks(clientA)
	if ids := hookIDsOf(hs); !equal(ids, 1, 2, 3, 4) {
		t.Fatalf("hooks %v, want 1 2 3 4: none may be dropped", ids)
	}
	if hs[0].Config.URL != "https://hooks.example.com/x?token=SECRETTOKEN" {
		t.Errorf("hook 1's URL = %q, want it normalized", hs[0].Config.URL)
	}
	if got := len(s.Match(clientA, 3)); got != 4 {
		t.Errorf("Match has %d hooks, want 4", got)
	}
	want := []Problem{
		{Topic: DefaultHooksTopic, Offset: 0, ID: 1, Kind: ProblemURLNormalized},
		{Topic: DefaultHooksTopic, Offset: 1, ID: 2, Kind: ProblemURLRefused},
		{Topic: DefaultHooksTopic, Offset: 2, ID: 3, Kind: ProblemURLRefused},
	}
	got := s.Problems()
	if len(got) != len(want) {
		t.Fatalf("problems %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Topic != want[i].Topic || got[i].Offset != want[i].Offset || got[i].ID != want[i].ID || got[i].Kind != want[i].Kind {
			t.Errorf("problem %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if st := s.Stats(); st.Problems[ProblemURLRefused] != 2 || st.Problems[ProblemURLNormalized] != 1 {
		t.Errorf("Stats().Problems = %v", st.Problems)
	}
	if n := logs.FilterLevelExact(zap.ErrorLevel).FilterField(zap.String("problem", "url_refused")).Len(); n != 2 {
		t.Errorf("%d error lines for refused URLs, want 2: %v", n, logs.All())
	}
	for _, e := range logs.All() {
		if strings.Contains(fmt.Sprint(e.Message, e.ContextMap()), "SECRETTOKEN") {
			t.Errorf("a log line shows a URL's query: %s %v", e.Message, e.ContextMap())
		}
	}
}
