package console

import (
	"bytes"
	"embed"
	"fmt"
	"hash/fnv"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"go.uber.org/zap"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages are the templates, one per page, each with the layout.
type pages map[string]*template.Template

// pageNames are the pages; templates/<name>.html defines its "title" and
// "content".
var pageNames = []string{"signin", "error", "hooks", "hook", "delete-hook", "recipients"}

func parsePages() (pages, error) {
	out := pages{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"prefix":        func() string { return Prefix },
	"when":          when,
	"whenp":         whenp,
	"id":            func(id int64) string { return strconv.FormatInt(id, 10) },
	"deadLetters":   deadLetters,
	"chartLeft":     func() int { return chartLeft },
	"attemptsShown": func() int { return attemptsShown },
	"pageQuery":     pageQuery,
	"rfc3339":       func(t *time.Time) string { return t.UTC().Format(time.RFC3339Nano) },
}

// pageQuery is the query of the delivery log's page at cursor, with v's
// filter.
func pageQuery(v *attemptsView, cursor string) template.URL {
	q := url.Values{"cursor": {cursor}}
	for k, x := range map[string]string{"outcome": v.Outcome, "event_id": v.EventID, "since": v.Since, "until": v.Until} {
		if x != "" {
			q.Set(k, x)
		}
	}
	return template.URL(q.Encode()) // encoded: safe in a query
}

// frame is what the layout shows around a page's content.
type frame struct {
	Client int64 // 0 when signed out
	CSRF   string
	Notice *notice
	Body   any
}

// render writes the result: a redirect, or the page in the layout, with
// no caching (pages show secrets and an account's data).
func (s *Server) render(w http.ResponseWriter, r *http.Request, a *account, res result) {
	if res.redirect != "" {
		if a != nil && a.notice != nil {
			s.setFlash(w, r, a.id, a.notice)
		}
		http.Redirect(w, r, res.redirect, http.StatusSeeOther)
		return
	}
	if res.fragment != "" {
		s.renderFragment(w, r, res)
		return
	}
	f := frame{Body: res.data}
	if a != nil {
		f.Client, f.CSRF = a.client, a.csrf
		f.Notice = a.notice
		if f.Notice == nil {
			f.Notice = s.takeFlash(w, r, a.id)
		}
	}
	var buf bytes.Buffer
	if err := s.pages[res.page].Execute(&buf, f); err != nil {
		s.cfg.Log.Error("render console page", zap.String("page", res.page), zap.Error(err))
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(res.status)
	w.Write(buf.Bytes())
}

// renderFragment writes the template res.fragment of res.page alone, with
// its version (a hash of its bytes) in the header X-Fragment-Version; 204
// when the query's known is that version: nothing changed.
func (s *Server) renderFragment(w http.ResponseWriter, r *http.Request, res result) {
	var buf bytes.Buffer
	if err := s.pages[res.page].ExecuteTemplate(&buf, res.fragment, res.data); err != nil {
		s.cfg.Log.Error("render console fragment", zap.String("fragment", res.fragment), zap.Error(err))
		http.Error(w, "internal error rendering the fragment", http.StatusInternalServerError)
		return
	}
	sum := fnv.New64a()
	sum.Write(buf.Bytes())
	version := strconv.FormatUint(sum.Sum64(), 36)
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Fragment-Version", version)
	if r.URL.Query().Get("known") == version {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(res.status)
	w.Write(buf.Bytes())
}

// staticHandler serves the embedded CSS and JavaScript.
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return http.StripPrefix(Prefix+"static/", http.FileServerFS(sub))
}

// when is t as the console shows times: UTC, to the second.
func when(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func whenp(t *time.Time) string {
	if t == nil {
		return "–"
	}
	return when(*t)
}
