package receiver

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

func TestVerdict(t *testing.T) {
	v, err := newVerifier(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	good := mustSign(t, testSecret, "e.h", now, loadBody)
	wrong := mustSign(t, otherSecret, "e.h", now, loadBody)
	headers := func(ts, sig string) http.Header {
		h := http.Header{}
		h.Set("webhook-id", "e.h")
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", sig)
		return h
	}
	unix := fmt.Sprint(now.Unix())

	tests := []struct {
		name string
		h    http.Header
		body string
		want string
	}{
		{"valid", headers(unix, good), loadBody, "valid"},
		{"rotation: old first", headers(unix, wrong+" "+good), loadBody, "valid"},
		{"rotation: new first", headers(unix, good+" "+wrong), loadBody, "valid"},
		{"wrong secret", headers(unix, wrong), loadBody, "INVALID (none of the 1 signature(s) matches"},
		{"two wrong", headers(unix, wrong+" v1,AAAA"), loadBody, "INVALID (none of the 2 signature(s) matches"},
		{"other version", headers(unix, "v1a,"+strings.TrimPrefix(good, "v1,")), loadBody, "INVALID (none of the 1"},
		{"body changed", headers(unix, good), loadBody + " ", "INVALID (none of the 1"},
		{"bad timestamp", headers("soon", good), loadBody, `INVALID (webhook-timestamp "soon" is not unix seconds)`},
		{"too old", headers(fmt.Sprint(now.Add(-6*time.Minute).Unix()),
			mustSign(t, testSecret, "e.h", now.Add(-6*time.Minute), loadBody)), loadBody, "INVALID (webhook-timestamp is more than 5 minutes in the past)"},
		{"too new", headers(fmt.Sprint(now.Add(6*time.Minute).Unix()),
			mustSign(t, testSecret, "e.h", now.Add(6*time.Minute), loadBody)), loadBody, "INVALID (webhook-timestamp is more than 5 minutes in the future)"},
		{"missing two", http.Header{"Webhook-Id": {"e.h"}}, loadBody, "INVALID (missing header webhook-timestamp, webhook-signature)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := v.verdict([]byte(tt.body), tt.h); !strings.HasPrefix(got, tt.want) {
				t.Errorf("verdict %q, want it to start with %q", got, tt.want)
			}
		})
	}
}

// TestSignMatchesLibrary pins the hand-made signature of the tests to the
// Standard Webhooks library.
func TestSignMatchesLibrary(t *testing.T) {
	wh, err := standardwebhooks.NewWebhook(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Unix(1764223200, 0)
	lib, err := wh.Sign("e.h", ts, []byte(loadBody))
	if err != nil {
		t.Fatal(err)
	}
	if mine := mustSign(t, testSecret, "e.h", ts, loadBody); mine != lib {
		t.Errorf("hand-made %s, library %s", mine, lib)
	}
}
