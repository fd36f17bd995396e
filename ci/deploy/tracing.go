package deploy

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Tracing sends OpenFGA's traces to an OpenTelemetry collector over OTLP
// (gRPC), as OpenFGA's own trace settings have it.
type Tracing struct {
	// Endpoint is the collector's HOST:PORT, or https://HOST:PORT for TLS.
	Endpoint string
	// Headers are OTLP headers, "key=value,key2=value2" (an API key for a
	// hosted collector, say): a secret, passed as OTEL_EXPORTER_OTLP_HEADERS,
	// which OpenFGA's exporter reads.
	Headers string
	// SampleRatio is the share of requests traced, 0 to 1; 0 leaves
	// OpenFGA's default (0.2).
	SampleRatio float64
}

func (t *Tracing) secrets() []string {
	if t == nil || t.Headers == "" {
		return nil
	}
	out := []string{t.Headers}
	for _, kv := range strings.Split(t.Headers, ",") {
		if _, v, ok := strings.Cut(kv, "="); ok {
			out = append(out, v)
		}
	}
	return out
}

func (t *Tracing) check() error {
	if t == nil {
		return nil
	}
	if _, _, err := t.hostPort(); err != nil {
		return err
	}
	if t.SampleRatio < 0 || t.SampleRatio > 1 {
		return fmt.Errorf("trace sample ratio %g: want 0 to 1", t.SampleRatio)
	}
	for _, kv := range strings.Split(t.Headers, ",") {
		if k, _, ok := strings.Cut(kv, "="); t.Headers != "" && (!ok || strings.TrimSpace(k) == "") {
			return fmt.Errorf("OTLP headers: want key=value[,key=value...] (the values are not shown)")
		}
	}
	return nil
}

// hostPort is the endpoint as OpenFGA takes it, and whether it is TLS.
func (t *Tracing) hostPort() (string, bool, error) {
	ep, tls := t.Endpoint, false
	if strings.Contains(ep, "://") {
		u, err := url.Parse(ep)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			return "", false, fmt.Errorf("OTLP endpoint %q: want HOST:PORT or https://HOST:PORT", t.Endpoint)
		}
		ep, tls = u.Host, u.Scheme == "https"
	}
	host, port, err := net.SplitHostPort(ep)
	if err != nil || host == "" {
		return "", false, fmt.Errorf("OTLP endpoint %q: want HOST:PORT or https://HOST:PORT", t.Endpoint)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", false, fmt.Errorf("OTLP endpoint %q: the port is not a number from 1 to 65535", t.Endpoint)
	}
	return ep, tls, nil
}

// env is OpenFGA's trace settings (cmd/run/flags.go), nil without tracing.
func (t *Tracing) env() map[string]string {
	if t == nil {
		return nil
	}
	ep, tls, _ := t.hostPort()
	env := map[string]string{
		"OPENFGA_TRACE_ENABLED":          "true",
		"OPENFGA_TRACE_OTLP_ENDPOINT":    ep,
		"OPENFGA_TRACE_OTLP_TLS_ENABLED": strconv.FormatBool(tls),
	}
	if t.SampleRatio > 0 {
		env["OPENFGA_TRACE_SAMPLE_RATIO"] = strconv.FormatFloat(t.SampleRatio, 'f', -1, 64)
	}
	if t.Headers != "" {
		env["OTEL_EXPORTER_OTLP_HEADERS"] = t.Headers
	}
	return env
}
