package kraftcloud

import (
	"errors"
	"flag"
	"strings"
)

// ConnFlags are the connection flags every command that talks to the API
// shares: --metro, --api, --token, --ca.
type ConnFlags struct {
	Metro string
	API   string
	Token string
	CA    string
}

// Register adds the flags to fs. Defaults stay empty on purpose: the
// environment is read in Client, so -h never prints a token.
func (f *ConnFlags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Metro, "metro", "", "metro name: fra, dal, sin, was, sfo (legacy fra0, ...); default $UKC_METRO or "+DefaultMetro)
	fs.StringVar(&f.API, "api", "", "full API URL instead of a metro, e.g. the simulator's http://127.0.0.1:PORT")
	fs.StringVar(&f.Token, "token", "", "API token (base64 of user:secret); default $UKC_TOKEN (or KRAFTCLOUD_TOKEN, ...)")
	fs.StringVar(&f.CA, "ca", "", "PEM file of a CA to trust for the API (the simulator's)")
}

// Endpoint is --api if set, else --metro, else the environment's metro.
func (f *ConnFlags) Endpoint() (string, error) {
	api, metro := strings.TrimSpace(f.API), strings.TrimSpace(f.Metro)
	switch {
	case api != "" && metro != "":
		return "", errors.New("kraftcloud: give --metro or --api, not both")
	case api != "":
		return api, nil
	case metro != "":
		return metro, nil
	}
	return MetroFromEnv(), nil
}

// Client builds a client from the flags plus extra options.
func (f *ConnFlags) Client(opts ...Option) (*Client, error) {
	ep, err := f.Endpoint()
	if err != nil {
		return nil, err
	}
	if f.CA != "" {
		opts = append([]Option{WithCAFile(f.CA)}, opts...)
	}
	return New(ep, f.Token, opts...)
}
