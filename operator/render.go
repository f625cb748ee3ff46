package operator

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
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

var pageNames = []string{"signin", "error", "overview"}

func parsePages() (pages, error) {
	out := pages{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("operator: template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

var funcs = template.FuncMap{
	"prefix": func() string { return Prefix },
	"when":   when,
	"whenp": func(t *time.Time) string {
		if t == nil {
			return "–"
		}
		return when(*t)
	},
	"id": func(id int64) string { return strconv.FormatInt(id, 10) },
}

// when is t as the view shows times: UTC, to the second.
func when(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// frame is what the layout shows around a page.
type frame struct {
	SignedIn bool
	CSRF     string
	Body     any
}

type signInView struct{ Message string }

type errorView struct{ Message string }

// overviewView is the overview with its charts.
type overviewView struct {
	Overview
	TotalChart chartView
	HookCharts []chartView // aligned with DeadLetters.Hooks
}

func newOverviewView(o Overview) overviewView {
	d := o.DeadLetters
	v := overviewView{Overview: o, TotalChart: newChart(d.Total, d.Hours, bigWidth, bigHeight, true, "dead letters per hour, all accounts")}
	for _, h := range d.Hooks {
		v.HookCharts = append(v.HookCharts, newChart(h.PerHour, d.Hours, smallWidth, smallHeight, false,
			fmt.Sprintf("dead letters per hour of hook %d", h.HookID)))
	}
	return v
}

// render writes the page in the layout, uncached.
func (s *Server) render(w http.ResponseWriter, status int, page string, ss *session, data any) {
	f := frame{Body: data}
	if ss != nil {
		f.SignedIn, f.CSRF = true, ss.CSRF
	}
	var buf bytes.Buffer
	if err := s.pages[page].Execute(&buf, f); err != nil {
		s.cfg.Log.Error("render operator page", zap.String("page", page), zap.Error(err))
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// staticHandler serves the embedded stylesheet.
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return http.StripPrefix(Prefix+"static/", http.FileServerFS(sub))
}
