package deploy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

// Every bad input is refused with its own message, before any request.
func TestBadInputsSendNothing(t *testing.T) {
	client, sent := refuseAll(t)
	good := simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o755)
	dynamic := simtest.Rootfs(t, "/bin/true", 0o755)
	pie := simtest.Rootfs(t, simtest.GoBinary(t, standin, "-buildmode=pie"), 0o755) // a CGO_ENABLED=0 PIE: crashes at load on base-compat
	noExec := simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o644)
	big := simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o755)
	f, _ := os.Create(filepath.Join(big, "usr", "bin", "big.dat"))
	f.Truncate(200 << 20) // sparse: 200 MiB of rootfs, no disk
	f.Close()
	dir := t.TempDir()
	badKraftfile := filepath.Join(dir, "Kraftfile")
	os.WriteFile(badKraftfile, []byte("spec: v0.6\nruntime: base-compat:latest\n"), 0o644)
	authKraftfile := filepath.Join(dir, "Kraftfile.auth")
	os.WriteFile(authKraftfile, []byte("spec: v0.6\nruntime: base-compat:latest\ncmd: [/usr/bin/openfga, run]\nenv:\n  OPENFGA_AUTHN_METHOD: none\n"), 0o644)
	notPEM := filepath.Join(dir, "ca.pem")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o644)

	base := func() Options {
		return Options{Client: client, Rootfs: good, Name: "openfga", PresharedKeys: []string{testKey}}
	}
	cases := []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"no client", func(o *Options) { o.Client = nil }, "no API client"},
		{"no name", func(o *Options) { o.Name = "" }, "no name"},
		{"bad name", func(o *Options) { o.Name = "Open_FGA" }, `name "Open_FGA"`},
		{"long name", func(o *Options) { o.Name = strings.Repeat("a", 57) }, "1 to 56 lowercase"},
		{"decimal memory", func(o *Options) { o.Memory = "1G" }, "decimal units are ambiguous"},
		{"zero memory", func(o *Options) { o.Memory = "0" }, "not a positive whole number"},
		{"tiny memory", func(o *Options) { o.Memory = "8" }, "outside 16 MiB"},
		{"memory below rootfs", func(o *Options) { o.Rootfs, o.Memory = big, "128" }, "memory 128 MiB is too small: the rootfs (2"},
		{"80 with tls", func(o *Options) { o.Ports = []string{"443:8080/http+tls", "80:443/tls"} }, "port 80 needs the http handler"},
		{"443 without tls", func(o *Options) { o.Ports = []string{"443:8080/http"} }, "port 443 needs the http and tls handlers"},
		{"5432 with http", func(o *Options) { o.Ports = []string{"443:8080", "5432:5432/http"} }, "port 5432 needs the tls handler"},
		{"no 443", func(o *Options) { o.Ports = []string{"8443:8080/tls"} }, "publish 443"},
		{"bad port", func(o *Options) { o.Ports = []string{"https"} }, "ports are numbers"},
		{"redirect elsewhere", func(o *Options) { o.Ports = []string{"443:8080", "80:8080/http+redirect"} }, "redirect is only allowed on 80 -> 443"},
		{"unknown handler", func(o *Options) { o.Ports = []string{"443:8080/http+tls+gzip"} }, `unknown handler "gzip"`},
		{"no key", func(o *Options) { o.PresharedKeys = nil }, "authentication is on by default"},
		{"short key", func(o *Options) { o.PresharedKeys = []string{"short"} }, "at least 16 characters"},
		{"key and no-auth", func(o *Options) { o.NoAuth = true }, "choose one"},
		{"auth via -e", func(o *Options) { o.Env = []string{"OPENFGA_AUTHN_METHOD=none"} }, "--no-auth"},
		{"bad env name", func(o *Options) { o.Env = []string{"1X=y"} }, "the name must be letters"},
		{"auth via Kraftfile", func(o *Options) { o.Kraftfile = authKraftfile }, "env sets OPENFGA_AUTHN_METHOD"},
		{"http addr off the port", func(o *Options) { o.Env = []string{"OPENFGA_HTTP_ADDR=:9999"} }, "does not listen on the 443 service's destination port 8080"},
		{"env too long", func(o *Options) { o.Env = []string{"BIG=" + strings.Repeat("x", 4000)} }, "over the platform's 4096 bytes / 60 words"},
		{"env too many", func(o *Options) {
			for i := range 60 {
				o.Env = append(o.Env, "V"+strings.Repeat("X", i%5)+string(rune('A'+i%26))+string(rune('A'+i/26))+"=1")
			}
		}, "over the platform's 4096 bytes / 60 words"},
		{"no rootfs", func(o *Options) { o.Rootfs = "" }, "no root filesystem"},
		{"rootfs missing", func(o *Options) { o.Rootfs = filepath.Join(dir, "nope") }, "not a directory"},
		{"cmd missing", func(o *Options) { o.Rootfs = dir }, "cmd[0] /usr/bin/openfga: not found in the root filesystem"},
		{"not executable", func(o *Options) { o.Rootfs = noExec }, "no exec bit"},
		{"dynamic binary", func(o *Options) { o.Rootfs = dynamic }, "crashes at load with exit 243"},
		{"pie build without cgo", func(o *Options) { o.Rootfs = pie }, "dynamic-pie executable"},
		{"bad kraftfile", func(o *Options) { o.Kraftfile = badKraftfile }, "cmd is missing"},
		{"bad scale-to-zero", func(o *Options) { o.ScaleToZero = "sometimes" }, `scale-to-zero "sometimes"`},
		{"bad registry", func(o *Options) { o.Registry = "not a registry!" }, "registry"},
		{"bad connect-to", func(o *Options) { o.ConnectTo = "127.0.0.1" }, "want HOST:PORT"},
		{"ca not PEM", func(o *Options) { o.CAFile = notPEM }, "no PEM certificate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := base()
			tc.edit(&o)
			var log simtest.SyncBuffer
			o.Log = &log
			_, err := Run(context.Background(), o)
			var de *Error
			if !errors.As(err, &de) || de.Stage != "validate" {
				t.Fatalf("Run = %v, want a validate error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q\nwant it to contain %q", err, tc.want)
			}
			simtest.NoSecrets(t, map[string]string{"error": err.Error(), "log": log.String()}, testKey, testToken, "s3cr3t-token-secret")
		})
	}
	if n := sent.Load(); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

