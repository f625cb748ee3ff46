package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/hook"
	"github.com/postload/postload/schema"
)

func (e *env) mustCreateRecipient(tb testing.TB, tok, email string) schema.Recipient {
	tb.Helper()
	body := e.mustDo(tb, "POST", "/custom-emails", tok, fmt.Sprintf(`{"email_address":%q}`, email), http.StatusOK)
	return mustDecode[schema.Recipient](tb, body)
}

func TestPostRecipientReturnsIt(t *testing.T) {
	e := newEnv(t)
	body := e.mustDo(t, "POST", "/custom-emails", e.tokA, `{"email_address":"ops@example.com"}`, http.StatusOK)
	r := mustDecode[schema.Recipient](t, body)
	if r.ID <= 0 {
		t.Errorf("id %d, want positive", r.ID)
	}
	mustJSONEqual(t, body, fmt.Sprintf(`{"id":%d,"client_id":%d,"email_address":"ops@example.com",
		"created_at":"2019-07-17T17:30:37Z","disabled_at":null}`, r.ID, clientA))
}

func TestGetRecipients(t *testing.T) {
	e := newEnv(t)
	mustJSONEqual(t, e.mustDo(t, "GET", "/custom-emails", e.tokA, "", http.StatusOK), `[]`)
	r1 := e.mustCreateRecipient(t, e.tokA, "one@example.com")
	e.mustCreateRecipient(t, e.tokB, "b@example.com")
	r2 := e.mustCreateRecipient(t, e.tokA, "two@example.com")
	e.mustDo(t, "PUT", fmt.Sprintf("/custom-emails/%d", r2.ID), e.tokA, `{"disabled_at":"2019-06-01T00:00:00Z"}`, http.StatusOK)

	mustJSONEqual(t, e.mustDo(t, "GET", "/custom-emails", e.tokA, "", http.StatusOK), fmt.Sprintf(`[
		{"id":%d,"client_id":%d,"email_address":"one@example.com","created_at":"2019-07-17T17:30:37Z","disabled_at":null},
		{"id":%d,"client_id":%d,"email_address":"two@example.com","created_at":"2019-07-17T17:30:37Z","disabled_at":"2019-07-17T17:30:37Z"}]`,
		r1.ID, clientA, r2.ID, clientA))
	if got := e.store.Recipients(clientA); len(got) != 1 || got[0].ID != r1.ID {
		t.Errorf("Recipients = %+v, want only the enabled %d", got, r1.ID)
	}
}

func TestPostRecipientInvalid(t *testing.T) {
	e := newEnv(t)
	const invalid = `{"error":{"message":{"email_address":"Required. Must be valid email address format."}}}`
	for name, body := range map[string]string{
		"not an address":    `{"email_address":"not-an-address"}`,
		"with display name": `{"email_address":"Ops <ops@example.com>"}`,
		"with spaces":       `{"email_address":" ops@example.com "}`,
		"empty":             `{"email_address":""}`,
		"number":            `{"email_address":5}`,
		"null":              `{"email_address":null}`,
		"missing":           `{}`,
		"unknown field":     `{"email_address":"ops@example.com","name":"Ops"}`,
		"empty body":        ``,
		"not JSON":          `ops@example.com`,
	} {
		t.Run(name, func(t *testing.T) {
			e.mustError(t, "POST", "/custom-emails", e.tokA, body, http.StatusBadRequest, invalid)
		})
	}
	mustJSONEqual(t, e.mustDo(t, "GET", "/custom-emails", e.tokA, "", http.StatusOK), `[]`)
}

func TestEleventhRecipientIsRefused(t *testing.T) {
	e := newEnv(t)
	var rs []schema.Recipient
	for i := range hook.MaxRecipients {
		rs = append(rs, e.mustCreateRecipient(t, e.tokA, fmt.Sprintf("r%d@example.com", i)))
	}
	const limit = `{"error":{"message":"Account not authorized to create additional custom notification email addresses."}}`
	e.mustError(t, "POST", "/custom-emails", e.tokA, `{"email_address":"r11@example.com"}`, http.StatusBadRequest, limit)
	e.mustCreateRecipient(t, e.tokB, "b@example.com")

	e.mustDo(t, "DELETE", fmt.Sprintf("/custom-emails/%d", rs[0].ID), e.tokA, "", http.StatusOK)
	e.mustCreateRecipient(t, e.tokA, "r11@example.com")
	e.mustError(t, "POST", "/custom-emails", e.tokA, `{"email_address":"r12@example.com"}`, http.StatusBadRequest, limit)
}

