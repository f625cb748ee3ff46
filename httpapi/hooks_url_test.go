package httpapi

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/postload/postload/egress"
	"github.com/postload/postload/hook"
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
	s := startStore(t, e.cluster, nil, hook.Config{})
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
	e := newEnvConfig(t, hook.Config{CheckURL: egress.NewPolicy(nil).CheckURL})
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
