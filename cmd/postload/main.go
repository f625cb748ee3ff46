// Command postload turns data-load events on Kafka into webhooks. See
// README.md for the subcommands.
//
// Where serve's parts are: its flags (serve_config.go, each a package's
// Default constant where a package owns the setting; every flag has an
// environment twin, flags.go), what to fix in them (serve_check.go: serve's
// own rules, and each package's Validate for the settings it owns), the
// package configs they make (configs.go), Kafka and the embedded broker
// (kafka.go, embedded.go, topics.go), the roles' consumer groups
// (runners.go), the HTTP servers (http.go), and serve itself (serve.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal starts the graceful stop, a second one kills.
	go func() { <-ctx.Done(); stop() }()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "postload:", err)
		os.Exit(1)
	}
}

// errUsage marks an error already explained on stderr with the usage.
var errUsage = errors.New("usage")

const usage = `postload turns data-load events on Kafka into webhooks.

Usage:
  postload serve     [flags]   run the service (embedded Kafka unless --brokers)
  postload token create --client N [--tokens-file F]
                               make an API token for an account
  postload produce --client N --destination N [--rejected] [--file F]
                               put one load event on load-completed (or load-rejected)
  postload receive [--listen A] [--secret whsec_...] [--status N]
                               a local HTTPS webhook receiver for trying things out
  postload dlq stats|list|tail|replay [filters]
                               watch and replay the dead-letter queue
  postload registry check [--brokers B]
                               list registry records not loaded as written
  postload bench [--only throughput,latency,isolation,retry,backlog]
                               measure postload against this machine's ceiling

Every flag has an environment twin: --data-dir is POSTLOAD_DATA_DIR.
Run "postload <command> -h" for a command's flags.
`

// run is the whole program: it parses args and runs one subcommand.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "token":
		if len(args) < 2 || args[1] != "create" {
			fmt.Fprintln(stderr, `postload token: the only subcommand is "create"`)
			return errUsage
		}
		return runTokenCreate(args[2:], getenv, stdout, stderr)
	case "produce":
		return runProduce(ctx, args[1:], getenv, stdout, stderr)
	case "receive":
		return runReceive(ctx, args[1:], getenv, stdout, stderr)
	case "dlq":
		return runDLQ(ctx, args[1:], getenv, stdout, stderr)
	case "registry":
		return runRegistry(ctx, args[1:], getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "postload: unknown command %q\n\n%s", args[0], usage)
		return errUsage
	}
}
