package token

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/zap"
)

func mustCreate(tb testing.TB, path string, clientID int64) string {
	tb.Helper()
	tok, err := Create(path, clientID)
	if err != nil {
		tb.Fatalf("Create(%d): %v", clientID, err)
	}
	return tok
}

func mustOpen(tb testing.TB, path string, log *zap.Logger) *File {
	tb.Helper()
	f, err := Open(path, log)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return f
}

func mustClient(tb testing.TB, f *File, tok string, want int64) {
	tb.Helper()
	if id, ok := f.ClientID(tok); !ok || id != want {
		tb.Errorf("ClientID = %d, %v; want %d, true", id, ok, want)
	}
}

func mustMode(tb testing.TB, path string, want os.FileMode) {
	tb.Helper()
	info, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	if got := info.Mode() & (os.ModeDir | os.ModePerm); got != want {
		tb.Errorf("mode of %s = %v, want %v", path, got, want)
	}
}

func appendFile(tb testing.TB, path, content string) {
	tb.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(content); err != nil {
		tb.Fatal(err)
	}
}

func fmtFields(m map[string]any) string { return fmt.Sprint(m) }
