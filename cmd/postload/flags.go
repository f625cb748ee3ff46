package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/postload/postload/dispatcher"
)

// flags is a FlagSet whose flags defined through twin, twinVar or the
// methods below have an environment twin: --data-dir is
// POSTLOAD_DATA_DIR. A flag given on the command line wins over its twin.
type flags struct {
	*flag.FlagSet
	getenv func(string) string
	twins  []string // the flags with a twin
}

func newFlags(name string, getenv func(string) string, stderr io.Writer) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &flags{FlagSet: fs, getenv: getenv}
}

// envName is the environment twin of a flag.
func envName(flagName string) string {
	return "POSTLOAD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// twinVar defines a flag with define (one of the FlagSet's XxxVar
// methods), stored in p, and gives it an environment twin.
func twinVar[T any](f *flags, define func(p *T, name string, value T, usage string), p *T, name string, def T, usage string) {
	f.twins = append(f.twins, name)
	define(p, name, def, usage+" (env "+envName(name)+")")
}

// twin is twinVar for a flag whose value it returns.
func twin[T any](f *flags, define func(p *T, name string, value T, usage string), name string, def T, usage string) *T {
	p := new(T)
	twinVar(f, define, p, name, def, usage)
	return p
}

func (f *flags) String(name, def, usage string) *string {
	return twin(f, f.StringVar, name, def, usage)
}

func (f *flags) Bool(name string, def bool, usage string) *bool {
	return twin(f, f.BoolVar, name, def, usage)
}

func (f *flags) Int(name string, def int, usage string) *int {
	return twin(f, f.IntVar, name, def, usage)
}

func (f *flags) Int64(name string, def int64, usage string) *int64 {
	return twin(f, f.Int64Var, name, def, usage)
}

// parse sets each flag whose twin is set to the twin's value, then parses
// args over them; an error names what to fix, after the flags' usage
// where the command line itself was wrong.
func (f *flags) parse(args []string) error {
	errs := f.setFromEnv()
	if err := f.FlagSet.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if f.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", f.Name(), f.Arg(0))
	}
	return errors.Join(errs...)
}

// setFromEnv sets each flag with a twin to the twin's value, parsed as the
// flag parses its own (which -h then shows as its default), and returns
// what to fix in the twins that do not parse.
func (f *flags) setFromEnv() []error {
	var errs []error
	for _, name := range f.twins {
		v := f.getenv(envName(name))
		if v == "" {
			continue
		}
		fl := f.Lookup(name)
		if err := fl.Value.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want %s", envName(name), v, wants(fl.Value)))
			continue
		}
		fl.DefValue = v
	}
	return errs
}

// wants says what a flag's value takes.
func wants(v flag.Value) string {
	g, ok := v.(flag.Getter)
	if !ok {
		return "a valid value"
	}
	switch g.Get().(type) {
	case bool:
		return "true or false"
	case int, int64:
		return "a whole number"
	case float64:
		return "a number"
	case time.Duration:
		return "a duration such as 30s or 2m"
	}
	return "a valid value"
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseDurations parses "30s,2m,..." into at least one duration.
func parseDurations(flagName, s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, p := range splitList(s) {
		d, err := time.ParseDuration(p)
		if err != nil {
			return nil, fmt.Errorf("--%s: %q is not a positive duration (e.g. %s)", flagName, p, formatDurations(dispatcher.DefaultRetryDelays))
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--%s: give at least one delay (e.g. %s)", flagName, formatDurations(dispatcher.DefaultRetryDelays))
	}
	return out, nil
}

// formatDurations is the short form of ds: "30s,2m,10m,30m,1h".
func formatDurations(ds []time.Duration) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		s := d.String()
		if strings.HasSuffix(s, "m0s") {
			s = strings.TrimSuffix(s, "0s")
		}
		if strings.HasSuffix(s, "h0m") {
			s = strings.TrimSuffix(s, "0m")
		}
		out[i] = s
	}
	return strings.Join(out, ",")
}
