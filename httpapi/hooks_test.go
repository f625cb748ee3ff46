package httpapi

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/egress"
	"github.com/postload/postload/hook"
	"github.com/postload/postload/schema"
)

const hookBodyA = `{"type":"post_load","destination_id":12345,"config":{"url":"https://hooks.example.com/catch/abc"}}`

func hookBodyFor(dest int64, url string) string {
	return fmt.Sprintf(`{"type":"post_load","destination_id":%d,"config":{"url":%q}}`, dest, url)
}

// mustCreateHook creates a hook through the API and returns it.
func (e *env) mustCreateHook(tb testing.TB, tok string, dest int64) schema.Hook {
	tb.Helper()
	body := e.mustDo(tb, "POST", "/hooks", tok, hookBodyFor(dest, "https://hooks.example.com/catch/abc"), http.StatusOK)
	return mustDecode[schema.Hook](tb, body)
}

func TestPostHookReturnsTheHook(t *testing.T) {
	e := newEnv(t)
	body := e.mustDo(t, "POST", "/hooks", e.tokA, hookBodyA, http.StatusOK)

	raw := mustDecode[map[string]any](t, body)
	h := mustDecode[schema.Hook](t, body)
	if h.ID <= 0 {
		t.Errorf("id %d, want positive", h.ID)
	}
	secret := h.Config.Secret
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, hook.SecretPrefix))
	if !strings.HasPrefix(secret, hook.SecretPrefix) || err != nil || len(key) != 24 {
		t.Errorf("secret %q: want whsec_ + base64 of 24 bytes", secret)
	}
	want := fmt.Sprintf(`{"id":%d,"client_id":%d,"type":"post_load","version":1,"destination_id":12345,
		"config":{"url":"https://hooks.example.com/catch/abc","secret":%q},
		"created_at":"2019-07-17T17:30:37Z","modified_at":"2019-07-17T17:30:37Z","disabled_at":null}`,
		h.ID, clientA, secret)
	mustJSONEqual(t, body, want)
	if _, ok := raw["deleted_at"]; ok {
		t.Error("the API shows deleted_at")
	}

	other := e.mustCreateHook(t, e.tokA, 12345)
	if other.ID == h.ID || other.Config.Secret == h.Config.Secret {
		t.Errorf("two hooks share id or secret: %+v %+v", h, other)
	}
}

func TestGetHooks(t *testing.T) {
	e := newEnv(t)
	mustJSONEqual(t, e.mustDo(t, "GET", "/hooks", e.tokA, "", http.StatusOK), `{"post_load":[]}`)

	h1 := e.mustCreateHook(t, e.tokA, 1)
	hB := e.mustCreateHook(t, e.tokB, 1)
	h2 := e.mustCreateHook(t, e.tokA, 2)
	e.clock.Add(time.Minute)
	e.mustDo(t, "PUT", fmt.Sprintf("/hooks/%d", h1.ID), e.tokA, `{"enable":false}`, http.StatusOK)

	got := mustDecode[map[string][]schema.Hook](t, e.mustDo(t, "GET", "/hooks", e.tokA, "", http.StatusOK))
	list := got["post_load"]
	if len(got) != 1 || len(list) != 2 || list[0].ID != h1.ID || list[1].ID != h2.ID {
		t.Fatalf("GET /hooks = %+v, want hooks %d (disabled) and %d", got, h1.ID, h2.ID)
	}
	if list[0].DisabledAt == nil || list[1].DisabledAt != nil {
		t.Errorf("disabled_at: %v, %v; want set, null", list[0].DisabledAt, list[1].DisabledAt)
	}
	for _, h := range list {
		if h.ID == hB.ID {
			t.Error("another account's hook is listed")
		}
	}
}