// mustRecipient returns recipient id of the account as GET /custom-emails
// shows it.
func (e *env) mustRecipient(tb testing.TB, tok string, id int64) schema.Recipient {
	tb.Helper()
	for _, r := range mustDecode[[]schema.Recipient](tb, e.mustDo(tb, "GET", "/custom-emails", tok, "", http.StatusOK)) {
		if r.ID == id {
			return r
		}
	}
	tb.Fatalf("recipient %d not in GET /custom-emails", id)
	return schema.Recipient{}
}

// mustBody checks that a request answers exactly status and body, byte for
// byte.
func (e *env) mustBody(tb testing.TB, method, path, tok, body string, status int, want string) {
	tb.Helper()
	if got := e.mustDo(tb, method, path, tok, body, status); got != want {
		tb.Errorf("%s %s %s: body\n got %s\nwant %s", method, path, body, got, want)
	}
}

// A pause answers the value sent and takes effect at once, whatever the
// time; the recipient's disabled_at is the time of the pause.
func TestPutRecipientPausesNowAndReenables(t *testing.T) {
	e := newEnv(t)
	r := e.mustCreateRecipient(t, e.tokA, "ops@example.com")
	path := fmt.Sprintf("/custom-emails/%d", r.ID)
	pausedAt := time.Date(2019, 7, 17, 18, 30, 37, 0, time.UTC) // the test clock, in whole seconds

	for _, tc := range []struct{ name, body, want string }{
		{"a past time", `{"disabled_at":"2019-06-01T00:00:00Z"}`, `{"disabled_at":"2019-06-01T00:00:00Z"}`},
		{"a future time", `{"disabled_at":"2999-01-01T00:00:00Z"}`, `{"disabled_at":"2999-01-01T00:00:00Z"}`},
		{"an offset and a fraction", `{ "disabled_at" : "2019-06-01T02:00:00.25+02:00" }`, `{"disabled_at":"2019-06-01T02:00:00.25+02:00"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.clock.Add(time.Hour)
			e.mustBody(t, "PUT", path, e.tokA, tc.body, http.StatusOK, tc.want)
			if got := e.store.Recipients(clientA); len(got) != 0 {
				t.Errorf("Recipients after pause = %+v, want none", got)
			}
			got := e.mustRecipient(t, e.tokA, r.ID)
			if got.DisabledAt == nil || !got.DisabledAt.Equal(pausedAt) {
				t.Errorf("disabled_at = %v, want the time of the pause %v", got.DisabledAt, pausedAt)
			}

			e.mustBody(t, "PUT", path, e.tokA, `{"disabled_at":null}`, http.StatusOK, `{"disabled_at":null}`)
			if got := e.store.Recipients(clientA); len(got) != 1 || got[0].ID != r.ID {
				t.Errorf("Recipients after re-enable = %+v, want %d", got, r.ID)
			}
			if got := e.mustRecipient(t, e.tokA, r.ID); got.DisabledAt != nil {
				t.Errorf("disabled_at after re-enable = %v, want null", got.DisabledAt)
			}
			pausedAt = pausedAt.Add(time.Hour)
		})
	}
}

// Pausing a paused recipient answers the value sent and keeps the time of
// the first pause.
func TestPutRecipientPausedTwiceKeepsFirstPause(t *testing.T) {
	e := newEnv(t)
	r := e.mustCreateRecipient(t, e.tokA, "ops@example.com")
	path := fmt.Sprintf("/custom-emails/%d", r.ID)
	e.mustBody(t, "PUT", path, e.tokA, `{"disabled_at":"2019-06-01T00:00:00Z"}`, http.StatusOK, `{"disabled_at":"2019-06-01T00:00:00Z"}`)
	e.clock.Add(time.Hour)
	e.mustBody(t, "PUT", path, e.tokA, `{"disabled_at":"2019-06-02T00:00:00Z"}`, http.StatusOK, `{"disabled_at":"2019-06-02T00:00:00Z"}`)
	got := e.mustRecipient(t, e.tokA, r.ID)
	if want := time.Date(2019, 7, 17, 17, 30, 37, 0, time.UTC); got.DisabledAt == nil || !got.DisabledAt.Equal(want) {
		t.Errorf("disabled_at = %v, want the first pause's %v", got.DisabledAt, want)
	}
}

// A disabled_at that is neither null nor an RFC 3339 time is answered as
// sent.
func TestPutRecipientInvalidTime(t *testing.T) {
	e := newEnv(t)
	r := e.mustCreateRecipient(t, e.tokA, "ops@example.com")
	path := fmt.Sprintf("/custom-emails/%d", r.ID)
	for _, value := range []string{`"garbage"`, `"2019-13-01T00:00:00Z"`, `"2019-06-01"`, `""`, `5`, `true`, `{"a":1}`, `[]`} {
		t.Run(value, func(t *testing.T) {
			e.mustBody(t, "PUT", path, e.tokA, `{"disabled_at":`+value+`}`, http.StatusBadRequest, `{"disabled_at":`+value+`}`)
		})
	}
	// As sent means the same JSON value in compact form, with <, > and &
	// escaped as encoding/json writes them.
	e.mustBody(t, "PUT", path, e.tokA, `{"disabled_at": { "a" : 1 } }`, http.StatusBadRequest, `{"disabled_at":{"a":1}}`)
	e.mustBody(t, "PUT", path, e.tokA, `{"disabled_at":"<b>&"}`, http.StatusBadRequest, `{"disabled_at":"\u003cb\u003e\u0026"}`)
	if got := e.store.Recipients(clientA); len(got) != 1 || got[0].DisabledAt != nil {
		t.Errorf("an invalid PUT changed the recipient: %+v", got)
	}
}

// A body that is not an object with exactly the key disabled_at is the
// invalid value: answered as {"disabled_at": <the body>}, the one error form
// the Connect API documents.
func TestPutRecipientInvalidBody(t *testing.T) {
	e := newEnv(t)
	r := e.mustCreateRecipient(t, e.tokA, "ops@example.com")
	path := fmt.Sprintf("/custom-emails/%d", r.ID)
	for _, tc := range []struct{ name, body, want string }{
		{"no key", `{}`, `{"disabled_at":{}}`},
		{"another key", `{"enable":false}`, `{"disabled_at":{"enable":false}}`},
		{"a key too many", `{"disabled_at":null,"x":1}`, `{"disabled_at":{"disabled_at":null,"x":1}}`},
		{"key in another case", `{"Disabled_At":null}`, `{"disabled_at":{"Disabled_At":null}}`},
		{"an array", ` [1, 2] `, `{"disabled_at":[1,2]}`},
		{"a bare time", `"2019-06-01T00:00:00Z"`, `{"disabled_at":"2019-06-01T00:00:00Z"}`},
		{"null", `null`, `{"disabled_at":null}`},
		{"empty", ``, `{"disabled_at":""}`},
		{"not JSON", `disabled_at=2019-06-01`, `{"disabled_at":"disabled_at=2019-06-01"}`},
		{"two objects", `{"disabled_at":null}{}`, `{"disabled_at":"{\"disabled_at\":null}{}"}`},
		{"invalid UTF-8", "{\"disabled_at\":\"\xff\"}", `{"disabled_at":"{\"disabled_at\":\"\ufffd\"}"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.mustBody(t, "PUT", path, e.tokA, tc.body, http.StatusBadRequest, tc.want)
		})
	}
	t.Run("too large", func(t *testing.T) {
		big := `{"disabled_at":"` + strings.Repeat("x", maxBody) + `"}`
		e.mustBody(t, "PUT", path, e.tokA, big, http.StatusRequestEntityTooLarge, `{"error":"RequestEntityTooLarge"}`)
	})
	if got := e.store.Recipients(clientA); len(got) != 1 || got[0].DisabledAt != nil {
		t.Errorf("an invalid PUT changed the recipient: %+v", got)
	}
}

