package schema

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDecodeLoadEventValid(t *testing.T) {
	ev, err := DecodeLoadEvent(mustReadFile(t, "valid/load-event.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := LoadEvent{
		EventID:       "01JD3S1Z8Q5Q7W5E4Y9K2M3N4P",
		ClientID:      116078,
		DestinationID: 12345,
		EmittedAt:     time.Date(2026, 11, 27, 6, 0, 0, 123456000, time.UTC),
	}
	got := ev
	got.Payload = nil
	if !got.EmittedAt.Equal(want.EmittedAt) {
		t.Errorf("EmittedAt = %v, want %v", got.EmittedAt, want.EmittedAt)
	}
	got.EmittedAt = want.EmittedAt
	if got.EventID != want.EventID || got.ClientID != want.ClientID || got.DestinationID != want.DestinationID {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if !json.Valid(ev.Payload) || ev.Payload[0] != '{' {
		t.Errorf("Payload = %s, want the payload object", ev.Payload)
	}
}

func TestDecodeLoadEventValidVariants(t *testing.T) {
	base := mustReadFile(t, "valid/load-event.json")
	tests := []struct {
		name string
		edit func(m map[string]any)
	}{
		{"max ids", func(m map[string]any) {
			m["client_id"] = json.Number("9223372036854775807")
			m["destination_id"] = json.Number("9223372036854775807")
		}},
		{"event_id of 128 characters", func(m map[string]any) { m["event_id"] = strings.Repeat("é", 128) }},
		{"event_id of one character", func(m map[string]any) { m["event_id"] = "x" }},
		{"emitted_at with offset", func(m map[string]any) { m["emitted_at"] = "2026-11-27T07:00:00+01:00" }},
		{"no s3_objects", func(m map[string]any) { delete(firstTable(m), "s3_objects") }},
		{"bookmark null", func(m map[string]any) { firstTable(m)["bookmark_metadata"] = nil }},
		{"bookmark empty", func(m map[string]any) { firstTable(m)["bookmark_metadata"] = []any{} }},
		{"numeric bookmark values", func(m map[string]any) {
			firstTable(m)["bookmark_metadata"] = []any{map[string]any{"key": "id", "min_value": 1, "max_value": 99}}
		}},
		{"unknown payload property", func(m map[string]any) { obj(m, "payload")["x_new"] = []any{1, "a"} }},
		{"unknown table property", func(m map[string]any) { firstTable(m)["x_new"] = true }},
		{"unknown bookmark property", func(m map[string]any) {
			firstTable(m)["bookmark_metadata"].([]any)[0].(map[string]any)["x_new"] = nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeLoadEvent(mustEdit(t, base, tt.edit)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDecodeLoadEventInvalid(t *testing.T) {
	base := mustReadFile(t, "valid/load-event.json")
	edit := func(f func(m map[string]any)) []byte { return mustEdit(t, base, f) }
	tests := []struct {
		name  string
		input []byte
		want  string // a part of the reason
	}{
		{"empty", nil, "invalid JSON: unexpected end of input at offset 0"},
		{"not JSON", []byte("event"), "invalid JSON: invalid character 'e' looking for beginning of value at offset 1"},
		{"truncated", base[:40], "invalid JSON: unexpected end of input at offset 40"},
		{"trailing data", append(bytes.Clone(base), "{}"...), "invalid JSON: invalid character '{' after top-level value"},
		{"two values", append(bytes.Clone(base), " 1"...), "after top-level value"},
		{"bad UTF-8", bytes.Replace(base, []byte("shopify"), []byte("shop\xffify"), 1), "invalid UTF-8 at offset "},
		{"not an object", []byte(`[1,2]`), "schema: got array, want object"},
		{"null", []byte(`null`), "schema: got null, want object"},
		{"missing event_id", edit(func(m map[string]any) { delete(m, "event_id") }), "schema: missing property 'event_id'"},
		{"missing payload", edit(func(m map[string]any) { delete(m, "payload") }), "missing property 'payload'"},
		{"event_id empty", edit(func(m map[string]any) { m["event_id"] = "" }), "/event_id: length must be at least 1, got 0"},
		{"event_id too long", edit(func(m map[string]any) { m["event_id"] = strings.Repeat("a", 129) }), "/event_id: length must be at most 128, got 129"},
		{"event_id with newline", edit(func(m map[string]any) { m["event_id"] = "a\nb" }), "/event_id: "},
		{"event_id number", edit(func(m map[string]any) { m["event_id"] = 7 }), "/event_id: got number, want string"},
		{"client_id zero", edit(func(m map[string]any) { m["client_id"] = 0 }), "schema: /client_id: must be >= 1, got 0"},
		{"client_id negative", edit(func(m map[string]any) { m["client_id"] = -5 }), "/client_id: must be >= 1, got -5"},
		{"client_id string", edit(func(m map[string]any) { m["client_id"] = "116078" }), "/client_id: got string, want integer"},
		{"client_id fraction", edit(func(m map[string]any) { m["client_id"] = 1.5 }), "/client_id: got number, want integer"},
		{"client_id past int64", edit(func(m map[string]any) { m["client_id"] = json.Number("9223372036854775808") }), "/client_id: must be <= 9223372036854775807, got 9223372036854775808"},
		{"client_id 1.0", edit(func(m map[string]any) { m["client_id"] = json.Number("1.0") }), "decode: cannot unmarshal number 1.0"},
		{"destination_id zero", edit(func(m map[string]any) { m["destination_id"] = 0 }), "/destination_id: must be >= 1, got 0"},
		{"emitted_at not a time", edit(func(m map[string]any) { m["emitted_at"] = "yesterday" }), "/emitted_at: 'yesterday' is not valid date-time"},
		{"emitted_at without zone", edit(func(m map[string]any) { m["emitted_at"] = "2026-11-27T06:00:00" }), "/emitted_at: "},
		{"emitted_at with space", edit(func(m map[string]any) { m["emitted_at"] = "2026-11-27 06:00:00Z" }), "/emitted_at: "},
		{"emitted_at lower-case", edit(func(m map[string]any) { m["emitted_at"] = "2026-11-27t06:00:00z" }), "/emitted_at: "},
		{"emitted_at leap second", edit(func(m map[string]any) { m["emitted_at"] = "2026-12-31T23:59:60Z" }), "/emitted_at: "},
		{"emitted_at month 13", edit(func(m map[string]any) { m["emitted_at"] = "2026-13-27T06:00:00Z" }), "/emitted_at: "},
		{"emitted_at number", edit(func(m map[string]any) { m["emitted_at"] = 1764223200 }), "/emitted_at: got number, want string"},
		{"unknown envelope property", edit(func(m map[string]any) { m["trace_id"] = "x" }), "schema: additional properties 'trace_id' not allowed"},
		{"case variant of client_id", edit(func(m map[string]any) { m["Client_ID"] = 1 }), "additional properties 'Client_ID' not allowed"},
		{"payload not an object", edit(func(m map[string]any) { m["payload"] = "{}" }), "/payload: got string, want object"},
		{"empty tables", edit(func(m map[string]any) { obj(m, "payload")["tables"] = []any{} }), "/payload/tables: item count must be at least 1, got 0"},
		{"tables null", edit(func(m map[string]any) { obj(m, "payload")["tables"] = nil }), "/payload/tables: got null, want array"},
		{"missing integration_name", edit(func(m map[string]any) { delete(obj(m, "payload"), "integration_name") }), "/payload: missing property 'integration_name'"},
		{"new_version string", edit(func(m map[string]any) { obj(m, "payload")["new_version"] = "false" }), "/payload/new_version: got string, want boolean"},
		{"bad minimum_sdc_batched_at", edit(func(m map[string]any) { obj(m, "payload")["minimum_sdc_batched_at"] = "2019-07-15" }), "/payload/minimum_sdc_batched_at: "},
		{"negative num_rows", edit(func(m map[string]any) { firstTable(m)["num_rows"] = -1 }), "/payload/tables/0/num_rows: must be >= 0, got -1"},
		{"missing bookmark_metadata", edit(func(m map[string]any) { delete(firstTable(m), "bookmark_metadata") }), "/payload/tables/0: missing property 'bookmark_metadata'"},
		{"bookmark object", edit(func(m map[string]any) { firstTable(m)["bookmark_metadata"] = map[string]any{} }), "/payload/tables/0/bookmark_metadata: got object, want null or array"},
		{"bookmark without key", edit(func(m map[string]any) {
			delete(firstTable(m)["bookmark_metadata"].([]any)[0].(map[string]any), "key")
		}), "/payload/tables/0/bookmark_metadata/0: missing property 'key'"},
		{"s3_objects string", edit(func(m map[string]any) { firstTable(m)["s3_objects"] = "a.jsonl" }), "/payload/tables/0/s3_objects: got string, want array"},
		{"many errors", edit(func(m map[string]any) {
			m["client_id"], m["destination_id"], m["event_id"], m["emitted_at"] = 0, 0, "", "x"
		}), "(and 1 more)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := DecodeLoadEvent(tt.input)
			checkInvalid(t, err, tt.want)
			if ev.EventID != "" || ev.Payload != nil {
				t.Errorf("returned %+v with the error, want the zero LoadEvent", ev)
			}
		})
	}
}

// TestDecodeLoadEventPayloadBytes checks that the payload reaches the hook
// byte for byte: indentation, escapes, non-ASCII and "<>&" untouched.
func TestDecodeLoadEventPayloadBytes(t *testing.T) {
	payload := "{\n\t\"version\" : \"1.0\",\n" +
		"    \"minimum_sdc_batched_at\": \"2019-07-15T14:45:08.026Z\",\r\n" +
		"    \"integration_name\": \"shopify <prod> & \\u00e9t\\u00e9 \\\"quoted\\\"\",\n" +
		"    \"new_version\": false,\n" +
		"    \"source_root_table_name\": \"commandes_été_日本\",\n" +
		"    \"destination_root_table_name\": \"orders\",\n" +
		"    \"table_version\": 0,\n" +
		"    \"tables\": [ {\n" +
		"        \"source_table_name\": \"commandes_été_日本\", \"destination_table_name\": \"orders\",\n" +
		"        \"num_rows\": 1e2, \"num_rows_rejected\": 0,\n" +
		"        \"bookmark_metadata\": [{\"key\": \"id\", \"min_value\": 1.50, \"max_value\": \"<&>\"}],\n" +
		"        \"max_time_extracted\": \"2019-07-15T14:43:09.030Z\",\n" +
		"        \"note\": \"emoji 🚀, escaped slash \\/, tab\\t\"\n" +
		"    } ]\n" +
		"  }"
	input := []byte(`{"event_id":"e-1","client_id":1,"destination_id":2,` +
		`"emitted_at":"2026-11-27T06:00:00Z","payload":  ` + payload + " \n}\n")
	ev, err := DecodeLoadEvent(input)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ev.Payload, []byte(payload)) {
		t.Errorf("Payload changed:\n got %q\nwant %q", ev.Payload, payload)
	}
	integration, table := ev.Summary()
	if integration != `shopify <prod> & été "quoted"` || table != "commandes_été_日本" {
		t.Errorf("Summary() = %q, %q", integration, table)
	}
}
