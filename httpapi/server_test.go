package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/hook"
)

var routes = []struct{ method, path, body string }{
	{"POST", "/hooks", hookBodyA},
	{"GET", "/hooks", ""},
	{"PUT", "/hooks/1", `{"enable":false}`},
	{"DELETE", "/hooks/1", ""},
	{"POST", "/custom-emails", `{"email_address":"ops@example.com"}`},
	{"GET", "/custom-emails", ""},
	{"PUT", "/custom-emails/1", `{"disabled_at":null}`},
	{"DELETE", "/custom-emails/1", ""},
}

func TestUnauthorized(t *testing.T) {
	e := newEnv(t)
	for _, r := range routes {
		e.mustError(t, r.method, r.path, "", r.body, http.StatusUnauthorized, `{"error": "Unauthorized"}`)
		e.mustError(t, r.method, r.path, "pl_unknown", r.body, http.StatusUnauthorized, `{"error": "Unauthorized"}`)
	}
	for _, header := range []string{"Basic " + e.tokA, e.tokA, "Bearer", "Bearer "} {
		req, _ := http.NewRequest("GET", e.srv.URL+BasePath+"/hooks", nil)
		req.Header.Set("Authorization", header)
		res, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q…: status %d, want 401", header[:min(len(header), 8)], res.StatusCode)
		}
	}
	// Nothing was created by the refused requests.
	mustJSONEqual(t, e.mustDo(t, "GET", "/hooks", e.tokA, "", http.StatusOK), `{"post_load":[]}`)
}

func TestOtherRoutesAndMethods(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ method, path string }{
		{"PATCH", "/hooks"}, {"DELETE", "/hooks"}, {"GET", "/hooks/1"}, {"POST", "/hooks/1"},
		{"PUT", "/custom-emails"}, {"GET", "/custom-emails/1"},
	} {
		e.mustError(t, c.method, c.path, e.tokA, "", http.StatusMethodNotAllowed, `{"error":"MethodNotAllowed"}`)
	}
	for _, path := range []string{"/", "/hook", "/hooks/1/x", "/custom-emails/1/x"} {
		e.mustError(t, "GET", path, e.tokA, "", http.StatusNotFound, `{"error":"NotFound"}`)
	}
}

func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t)
	huge := `{"type":"post_load","destination_id":1,"config":{"url":"https://a.example/` + strings.Repeat("a", maxBody) + `"}}`
	e.mustError(t, "POST", "/hooks", e.tokA, huge, http.StatusRequestEntityTooLarge, `{"error":"RequestEntityTooLarge"}`)
}

func TestKafkaDownIs503(t *testing.T) {
	e := newEnvConfig(t, hook.Config{Timeout: time.Second})
	h := e.mustCreateHook(t, e.tokA, 1)
	e.cluster.Close()
	for _, r := range []struct{ method, path, body string }{
		{"POST", "/hooks", hookBodyA},
		{"PUT", "/hooks/" + itoa(h.ID), `{"enable":false}`},
		{"POST", "/custom-emails", `{"email_address":"ops@example.com"}`},
	} {
		e.mustError(t, r.method, r.path, e.tokA, r.body, http.StatusServiceUnavailable, `{"error":"ServiceUnavailable"}`)
	}
	// Reads still answer from memory.
	if got := e.mustDo(t, "GET", "/hooks", e.tokA, "", http.StatusOK); !strings.Contains(got, itoa(h.ID)) {
		t.Errorf("GET /hooks = %s, want hook %d", got, h.ID)
	}
}
