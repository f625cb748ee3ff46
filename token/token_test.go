package token

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/postload/postload/internal/wait"
)

func TestCreateMakesPrivateFileAndDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets", "tokens")
	tok := mustCreate(t, path, 116078)

	if !strings.HasPrefix(tok, Prefix) || len(tok) != len(Prefix)+43 {
		t.Errorf("token %q: want %q + 43 base64url characters", tok, Prefix)
	}
	mustMode(t, path, 0o600)
	mustMode(t, filepath.Dir(path), 0o700|os.ModeDir)

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), tok) || strings.Contains(string(data), strings.TrimPrefix(tok, Prefix)) {
		t.Errorf("token file holds the token in clear: %q", data)
	}
	if want := hashHex(tok) + " 116078\n"; string(data) != want {
		t.Errorf("token file = %q, want %q", data, want)
	}
}

func TestCreateAppendsAndKeepsMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	a := mustCreate(t, path, 1)
	b := mustCreate(t, path, 2)
	if a == b {
		t.Fatal("two tokens are equal")
	}
	mustMode(t, path, 0o600)
	f := mustOpen(t, path, zaptest.NewLogger(t))
	mustClient(t, f, a, 1)
	mustClient(t, f, b, 2)
}

func TestCreateRejectsBadInput(t *testing.T) {
	if _, err := Create(filepath.Join(t.TempDir(), "tokens"), 0); err == nil {
		t.Error("client id 0: want an error")
	}
	if _, err := Create("", 1); err == nil {
		t.Error("empty path: want an error")
	}
}

func TestLookup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	tok := mustCreate(t, path, 42)
	f := mustOpen(t, path, zaptest.NewLogger(t))

	mustClient(t, f, tok, 42)
	for _, bad := range []string{"", "pl_unknown", tok + "x", strings.TrimPrefix(tok, Prefix), hashHex(tok)} {
		if id, ok := f.ClientID(bad); ok {
			t.Errorf("ClientID(%q) = %d, true; want false", bad, id)
		}
	}
}

func TestPicksUpNewTokenWithoutRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	first := mustCreate(t, path, 1)
	f := mustOpen(t, path, zaptest.NewLogger(t))
	mustClient(t, f, first, 1)

	second := mustCreate(t, path, 2)
	wait.For(t, 3*time.Second, func() (bool, string) {
		id, ok := f.ClientID(second)
		return ok && id == 2, "new token not seen"
	})
	mustClient(t, f, first, 1)
}

func TestMissingFileMeansNoTokensUntilCreated(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	path := filepath.Join(t.TempDir(), "dir", "tokens")
	f := mustOpen(t, path, zap.New(core))
	if logs.FilterMessageSnippet("does not exist").Len() != 1 {
		t.Errorf("want one log line saying the file does not exist, got %v", logs.All())
	}
	if _, ok := f.ClientID("pl_anything"); ok {
		t.Fatal("a token was found with no token file")
	}

	tok := mustCreate(t, path, 7)
	wait.For(t, 3*time.Second, func() (bool, string) {
		id, ok := f.ClientID(tok)
		return ok && id == 7, "token in the new file not seen"
	})
}

func TestMalformedLinesAreSkippedWithLineNumber(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	good := mustCreate(t, path, 5)
	secretish := "pl_this-must-not-be-logged"
	content := "# comment\n\n" + // lines 1-2: ignored silently
		secretish + " 9\n" + // line 3: not a hash
		hashHex("pl_x") + " notanumber\n" + // line 4
		hashHex("pl_y") + " -3\n" + // line 5: not positive
		hashHex("pl_z") + "\n" // line 6: no client id
	appendFile(t, path, content)

	core, logs := observer.New(zap.InfoLevel)
	f := mustOpen(t, path, zap.New(core))
	mustClient(t, f, good, 5)

	warned := map[int64]bool{}
	for _, e := range logs.FilterLevelExact(zap.WarnLevel).All() {
		line, ok := e.ContextMap()["line"].(int64)
		if !ok {
			t.Errorf("warning without a line number: %q %v", e.Message, e.ContextMap())
		}
		warned[line] = true
		for _, leak := range []string{secretish, hashHex("pl_x"), "notanumber"} {
			if strings.Contains(e.Message, leak) || strings.Contains(fmtFields(e.ContextMap()), leak) {
				t.Errorf("warning leaks the line's content: %q %v", e.Message, e.ContextMap())
			}
		}
	}
	for _, line := range []int64{4, 5, 6, 7} { // +1: the line Create wrote comes first
		if !warned[line] {
			t.Errorf("no warning for line %d; warned for %v", line, warned)
		}
	}
	if len(warned) != 4 {
		t.Errorf("warned for lines %v, want exactly 4..7", warned)
	}
}
