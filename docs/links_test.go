// Package docs holds the project's documentation; its tests check that the
// documentation stands on its own in a clone.
package docs

import (
	"bytes"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the repository's top directory, seen from this package.
const root = ".."

// trackedFiles returns the paths, relative to root, of the files git tracks.
func trackedFiles(tb testing.TB) []string {
	tb.Helper()
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		tb.Skipf("git ls-files: %v: these checks need a git checkout", err)
	}
	var files []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f != "" {
			files = append(files, f)
		}
	}
	return files
}

// TestNothingLinksOutsideTheRepository: the contract is stated in
// docs/contract.md; no tracked file may point at the copies outside the
// repository that a clone does not have.
func TestNothingLinksOutsideTheRepository(t *testing.T) {
	// Written in pieces so that this file does not match itself.
	needles := []string{"../" + "shared/", "event-" + "contract.md", "connect-" + "api.md"}
	for _, f := range trackedFiles(t) {
		b, err := os.ReadFile(filepath.Join(root, f))
		if os.IsNotExist(err) {
			continue // deleted in the work tree, not yet in the index
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range needles {
			if i := bytes.Index(b, []byte(n)); i >= 0 {
				line := bytes.Count(b[:i], []byte("\n")) + 1
				t.Errorf("%s:%d refers to %q, outside the repository: link docs/contract.md instead", f, line, n)
			}
		}
	}
}

// mdLink matches the target of a Markdown link or image: ](target).
var mdLink = regexp.MustCompile(`\]\(([^()\s]+)\)`)

// TestLocalLinksResolve: every relative link in a tracked Markdown file
// names a file or directory of the repository (anchors are not checked).
func TestLocalLinksResolve(t *testing.T) {
	tracked := map[string]bool{}
	files := trackedFiles(t)
	for _, f := range files {
		for d := f; d != "."; d = path.Dir(d) {
			tracked[d] = true
		}
	}
	for _, f := range files {
		if !strings.HasSuffix(f, ".md") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, f))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdLink.FindAllSubmatch(b, -1) {
			target := string(m[1])
			if strings.Contains(target, "://") || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			p := path.Clean(path.Join(path.Dir(f), target))
			if !tracked[p] {
				t.Errorf("%s links %q, which is no tracked file or directory (%s)", f, m[1], p)
			}
		}
	}
}
