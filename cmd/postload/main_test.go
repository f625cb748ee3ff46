package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopBrowser()        // the one Chromium the browser tests shared
	if built.bin != "" { // the binary the process tests shared
		os.RemoveAll(filepath.Dir(built.bin))
	}
	os.Exit(code)
}
