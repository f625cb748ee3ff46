package operator

import (
	"net/url"
	"time"

	"github.com/postload/postload/schema"
)

// Who disabled a hook, as far as its record says.
const (
	DisabledByPostload = "postload" // auto-disable
	DisabledByAccount  = "account"  // the API or the console
	DisabledByUnknown  = ""         // the record does not say (Config.AutoDisabled is nil)
)

// DisabledHookSection lists the disabled hooks of every account.
type DisabledHookSection struct {
	// Known is whether the records say who disabled a hook.
	Known bool           `json:"known"`
	Hooks []DisabledHook `json:"hooks"`
}

// DisabledHook is one disabled hook.
type DisabledHook struct {
	ClientID   int64     `json:"client_id"`
	HookID     int64     `json:"hook_id"`
	Endpoint   string    `json:"endpoint"` // scheme://host[:port]
	DisabledAt time.Time `json:"disabled_at"`
	// DisabledBy is DisabledByPostload, DisabledByAccount, or empty.
	DisabledBy string `json:"disabled_by,omitempty"`
	// Of an auto-disabled hook: since when every attempt failed, how many
	// did, and the last error.
	FailingSince   *time.Time `json:"failing_since,omitempty"`
	FailedAttempts int        `json:"failed_attempts,omitempty"`
	LastError      string     `json:"last_error,omitempty"`
}

// disabled lists the hooks with a disabled_at, in the order hooks has
// them (by account, then id).
func (s *Server) disabled(hooks []schema.Hook) DisabledHookSection {
	sec := DisabledHookSection{Known: s.cfg.AutoDisabled != nil, Hooks: []DisabledHook{}}
	for _, h := range hooks {
		if h.DisabledAt == nil {
			continue
		}
		d := DisabledHook{ClientID: h.ClientID, HookID: h.ID, Endpoint: endpoint(h.Config.URL), DisabledAt: h.DisabledAt.UTC()}
		if s.cfg.AutoDisabled != nil {
			d.DisabledBy = DisabledByAccount
			if a := s.cfg.AutoDisabled(h); a != nil {
				since := a.FailingSince.UTC()
				d.DisabledBy, d.FailingSince, d.FailedAttempts, d.LastError = DisabledByPostload, &since, a.FailedAttempts, a.LastError
			}
		}
		sec.Hooks = append(sec.Hooks, d)
	}
	return sec
}

// endpoint is a hook URL's scheme://host[:port]: its path and query may
// carry the receiver's tokens.
func endpoint(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "invalid-url"
	}
	return u.Scheme + "://" + u.Host
}
