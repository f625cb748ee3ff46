package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// flags is a FlagSet whose every flag has an environment twin:
// --data-dir is POSTLOAD_DATA_DIR. A flag given on the command line wins.
type flags struct {
	*flag.FlagSet
	getenv func(string) string
	errs   []error
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

// env returns the twin's value and a usage suffix naming it.
func (f *flags) env(name string) (string, string) {
	e := envName(name)
	return f.getenv(e), " (env " + e + ")"
}

func (f *flags) String(name, def, usage string) *string {
	v, suffix := f.env(name)
	if v != "" {
		def = v
	}
	return f.FlagSet.String(name, def, usage+suffix)
}

func (f *flags) Bool(name string, def bool, usage string) *bool {
	v, suffix := f.env(name)
	if v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q: want true or false", envName(name), v))
		}
		def = b
	}
	return f.FlagSet.Bool(name, def, usage+suffix)
}

func (f *flags) Int(name string, def int, usage string) *int {
	v, suffix := f.env(name)
	if v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q: want a whole number", envName(name), v))
		}
		def = n
	}
	return f.FlagSet.Int(name, def, usage+suffix)
}

func (f *flags) Int64(name string, def int64, usage string) *int64 {
	v, suffix := f.env(name)
	if v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q: want a whole number", envName(name), v))
		}
		def = n
	}
	return f.FlagSet.Int64(name, def, usage+suffix)
}

func (f *flags) Float64(name string, def float64, usage string) *float64 {
	v, suffix := f.env(name)
	if v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q: want a number", envName(name), v))
		}
		def = x
	}
	return f.FlagSet.Float64(name, def, usage+suffix)
}

func (f *flags) Duration(name string, def time.Duration, usage string) *time.Duration {
	v, suffix := f.env(name)
	if v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q: want a duration such as 30s or 2m", envName(name), v))
		}
		def = d
	}
	return f.FlagSet.Duration(name, def, usage+suffix)
}

// parse parses args; an error names what to fix, after the flags' usage
// where the command line itself was wrong.
func (f *flags) parse(args []string) error {
	if err := f.FlagSet.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if f.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", f.Name(), f.Arg(0))
	}
	return errors.Join(f.errs...)
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

// parseDurations parses "30s,2m,..." into positive durations.
func parseDurations(flagName, s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, p := range splitList(s) {
		d, err := time.ParseDuration(p)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("--%s: %q is not a positive duration (e.g. 30s,2m,10m,30m,1h)", flagName, p)
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--%s: give at least one delay (e.g. 30s,2m,10m,30m,1h)", flagName)
	}
	return out, nil
}
