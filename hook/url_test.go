package hook

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/postload/postload/egress"
	"github.com/postload/postload/schema"
)

// TestHookURLInAnyCaseIsStoredNormalized: a URL the API accepts is the URL
// the registry loads, lists and delivers to: in its normal form.
func TestHookURLInAnyCaseIsStoredNormalized(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ in, want string }{
		{"HTTPS://example.com/x", "https://example.com/x"},
		{"Https://Hooks.Example.COM:8443/Catch?Token=AbC", "https://hooks.example.com:8443/Catch?Token=AbC"},
		{"https://ｈｏｏｋｓ．ｅｘａｍｐｌｅ．ｃｏｍ/x", "https://hooks.example.com/x"},
	} {
		body := e.mustDo(t, "POST", "/hooks", e.tokA, hookBodyFor(5, tc.in), http.StatusOK)
		h := mustDecode[schema.Hook](t, body)
		if h.Config.URL != tc.want {
			t.Errorf("POST %q: config.url = %q, want %q", tc.in, h.Config.URL, tc.want)
		}
		listed := mustDecode[map[string][]schema.Hook](t, e.mustDo(t, "GET", "/hooks", e.tokA, "", http.StatusOK))["post_load"]
		if len(listed) == 0 || listed[len(listed)-1].ID != h.ID || listed[len(listed)-1].Config.URL != tc.want {
			t.Errorf("POST %q: GET /hooks = %+v, want hook %d with %q", tc.in, listed, h.ID, tc.want)
		}
		e.mustDo(t, "PUT", fmt.Sprintf("/hooks/%d", h.ID), e.tokA, `{"enable":false}`, http.StatusOK)
		e.mustDo(t, "PUT", fmt.Sprintf("/hooks/%d", h.ID), e.tokA, `{"enable":true}`, http.StatusOK)
	}
	if got := e.store.Match(clientA, 5); len(got) != 3 {
		t.Errorf("Match = %+v, want the 3 hooks", got)
	}
	// A restart loads them all, and none as a problem.
	s, _ := startStore(t, e.cluster, nil, Config{})
	if got := s.Hooks(clientA); len(got) != 3 || got[0].Config.URL != "https://example.com/x" {
		t.Errorf("after a restart: %+v", got)
	}
	if p := s.Problems(); len(p) != 0 {
		t.Errorf("problems after a restart: %+v", p)
	}
	for _, h := range s.Hooks(clientA) {
		e.mustDo(t, "DELETE", fmt.Sprintf("/hooks/%d", h.ID), e.tokA, "", http.StatusOK)
	}
}

// TestHookURLJudgedAsWhatIsDialed: a host the HTTP client would dial as an
// address is judged as that address at creation, and malformed hosts and
// ports are refused.
func TestHookURLJudgedAsWhatIsDialed(t *testing.T) {
	e := newEnvConfig(t, Config{CheckURL: egress.NewPolicy(nil).CheckURL})
	for _, url := range []string{
		"https://１２７。０。０。１/x",
		"https://１２７．０．０．１:8443/x",
		"https://１６９．２５４．１６９．２５４/latest/meta-data/",
		"https://０ｘ７ｆ.1/",
		"https://hooks.example.com:0/x",
		"https://hooks.example.com:65536/x",
		"https://hooks..example.com/x",
		"https://.example.com/x",
		"https://[fe80::1%25eth0]/x",
	} {
		e.mustError(t, "POST", "/hooks", e.tokA, hookBodyFor(1, url), http.StatusBadRequest, `{"error":{"message":"Invalid URI"}}`)
	}
	e.mustDo(t, "POST", "/hooks", e.tokA, hookBodyFor(1, "https://hooks.example.com:65535/x"), http.StatusOK)
}

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
