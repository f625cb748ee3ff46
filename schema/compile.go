package schema

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// baseURL is the $id prefix of every embedded schema.
const baseURL = "https://github.com/postload/postload/schema/"

//go:embed *.schema.json
var schemaFiles embed.FS

// compiled holds one compiled schema per message.
type compiled struct {
	loadEvent, loadFailure, delivery, group, deadLetter, invalid, hook, recipient *jsonschema.Schema
}

// schemas compiles the embedded schemas on first use. They are ours, so a
// failure is a programmer error and panics (a test compiles them all).
var schemas = sync.OnceValue(func() *compiled {
	c, err := compileAll()
	if err != nil {
		panic(err)
	}
	return c
})

func compileAll() (*compiled, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	// Content keywords stay annotations, as 2020-12 makes them by default:
	// the validator reports errors inside a contentSchema at a wrong
	// location (v6.0.3 keeps a slice it later overwrites), so DecodeDelivery
	// and DecodeDeadLetter check the event themselves.
	c.RegisterFormat(&jsonschema.Format{Name: "date-time", Validate: validateDateTime})
	c.UseLoader(noLoader{})
	names, err := fs.Glob(schemaFiles, "*.schema.json")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		b, err := schemaFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := c.AddResource(baseURL+name, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	var out compiled
	for name, dst := range map[string]**jsonschema.Schema{
		"load-event":   &out.loadEvent,
		"load-failure": &out.loadFailure,
		"delivery":     &out.delivery,
		"group":        &out.group,
		"dead-letter":  &out.deadLetter,
		"invalid":      &out.invalid,
		"hook":         &out.hook,
		"recipient":    &out.recipient,
	} {
		s, err := c.Compile(baseURL + name + ".schema.json")
		if err != nil {
			return nil, err
		}
		*dst = s
	}
	return &out, nil
}

// noLoader refuses every URL that is not embedded: compiling never touches
// the file system or the network.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema %s is not embedded", url)
}
