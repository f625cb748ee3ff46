package schema

import "encoding/json"

// Summary returns the payload's integration_name and source_root_table_name,
// for logs and emails. Either is empty when the payload does not hold it as
// a string. Keys are matched exactly, as a receiver would read them.
func (e LoadEvent) Summary() (integration, table string) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(e.Payload, &fields) != nil {
		return "", ""
	}
	_ = json.Unmarshal(fields["integration_name"], &integration)
	_ = json.Unmarshal(fields["source_root_table_name"], &table)
	return integration, table
}