func TestPutHookDisablesAndEnables(t *testing.T) {
	e := newEnv(t)
	h := e.mustCreateHook(t, e.tokA, 12345)
	path := fmt.Sprintf("/hooks/%d", h.ID)

	e.clock.Add(90 * time.Second) // 17:32:07.5
	body := e.mustDo(t, "PUT", path, e.tokA, `{"enable":false}`, http.StatusOK)
	want := fmt.Sprintf(`{"id":%d,"client_id":%d,"type":"post_load","version":1,"destination_id":12345,
		"config":{"url":"https://hooks.example.com/catch/abc","secret":%q},
		"created_at":"2019-07-17T17:30:37Z","modified_at":"2019-07-17T17:32:07Z","disabled_at":"2019-07-17T17:32:07Z"}`,
		h.ID, clientA, h.Config.Secret)
	mustJSONEqual(t, body, want)
	if got := e.store.Match(clientA, 12345); len(got) != 0 {
		t.Errorf("Match after disable = %+v, want none", got)
	}

	e.clock.Add(time.Minute) // 17:33:07.5
	body = e.mustDo(t, "PUT", path, e.tokA, `{"enable":true}`, http.StatusOK)
	want = strings.Replace(want, `"modified_at":"2019-07-17T17:32:07Z","disabled_at":"2019-07-17T17:32:07Z"`,
		`"modified_at":"2019-07-17T17:33:07Z","disabled_at":null`, 1)
	mustJSONEqual(t, body, want)
	if got := e.store.Match(clientA, 12345); len(got) != 1 || got[0].ID != h.ID {
		t.Errorf("Match after enable = %+v, want hook %d", got, h.ID)
	}
}

func TestDeleteHook(t *testing.T) {
	e := newEnv(t)
	h := e.mustCreateHook(t, e.tokA, 12345)
	path := fmt.Sprintf("/hooks/%d", h.ID)

	if body := e.mustDo(t, "DELETE", path, e.tokA, "", http.StatusOK); body != "null" {
		t.Errorf("DELETE body %q, want null", body)
	}
	mustJSONEqual(t, e.mustDo(t, "GET", "/hooks", e.tokA, "", http.StatusOK), `{"post_load":[]}`)
	if _, ok := e.store.Hook(h.ID); ok {
		t.Error("Hook finds a deleted hook")
	}
	e.mustError(t, "DELETE", path, e.tokA, "", http.StatusNotFound, `{"error":"NotFound"}`)
	e.mustError(t, "PUT", path, e.tokA, `{"enable":true}`, http.StatusNotFound, `{"error":"NotFound"}`)
}

func TestPostHookInvalidBody(t *testing.T) {
	e := newEnv(t)
	const invalid = `{"data":{"message":"Invalid POST body"},"error":"InvalidBody"}`
	for name, body := range map[string]string{
		"unknown field":           `{"type":"post_load","destination_id":1,"config":{"url":"https://a.example"},"extra":1}`,
		"unknown field in config": `{"type":"post_load","destination_id":1,"config":{"url":"https://a.example","secret":"whsec_x"}}`,
		"key in another case":     `{"Type":"post_load","destination_id":1,"config":{"url":"https://a.example"}}`,
		"missing type":            `{"destination_id":1,"config":{"url":"https://a.example"}}`,
		"missing destination_id":  `{"type":"post_load","config":{"url":"https://a.example"}}`,
		"missing config":          `{"type":"post_load","destination_id":1}`,
		"missing url":             `{"type":"post_load","destination_id":1,"config":{}}`,
		"destination_id string":   `{"type":"post_load","destination_id":"1","config":{"url":"https://a.example"}}`,
		"destination_id float":    `{"type":"post_load","destination_id":1.5,"config":{"url":"https://a.example"}}`,
		"destination_id zero":     `{"type":"post_load","destination_id":0,"config":{"url":"https://a.example"}}`,
		"destination_id null":     `{"type":"post_load","destination_id":null,"config":{"url":"https://a.example"}}`,
		"type number":             `{"type":1,"destination_id":1,"config":{"url":"https://a.example"}}`,
		"type not post_load":      `{"type":"pre_load","destination_id":1,"config":{"url":"https://a.example"}}`,
		"config string":           `{"type":"post_load","destination_id":1,"config":"https://a.example"}`,
		"url number":              `{"type":"post_load","destination_id":1,"config":{"url":5}}`,
		"url null":                `{"type":"post_load","destination_id":1,"config":{"url":null}}`,
		"empty body":              ``,
		"null":                    `null`,
		"array":                   `[]`,
		"not JSON":                `type=post_load`,
		"data after the object":   hookBodyA + `{}`,
		"truncated":               `{"type":"post_load"`,
	} {
		t.Run(name, func(t *testing.T) {
			e.mustError(t, "POST", "/hooks", e.tokA, body, http.StatusBadRequest, invalid)
		})
	}
	mustJSONEqual(t, e.mustDo(t, "GET", "/hooks", e.tokA, "", http.StatusOK), `{"post_load":[]}`)
}

