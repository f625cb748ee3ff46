package email

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"
)

//go:embed templates
var templateFS embed.FS

// templates are the text and HTML parts of every email: <name>.txt.tmpl
// and <name>.html.tmpl, with shared blocks in partials.*.tmpl.
type templates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

var templateFuncs = map[string]any{
	// plural is one when n is 1, else many.
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
}

func parseTemplates() (templates, error) {
	text, err := texttemplate.New("").Funcs(templateFuncs).Option("missingkey=error").
		ParseFS(templateFS, "templates/*.txt.tmpl")
	if err != nil {
		return templates{}, fmt.Errorf("email: text templates: %w", err)
	}
	html, err := htmltemplate.New("").Funcs(templateFuncs).Option("missingkey=error").
		ParseFS(templateFS, "templates/*.html.tmpl")
	if err != nil {
		return templates{}, fmt.Errorf("email: html templates: %w", err)
	}
	return templates{text: text, html: html}, nil
}

// render executes the text and HTML templates of name with data.
func (t templates) render(name string, data any) (text, html string, err error) {
	var tb, hb bytes.Buffer
	if err := t.text.ExecuteTemplate(&tb, name+".txt.tmpl", data); err != nil {
		return "", "", fmt.Errorf("render %s text: %w", name, err)
	}
	if err := t.html.ExecuteTemplate(&hb, name+".html.tmpl", data); err != nil {
		return "", "", fmt.Errorf("render %s html: %w", name, err)
	}
	return tb.String(), hb.String(), nil
}
