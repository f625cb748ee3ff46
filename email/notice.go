package email

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/schema"
)

// SubjectAutoDisabled is the subject of the auto-disable email.
const SubjectAutoDisabled = "Post-load hook disabled: every delivery attempt failed"

// notice is the value of a record of Config.FailedLoadsTopic that is not a
// failed load: an auto-disable notice (autodisable.Tracker's).
type notice struct {
	AutoDisabled *schema.AutoDisableNotice `json:"auto_disabled"`
}

// Notice turns an auto-disable notice into the record to publish to
// Config.FailedLoadsTopic, the email role's inbox keyed by client id, so
// that every notice of a hook reaches the one owner of its account's
// partition. The owner mails one email per hook and failing_since: a
// notice sent again (by a second instance, or after a restart) is mailed
// once, however far apart they come.
func Notice(n schema.AutoDisableNotice) (key, record []byte, err error) {
	if n.Hook.ID <= 0 || n.Hook.ClientID <= 0 || n.AutoDisabled.FailingSince.IsZero() {
		return nil, nil, fmt.Errorf("%w: an auto-disable notice needs the hook, its account and failing_since", ErrInvalid)
	}
	record, err = json.Marshal(notice{AutoDisabled: &n})
	if err != nil {
		return nil, nil, fmt.Errorf("email: encode notice: %w", err)
	}
	return []byte(strconv.FormatInt(n.Hook.ClientID, 10)), record, nil
}

// decodeNotice reads value as a notice; false when it is not one.
func decodeNotice(value []byte) (schema.AutoDisableNotice, bool) {
	var n notice
	if json.Unmarshal(value, &n) != nil || n.AutoDisabled == nil || n.AutoDisabled.Hook.ID <= 0 {
		return schema.AutoDisableNotice{}, false
	}
	return *n.AutoDisabled, true
}

// foldNotice owes the auto-disable email of n, read at offset, unless the
// hook's email for that failing streak was owed already.
func (p *part) foldNotice(offset int64, n schema.AutoDisableNotice, ch *changes) {
	log := p.log.With(zap.Int64("offset", offset), zap.Int64("hook_id", n.Hook.ID), zap.Int64("client_id", n.Hook.ClientID))
	h := p.state.hooks[n.Hook.ID]
	if h == nil {
		h = &hookState{HookID: n.Hook.ID, ClientID: n.Hook.ClientID, Through: -1}
		p.state.hooks[h.HookID] = h
	}
	since := n.AutoDisabled.FailingSince.UTC()
	if offset <= h.Through || (h.NoticeSince != nil && h.NoticeSince.Equal(since)) {
		p.s.stats.refolded.Add(1)
		log.Info("auto-disable notice of a streak mailed before; mailed once")
		return
	}
	h.Through, h.NoticeSince = offset, &since
	ch.touch(p.src.hookKey(h.HookID), h)
	to := p.s.addresses(n.Hook.ClientID)
	if len(to) == 0 {
		p.s.stats.skipped.Add(1)
		log.Info("no enabled recipient: auto-disable notice not mailed")
		return
	}
	l, err := p.s.autoDisabledLetter(n, to, p.src, offset)
	if err != nil {
		log.Error("email cannot be built; auto-disable notice not mailed", zap.Error(err))
		return
	}
	p.owe(l, ch)
}

// autoDisabledData is what the auto_disabled templates get.
type autoDisabledData struct {
	HookID, DestinationID int64
	URL                   string // as shownURL gives it
	Since, At             string
	For                   string // how long every attempt failed
	Failures              int
	LastError             string
	// The requests that re-enable the hook, then replay its dead letters
	// since the streak began (dry run first).
	EnableMethod, EnablePath, EnableBody string
	ReplayPath, ReplayDryRun, ReplayBody string
}

// autoDisabledLetter is the email of notice n, read at offset of src.
func (s *Sender) autoDisabledLetter(n schema.AutoDisableNotice, to []string, src partition, offset int64) (*letter, error) {
	a := n.AutoDisabled
	since := a.FailingSince.UTC().Format(time.RFC3339)
	d := autoDisabledData{
		HookID: n.Hook.ID, DestinationID: n.Hook.DestinationID, URL: shownURL(n.Hook.URL),
		Since: when(a.FailingSince), At: when(a.At), For: failedFor(a.At.Sub(a.FailingSince)),
		Failures: a.FailedAttempts, LastError: scrubURLs(a.LastError),
		EnableMethod: "PUT", EnablePath: fmt.Sprintf("/notifications/public/v1/api/hooks/%d", n.Hook.ID), EnableBody: `{"enable": true}`,
		ReplayPath:   fmt.Sprintf("/notifications/public/v1/api/hooks/%d/dead-letters/replay", n.Hook.ID),
		ReplayDryRun: fmt.Sprintf(`{"since": %q, "dry_run": true}`, since),
		ReplayBody:   fmt.Sprintf(`{"since": %q}`, since),
	}
	l, err := s.newLetter("auto_disabled", SubjectAutoDisabled, d, to, letterID("auto_disabled", n.Hook.ID, src, offset))
	if err != nil {
		return nil, err
	}
	l.Covers, l.HookID, l.ClientID = 1, n.Hook.ID, n.Hook.ClientID
	return l, nil
}

// failedFor says how long every attempt failed: "over 5 days", "3 hours".
func failedFor(d time.Duration) string {
	const day = 24 * time.Hour
	if d < day {
		return human(d.Truncate(time.Minute))
	}
	days := "1 day"
	if n := int64(d / day); n > 1 {
		days = strconv.FormatInt(n, 10) + " days"
	}
	if d%day == 0 {
		return days
	}
	return "over " + days
}
