package hook

import (
	"fmt"
	"net/http"
	"testing"
	"time"

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
	for i := range MaxRecipients {
		rs = append(rs, e.mustCreateRecipient(t, e.tokA, fmt.Sprintf("r%d@example.com", i)))
	}
	const limit = `{"error":{"message":"Account not authorized to create additional custom notification email addresses."}}`
	e.mustError(t, "POST", "/custom-emails", e.tokA, `{"email_address":"r11@example.com"}`, http.StatusBadRequest, limit)
	e.mustCreateRecipient(t, e.tokB, "b@example.com")

	e.mustDo(t, "DELETE", fmt.Sprintf("/custom-emails/%d", rs[0].ID), e.tokA, "", http.StatusOK)
	e.mustCreateRecipient(t, e.tokA, "r11@example.com")
	e.mustError(t, "POST", "/custom-emails", e.tokA, `{"email_address":"r12@example.com"}`, http.StatusBadRequest, limit)
}

func TestPutRecipientPausesNowAndReenables(t *testing.T) {
	e := newEnv(t)
	r := e.mustCreateRecipient(t, e.tokA, "ops@example.com")
	path := fmt.Sprintf("/custom-emails/%d", r.ID)

	e.clock.Add(time.Hour)
	body := e.mustDo(t, "PUT", path, e.tokA, `{"disabled_at":"2019-06-01T00:00:00Z"}`, http.StatusOK)
	mustJSONEqual(t, body, `{"disabled_at":"2019-07-17T18:30:37Z"}`)
	if got := e.store.Recipients(clientA); len(got) != 0 {
		t.Errorf("Recipients after pause = %+v, want none", got)
	}

	body = e.mustDo(t, "PUT", path, e.tokA, `{"disabled_at":null}`, http.StatusOK)
	mustJSONEqual(t, body, `{"disabled_at":null}`)
	if got := e.store.Recipients(clientA); len(got) != 1 || got[0].ID != r.ID {
		t.Errorf("Recipients after re-enable = %+v, want %d", got, r.ID)
	}
}

func TestPutRecipientInvalidTime(t *testing.T) {
	e := newEnv(t)
	r := e.mustCreateRecipient(t, e.tokA, "ops@example.com")
	path := fmt.Sprintf("/custom-emails/%d", r.ID)
	for _, value := range []string{`"garbage"`, `"2019-13-01T00:00:00Z"`, `"2019-06-01"`, `""`, `5`, `true`, `{"a":1}`} {
		t.Run(value, func(t *testing.T) {
			e.mustError(t, "PUT", path, e.tokA, `{"disabled_at":`+value+`}`, http.StatusBadRequest,
				`{"disabled_at":`+value+`}`)
		})
	}
	const invalid = `{"data":{"message":"PUT body must only contain 'disabled_at' key"},"error":"InvalidBody"}`
	for _, body := range []string{`{}`, `{"enable":false}`, `{"disabled_at":null,"x":1}`, `null`, ``} {
		e.mustError(t, "PUT", path, e.tokA, body, http.StatusBadRequest, invalid)
	}
	if got := e.store.Recipients(clientA); len(got) != 1 {
		t.Error("an invalid PUT changed the recipient")
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
