package schema

import (
	"encoding/json"
	"io/fs"
	"testing"
)

func TestSchemasCompile(t *testing.T) {
	if _, err := compileAll(); err != nil {
		t.Fatal(err)
	}
}

func TestSchemaFilesDeclareDraftAndID(t *testing.T) {
	names, err := fs.Glob(schemaFiles, "*.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 9 {
		t.Errorf("got %d schema files, want 9: %v", len(names), names)
	}
	for _, name := range names {
		b, err := schemaFiles.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var head struct {
			Schema string `json:"$schema"`
			ID     string `json:"$id"`
		}
		if err := json.Unmarshal(b, &head); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if head.Schema != "https://json-schema.org/draft/2020-12/schema" {
			t.Errorf("%s: $schema = %q, want draft 2020-12", name, head.Schema)
		}
		if head.ID != baseURL+name {
			t.Errorf("%s: $id = %q, want %q", name, head.ID, baseURL+name)
		}
	}
}
