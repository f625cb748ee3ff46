package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/postload/postload/token"
)

func runTokenCreate(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("token create", getenv, stderr)
	client := f.Int64("client", 0, "the account (client id) the token acts for")
	dataDir := f.String("data-dir", defaultDataDir, "data directory of `serve`")
	file := f.String("tokens-file", "", "tokens file (default <data-dir>/tokens)")
	if err := f.parse(args); err != nil {
		return err
	}
	if *client <= 0 {
		return errors.New("token create: --client must be a positive account id, e.g. --client 116078")
	}
	path := *file
	if path == "" {
		path = filepath.Join(*dataDir, "tokens")
	}
	tok, err := token.Create(path, *client)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "token for client %d stored (as its SHA-256) in %s; it is shown once:\n", *client, path)
	fmt.Fprintln(stdout, tok)
	return nil
}
