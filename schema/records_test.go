package schema

import (
	"strings"
	"testing"
)

// invalidCase is a message derived from a valid example, and a part of the
// reason its decoder must give.
type invalidCase struct {
	name string
	edit func(m map[string]any)
	want string
}

// runInvalid derives each case from the example file and checks that
// decode refuses it with the reason.
func runInvalid(t *testing.T, example string, decode func([]byte) error, tests []invalidCase) {
	t.Helper()
	base := mustReadFile(t, example)
	common := []invalidCase{
		{"unknown property", func(m map[string]any) { m["extra"] = 1 }, "additional properties 'extra' not allowed"},
	}
	for _, tt := range append(common, tests...) {
		t.Run(tt.name, func(t *testing.T) {
			checkInvalid(t, decode(mustEdit(t, base, tt.edit)), tt.want)
		})
	}
	for name, input := range map[string][]byte{
		"empty":     nil,
		"not JSON":  []byte("{'id': 1}"),
		"truncated": base[:len(base)/2],
		"bad UTF-8": append([]byte(`{"a":"`), 0xc3, 0x28, '"', '}'),
		"array":     []byte("[]"),
	} {
		t.Run(name, func(t *testing.T) {
			checkInvalid(t, decode(input), "")
		})
	}
}

func TestDecodeLoadFailureInvalid(t *testing.T) {
	runInvalid(t, "valid/load-failure.json", decoders["load-failure"], []invalidCase{
		{"missing error", func(m map[string]any) { delete(m, "error") }, "schema: missing property 'error'"},
		{"error number", func(m map[string]any) { m["error"] = 1 }, "/error: got number, want string"},
		{"client_id zero", func(m map[string]any) { m["client_id"] = 0 }, "/client_id: must be >= 1, got 0"},
		{"destination_id negative", func(m map[string]any) { m["destination_id"] = -1 }, "/destination_id: must be >= 1, got -1"},
		{"event_id too long", func(m map[string]any) { m["event_id"] = strings.Repeat("9", 129) }, "/event_id: length must be at most 128"},
		{"bad emitted_at", func(m map[string]any) { m["emitted_at"] = "2026-11-27T25:00:00Z" }, "/emitted_at: '2026-11-27T25:00:00Z' is not valid date-time"},
		{"empty integration_name", func(m map[string]any) { m["integration_name"] = "" }, "/integration_name: length must be at least 1"},
		{"table name null", func(m map[string]any) { m["source_root_table_name"] = nil }, "/source_root_table_name: got null, want string"},
	})
}

func TestDecodeDeliveryInvalid(t *testing.T) {
	runInvalid(t, "valid/delivery.json", decoders["delivery"], []invalidCase{
		{"missing event", func(m map[string]any) { delete(m, "event") }, "missing property 'event'"},
		{"event not JSON", func(m map[string]any) { m["event"] = "{" }, "/event: invalid JSON: unexpected end of input at offset 1"},
		{"event not a load event", func(m map[string]any) { m["event"] = `{"event_id":"a"}` }, "/event: missing properties 'client_id', 'destination_id', 'emitted_at', 'payload'"},
		{"event with bad client_id", func(m map[string]any) {
			m["event"] = strings.Replace(m["event"].(string), `"client_id":116078`, `"client_id":0`, 1)
		}, "/event/client_id: must be >= 1, got 0"},
		{"event object", func(m map[string]any) { m["event"] = map[string]any{} }, "/event: got object, want string"},
		{"hook_id zero", func(m map[string]any) { m["hook_id"] = 0 }, "/hook_id: must be >= 1, got 0"},
		{"attempt 0", func(m map[string]any) { m["attempt"] = 0 }, "/attempt: must be >= 1, got 0"},
		{"attempt 22", func(m map[string]any) { m["attempt"] = 22 }, "/attempt: must be <= 21, got 22"},
		{"bad due_at", func(m map[string]any) { m["due_at"] = "soon" }, "/due_at: 'soon' is not valid date-time"},
		{"attempts null", func(m map[string]any) { m["attempts"] = nil }, "/attempts: got null, want array"},
		{"attempt without number", func(m map[string]any) { delete(m["attempts"].([]any)[0].(map[string]any), "number") }, "/attempts/0: missing property 'number'"},
		{"attempt number 0", func(m map[string]any) { m["attempts"].([]any)[0].(map[string]any)["number"] = 0 }, "/attempts/0/number: must be >= 1, got 0"},
		{"attempt status 0", func(m map[string]any) { m["attempts"].([]any)[1].(map[string]any)["status"] = 0 }, "/attempts/1/status: must be >= 100, got 0"},
		{"attempt negative duration", func(m map[string]any) { m["attempts"].([]any)[1].(map[string]any)["duration_ms"] = -1 }, "/attempts/1/duration_ms: must be >= 0, got -1"},
		{"attempt unknown property", func(m map[string]any) { m["attempts"].([]any)[0].(map[string]any)["x"] = 1 }, "/attempts/0: additional properties 'x' not allowed"},
	})
}