func TestParseMemory(t *testing.T) {
	for in, want := range map[string]int64{"": 512, "512": 512, "512Mi": 512, "1Gi": 1024, "2Gi": 2048, " 64 ": 64} {
		if got, err := ParseMemory(in); err != nil || got != want {
			t.Errorf("ParseMemory(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"1G", "512M", "512MB", "1.5Gi", "-1", "Mi", "64Gi", "1Ki"} {
		if _, err := ParseMemory(in); err == nil {
			t.Errorf("ParseMemory(%q) accepted", in)
		}
	}
}

func TestParsePorts(t *testing.T) {
	def, err := ParsePorts(nil)
	if err != nil || servicesString(def) != "443:8080/tls+http 80:443/http+redirect" {
		t.Fatalf("default = %s, %v", servicesString(def), err)
	}
	// kraft's shorthand: a lone 443:INT brings the 80 redirect with it
	short, err := ParsePorts([]string{"443:9090"})
	if err != nil || servicesString(short) != "443:9090/http+tls 80:443/http+redirect" {
		t.Fatalf("443:9090 = %s, %v", servicesString(short), err)
	}
	pg, err := ParsePorts([]string{"443:8080/http+tls", "5432"})
	if err != nil || servicesString(pg) != "443:8080/http+tls 5432:5432/tls" {
		t.Fatalf("with 5432 = %s, %v", servicesString(pg), err)
	}
}

// The HTTP address follows the 443 service's destination port, and
// authentication is on with the keys.
func TestEnv(t *testing.T) {
	client, _ := refuseAll(t)
	o := Options{Client: client, Rootfs: simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o755), Name: "x",
		PresharedKeys: []string{testKey, testKey + "2"}, Ports: []string{"443:9090"}, Env: []string{"OPENFGA_LOG_LEVEL=warn"}}
	p, err := validate(o)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"OPENFGA_AUTHN_METHOD": "preshared", "OPENFGA_AUTHN_PRESHARED_KEYS": testKey + "," + testKey + "2",
		"OPENFGA_PLAYGROUND_ENABLED": "false", "OPENFGA_HTTP_ADDR": "0.0.0.0:9090", "OPENFGA_LOG_FORMAT": "json",
		"OPENFGA_DATASTORE_ENGINE": "memory", "OPENFGA_LOG_LEVEL": "warn",
		RunEnv: string(p.run), // the run's ID, for platforms without instance tags
	}
	if p.run == "" {
		t.Error("no run ID")
	}
	for k, v := range want {
		if p.env[k] != v {
			t.Errorf("%s = %q, want %q", k, p.env[k], v)
		}
	}
	if len(p.env) != len(want) {
		t.Errorf("env has %d entries, want %d", len(p.env), len(want))
	}
	if p.s2z == nil || p.s2z.Policy != "off" {
		t.Errorf("scale-to-zero = %+v, want off for the memory datastore", p.s2z)
	}
	o.NoAuth, o.PresharedKeys = true, nil
	if p, err = validate(o); err != nil || p.env["OPENFGA_AUTHN_METHOD"] != "" {
		t.Fatalf("no-auth: %v, %v", err, p.env)
	}
}

// Precheck refuses bad input before there is a root filesystem, and
// passes good input; it sends nothing.
func TestPrecheck(t *testing.T) {
	c, sent := refuseAll(t)
	good := Options{Client: c, Name: "x", PresharedKeys: []string{testKey}}
	if err := Precheck(good); err != nil {
		t.Errorf("good input: %v", err)
	}
	bad := good
	bad.Memory = "3"
	if err := Precheck(bad); err == nil || !strings.Contains(err.Error(), "memory") {
		t.Errorf("memory 3: %v", err)
	}
	bad = good
	bad.Store = "../fgastore/testdata/bad/bad-dsl.fga.yaml"
	if err := Precheck(bad); err == nil || !strings.Contains(err.Error(), "bad-dsl.fga.yaml") {
		t.Errorf("a bad store file: %v", err)
	}
	if sent.Load() != 0 {
		t.Fatalf("%d requests sent", sent.Load())
	}
}