func TestPostHookInvalidURI(t *testing.T) {
	e := newEnv(t)
	for _, url := range []string{
		"http://hooks.example.com/catch",
		"/catch/abc",
		"hooks.example.com/catch",
		"https://",
		"https:///catch",
		"https://:443/catch",
		"https:hooks.example.com",
		"ftp://hooks.example.com/x",
		"::not a url::",
		"https://hooks example.com/",
		"",
		"https://hooks.example.com/" + strings.Repeat("a", egress.MaxURLLen),
	} {
		t.Run(url, func(t *testing.T) {
			e.mustError(t, "POST", "/hooks", e.tokA, hookBodyFor(1, url), http.StatusBadRequest,
				`{"error":{"message":"Invalid URI"}}`)
		})
	}
}

func TestEleventhHookIsRefused(t *testing.T) {
	e := newEnv(t)
	var hooks []schema.Hook
	for range hook.MaxHooks {
		hooks = append(hooks, e.mustCreateHook(t, e.tokA, 1))
	}
	// Disabled hooks count.
	e.mustDo(t, "PUT", fmt.Sprintf("/hooks/%d", hooks[0].ID), e.tokA, `{"enable":false}`, http.StatusOK)
	const limit = `{"error":{"message":"You have exceeded the limit of 10 hooks."}}`
	e.mustError(t, "POST", "/hooks", e.tokA, hookBodyA, http.StatusBadRequest, limit)

	// The limit is per account.
	e.mustCreateHook(t, e.tokB, 1)

	// Deleted hooks do not count.
	e.mustDo(t, "DELETE", fmt.Sprintf("/hooks/%d", hooks[3].ID), e.tokA, "", http.StatusOK)
	e.mustCreateHook(t, e.tokA, 1)
	e.mustError(t, "POST", "/hooks", e.tokA, hookBodyA, http.StatusBadRequest, limit)
}

func TestPutHookInvalidBody(t *testing.T) {
	e := newEnv(t)
	h := e.mustCreateHook(t, e.tokA, 1)
	const invalid = `{"data":{"message":"PUT body must only contain boolean 'enable' key"},"error":"InvalidBody"}`
	for name, body := range map[string]string{
		"empty object":   `{}`,
		"string":         `{"enable":"false"}`,
		"number":         `{"enable":0}`,
		"null":           `{"enable":null}`,
		"extra key":      `{"enable":true,"url":"https://a.example"}`,
		"other case":     `{"Enable":true}`,
		"bare boolean":   `true`,
		"array":          `[{"enable":true}]`,
		"empty body":     ``,
		"not JSON":       `enable=true`,
		"data after":     `{"enable":true} {}`,
		"disabled_at in": `{"disabled_at":null}`,
	} {
		t.Run(name, func(t *testing.T) {
			e.mustError(t, "PUT", fmt.Sprintf("/hooks/%d", h.ID), e.tokA, body, http.StatusBadRequest, invalid)
		})
	}
	if got, _ := e.store.Hook(h.ID); !got.Enabled() {
		t.Error("an invalid PUT changed the hook")
	}
}

func TestHookOfAnotherAccountIsNotFound(t *testing.T) {
	e := newEnv(t)
	h := e.mustCreateHook(t, e.tokA, 1)
	const notFound = `{"error":"NotFound"}`
	for _, path := range []string{fmt.Sprintf("/hooks/%d", h.ID), "/hooks/999999", "/hooks/0", "/hooks/-1", "/hooks/abc"} {
		e.mustError(t, "PUT", path, e.tokB, `{"enable":false}`, http.StatusNotFound, notFound)
		e.mustError(t, "DELETE", path, e.tokB, "", http.StatusNotFound, notFound)
	}
	mustJSONEqual(t, e.mustDo(t, "GET", "/hooks", e.tokB, "", http.StatusOK), `{"post_load":[]}`)
	if got, _ := e.store.Hook(h.ID); !got.Enabled() {
		t.Error("another account changed the hook")
	}
}