func TestRecipientOfAnotherAccountIsNotFound(t *testing.T) {
	e := newEnv(t)
	r := e.mustCreateRecipient(t, e.tokA, "ops@example.com")
	const notFound = `{"error":"NotFound"}`
	for _, path := range []string{fmt.Sprintf("/custom-emails/%d", r.ID), "/custom-emails/999999", "/custom-emails/x"} {
		e.mustError(t, "PUT", path, e.tokB, `{"disabled_at":null}`, http.StatusNotFound, notFound)
		e.mustError(t, "DELETE", path, e.tokB, "", http.StatusNotFound, notFound)
	}
	mustJSONEqual(t, e.mustDo(t, "GET", "/custom-emails", e.tokB, "", http.StatusOK), `[]`)
}

func TestDeleteRecipient(t *testing.T) {
	e := newEnv(t)
	r := e.mustCreateRecipient(t, e.tokA, "ops@example.com")
	path := fmt.Sprintf("/custom-emails/%d", r.ID)
	if body := e.mustDo(t, "DELETE", path, e.tokA, "", http.StatusOK); body != "null" {
		t.Errorf("DELETE body %q, want null", body)
	}
	mustJSONEqual(t, e.mustDo(t, "GET", "/custom-emails", e.tokA, "", http.StatusOK), `[]`)
	e.mustError(t, "DELETE", path, e.tokA, "", http.StatusNotFound, `{"error":"NotFound"}`)
	e.mustError(t, "PUT", path, e.tokA, `{"disabled_at":null}`, http.StatusNotFound, `{"error":"NotFound"}`)
}
