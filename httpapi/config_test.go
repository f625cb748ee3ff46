package httpapi

import (
	"strings"
	"testing"

	"github.com/postload/postload/dlq"
	"github.com/postload/postload/hook"
	"github.com/postload/postload/token"
)

func TestConfigValidate(t *testing.T) {
	full := Config{Tokens: &token.File{}, Registry: &hook.Store{}, DeadLetters: &dlq.Queue{}}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string // part of the error; "" for none
	}{
		{"complete", func(*Config) {}, ""},
		{"no tokens", func(c *Config) { c.Tokens = nil }, "Config.Tokens is nil"},
		{"no registry", func(c *Config) { c.Registry = nil }, "Config.Registry is nil"},
		{"no dead letters", func(c *Config) { c.DeadLetters = nil }, "Config.DeadLetters is nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := full
			tc.edit(&c)
			_, err := New(c)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("New() = %v, want %q", err, tc.want)
			}
		})
	}
}
