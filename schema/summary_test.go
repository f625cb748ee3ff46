package schema

import (
	"encoding/json"
	"testing"
)

func TestSummary(t *testing.T) {
	tests := []struct {
		name, payload          string
		integration, tableName string
	}{
		{"both", `{"integration_name":"shopify","source_root_table_name":"orders"}`, "shopify", "orders"},
		{"escaped", `{"integration_name":"sh\u00f6p","source_root_table_name":"a\"b"}`, "shöp", `a"b`},
		{"exact keys only", `{"Integration_Name":"x","integration_name":"y","SOURCE_ROOT_TABLE_NAME":"z"}`, "y", ""},
		{"wrong type", `{"integration_name":1,"source_root_table_name":"orders"}`, "", "orders"},
		{"not an object", `[1]`, "", ""},
		{"not JSON", `{`, "", ""},
		{"empty", ``, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			integration, table := LoadEvent{Payload: json.RawMessage(tt.payload)}.Summary()
			if integration != tt.integration || table != tt.tableName {
				t.Errorf("Summary() = %q, %q; want %q, %q", integration, table, tt.integration, tt.tableName)
			}
		})
	}
}

func TestSummaryOfSample(t *testing.T) {
	integration, table := mustDecodeLoadEvent(t, SampleLoadEvent("e", 1, 1, false, sampleNow)).Summary()
	if integration != "shopify" || table != "orders" {
		t.Errorf("Summary() = %q, %q", integration, table)
	}
}
