package schema

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestGoldenValid decodes every example under testdata/valid with the
// decoder its name starts with ("hook-deleted.json": DecodeHook).
func TestGoldenValid(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "valid", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, file := range files {
		base := filepath.Base(file)
		t.Run(base, func(t *testing.T) {
			for msg, decode := range decoders {
				if base == msg+".json" || strings.HasPrefix(base, msg+"-") {
					seen[msg] = true
					if err := decode(mustReadFile(t, filepath.Join("valid", base))); err != nil {
						t.Fatal(err)
					}
					return
				}
			}
			t.Fatal("no decoder for this file name")
		})
	}
	for msg := range decoders {
		if !seen[msg] {
			t.Errorf("no example of %s in testdata/valid", msg)
		}
	}
}
