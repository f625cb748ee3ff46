package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if built.bin != "" { // the binary the process tests shared
		os.RemoveAll(filepath.Dir(built.bin))
	}
	os.Exit(code)
}