func TestDecodeDeadLetterInvalid(t *testing.T) {
	runInvalid(t, "valid/dead-letter.json", decoders["dead-letter"], []invalidCase{
		{"unknown reason", func(m map[string]any) { m["reason"] = "tired" }, "/reason: value must be one of 'retries_exhausted', 'hook_gone', 'hook_disabled'"},
		{"missing hook", func(m map[string]any) { delete(m, "hook") }, "missing property 'hook'"},
		{"hook id zero", func(m map[string]any) { obj(m, "hook")["id"] = 0 }, "/hook/id: must be >= 1, got 0"},
		{"hook url http", func(m map[string]any) { obj(m, "hook")["url"] = "http://example.com/" }, "/hook/url: 'http://example.com/' does not match pattern"},
		{"hook unknown property", func(m map[string]any) { obj(m, "hook")["secret"] = "whsec_AA==" }, "/hook: additional properties 'secret' not allowed"},
		{"empty event_id", func(m map[string]any) { m["event_id"] = "" }, "/event_id: length must be at least 1, got 0"},
		{"event not a load event", func(m map[string]any) { m["event"] = "[]" }, "/event: got array, want object"},
		{"22 attempts", func(m map[string]any) {
			as := m["attempts"].([]any)
			for len(as) < 22 {
				as = append(as, as[0])
			}
			m["attempts"] = as
		}, "/attempts: item count must be at most 21, got 22"},
		{"bad dead_at", func(m map[string]any) { m["dead_at"] = "" }, "/dead_at: '' is not valid date-time"},
	})
}

func TestDecodeInvalidInvalid(t *testing.T) {
	runInvalid(t, "valid/invalid.json", decoders["invalid"], []invalidCase{
		{"empty reason", func(m map[string]any) { m["reason"] = "" }, "/reason: length must be at least 1, got 0"},
		{"missing key", func(m map[string]any) { delete(m, "key") }, "missing property 'key'"},
		{"key not base64", func(m map[string]any) { m["key"] = "not base64!" }, "/key: 'not base64!' does not match pattern"},
		{"value number", func(m map[string]any) { m["value"] = 5 }, "/value: got number, want null or string"},
		{"value_bytes negative", func(m map[string]any) { m["value_bytes"] = -1 }, "/value_bytes: must be >= 0, got -1"},
		{"value_bytes string", func(m map[string]any) { m["value_bytes"] = "30" }, "/value_bytes: got string, want integer"},
		{"bad topic", func(m map[string]any) { m["topic"] = "load completed" }, "/topic: 'load completed' does not match pattern"},
		{"negative partition", func(m map[string]any) { m["partition"] = -1 }, "/partition: must be >= 0, got -1"},
		{"negative offset", func(m map[string]any) { m["offset"] = -1 }, "/offset: must be >= 0, got -1"},
		{"bad seen_at", func(m map[string]any) { m["seen_at"] = "2026-11-27T06:00:02.5" }, "/seen_at: "},
	})
}

func TestDecodeHookInvalid(t *testing.T) {
	runInvalid(t, "valid/hook.json", decoders["hook"], []invalidCase{
		{"id zero", func(m map[string]any) { m["id"] = 0 }, "/id: must be >= 1, got 0"},
		{"client_id string", func(m map[string]any) { m["client_id"] = "1" }, "/client_id: got string, want integer"},
		{"destination_id negative", func(m map[string]any) { m["destination_id"] = -3 }, "/destination_id: must be >= 1, got -3"},
		{"other type", func(m map[string]any) { m["type"] = "pre_load" }, "/type: value must be 'post_load'"},
		{"version 2", func(m map[string]any) { m["version"] = 2 }, "/version: value must be 1"},
		{"missing config", func(m map[string]any) { delete(m, "config") }, "missing property 'config'"},
		{"missing url", func(m map[string]any) { delete(obj(m, "config"), "url") }, "/config: missing property 'url'"},
		{"http url", func(m map[string]any) { obj(m, "config")["url"] = "http://hooks.example.com/" }, "/config/url: 'http://hooks.example.com/' does not match pattern"},
		{"url without host", func(m map[string]any) { obj(m, "config")["url"] = "https:///path" }, "/config/url: "},
		{"url with space", func(m map[string]any) { obj(m, "config")["url"] = "https://a b.example/" }, "/config/url: "},
		{"bad secret", func(m map[string]any) { obj(m, "config")["secret"] = "s3cret" }, "/config/secret: 's3cret' does not match pattern"},
		{"missing disabled_at", func(m map[string]any) { delete(m, "disabled_at") }, "missing property 'disabled_at'"},
		{"bad disabled_at", func(m map[string]any) { m["disabled_at"] = "never" }, "/disabled_at: 'never' is not valid date-time"},
		{"deleted_at null", func(m map[string]any) { m["deleted_at"] = nil }, "/deleted_at: got null, want string"},
		{"bad created_at", func(m map[string]any) { m["created_at"] = "2026-02-30T00:00:00Z" }, "/created_at: "},
	})
}

func TestDecodeRecipientInvalid(t *testing.T) {
	runInvalid(t, "valid/recipient.json", decoders["recipient"], []invalidCase{
		{"id zero", func(m map[string]any) { m["id"] = 0 }, "/id: must be >= 1, got 0"},
		{"client_id negative", func(m map[string]any) { m["client_id"] = -1 }, "/client_id: must be >= 1, got -1"},
		{"missing email_address", func(m map[string]any) { delete(m, "email_address") }, "missing property 'email_address'"},
		{"email without @", func(m map[string]any) { m["email_address"] = "data-team.example.com" }, "/email_address: 'data-team.example.com' is not valid email"},
		{"email with space", func(m map[string]any) { m["email_address"] = "data team@example.com" }, "/email_address: "},
		{"email too long", func(m map[string]any) { m["email_address"] = strings.Repeat("a", 250) + "@x.io" }, "/email_address: "},
		{"bad created_at", func(m map[string]any) { m["created_at"] = "2026-11-01" }, "/created_at: "},
		{"missing disabled_at", func(m map[string]any) { delete(m, "disabled_at") }, "missing property 'disabled_at'"},
	})
}
