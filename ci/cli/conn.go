package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
)

// TokenEnv lists the variables the kraft (legacy) and unikraft (current)
// CLIs and SDKs read the token from, in the order consulted here: the
// documented UKC_TOKEN first, then the others.
var TokenEnv = []string{"UKC_TOKEN", "UNIKRAFTCLOUD_TOKEN", "UNIKRAFT_CLOUD_TOKEN", "KRAFTCLOUD_TOKEN", "KC_TOKEN"}

// MetroEnv lists the variables the kraft and unikraft CLIs read the metro
// from, in the order consulted here.
var MetroEnv = []string{"UKC_METRO", "UNIKRAFTCLOUD_METRO", "KRAFTCLOUD_METRO", "KC_METRO"}

// conn are the flags of every command that talks to the API: --metro,
// --api, --token, --ca. Defaults stay empty on purpose: the environment is
// read in client, so -h never prints a token.
type conn struct {
	metro, api, token, ca string
}

func (c *conn) register(fs *flag.FlagSet) {
	fs.StringVar(&c.metro, "metro", "", "metro name: fra, dal, sin, was, sfo (legacy fra0, ...); default $UKC_METRO or "+kraftcloud.DefaultMetro)
	fs.StringVar(&c.api, "api", "", "full API URL instead of a metro, e.g. the simulator's http://127.0.0.1:PORT")
	fs.StringVar(&c.token, "token", "", "API token (base64 of user:secret); default $UKC_TOKEN (or KRAFTCLOUD_TOKEN, ...)")
	fs.StringVar(&c.ca, "ca", "", "PEM file of a CA to trust for the API (the simulator's)")
}

// endpoint is --api if set, else --metro, else the environment's metro.
func (c *conn) endpoint() (string, error) {
	metro := c.metro
	if strings.TrimSpace(c.api+metro) == "" {
		metro = firstEnv(MetroEnv)
	}
	return kraftcloud.Endpoint(metro, c.api)
}

// client builds the API client; retries are announced on stderr so that a
// slow answer is not a silent hang.
func (c *conn) client(stderr io.Writer) (*kraftcloud.Client, error) {
	ep, err := c.endpoint()
	if err != nil {
		return nil, err
	}
	opts := []kraftcloud.Option{kraftcloud.WithLogf(func(format string, args ...any) {
		fmt.Fprintf(stderr, format+"\n", args...)
	})}
	if c.ca != "" {
		opts = append(opts, kraftcloud.WithCAFile(c.ca))
	}
	return kraftcloud.New(ep, c.tokenOrEnv(), opts...)
}

func (c *conn) tokenOrEnv() string {
	if t := strings.TrimSpace(c.token); t != "" {
		return t
	}
	return firstEnv(TokenEnv)
}

// firstEnv is the first of the variables that is set, trimmed.
func firstEnv(vars []string) string {
	for _, k := range vars {
		if v := strings.TrimSpace(os.Getenv(k)); v != "" {
			return v
		}
	}
	return ""
}

// signalContext ends on SIGINT or SIGTERM: a cancelled CI job stops the
// command, which then cleans up what it made.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
