package deploy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// ParsePorts turns -p values into services, the way kraft cloud deploy does
// (kraftkit's internal/cli/kraft/cloud/instance/create/create.go):
// "EXT:INT/h1+h2" with "+"-separated handlers ("tls+http" equals
// "http+tls"); "EXT" means EXT:EXT; a lone "443:INT" also adds the 80 → 443
// redirect. Where kraft would send no handlers, they default by port (443
// http+tls, 80 http, others tls). Then the platform's rules are checked, as
// the Unikraft Cloud OpenAPI spec describes a service's handlers: 80 needs
// http and no tls, 443 needs http and tls, redirect only on 80 → 443, every
// other port tls without http. Verification goes through https://FQDN, so a
// 443 service is required.
func ParsePorts(specs []string) ([]api.Service, error) {
	if len(specs) == 0 {
		specs = DefaultPorts
	}
	var out []api.Service
	for _, spec := range specs {
		svc, err := parsePort(spec)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(o api.Service) bool { return o.Port == svc.Port }) {
			return nil, fmt.Errorf("port %d is published twice", svc.Port)
		}
		out = append(out, svc)
	}
	if len(specs) == 1 && out[0].Port == 443 && !strings.Contains(specs[0], "/") {
		out = append(out, api.Service{Port: 80, DestinationPort: 443, Handlers: []api.Handler{api.HandlerHTTP, api.HandlerRedirect}})
	}
	if !slices.ContainsFunc(out, func(s api.Service) bool { return s.Port == 443 }) {
		return nil, fmt.Errorf("ports %s: publish 443 (e.g. -p 443:8080/tls+http): OpenFGA is verified through https://FQDN", strings.Join(specs, " "))
	}
	return out, nil
}

func parsePort(spec string) (api.Service, error) {
	bad := func(why string) (api.Service, error) {
		return api.Service{}, fmt.Errorf("port %q: %s (want EXT:INT/handlers, e.g. 443:8080/tls+http)", spec, why)
	}
	mapping, handlers, hasHandlers := strings.Cut(strings.TrimSpace(spec), "/")
	extS, intS, hasInt := strings.Cut(mapping, ":")
	if !hasInt {
		intS = extS
	}
	ext, err1 := strconv.Atoi(extS)
	dst, err2 := strconv.Atoi(intS)
	if err1 != nil || err2 != nil || ext < 1 || ext > 65535 || dst < 1 || dst > 65535 {
		return bad("ports are numbers from 1 to 65535")
	}
	svc := api.Service{Port: ext, DestinationPort: dst}
	if hasHandlers {
		for _, h := range strings.Split(handlers, "+") {
			switch hh := api.Handler(h); hh {
			case api.HandlerHTTP, api.HandlerTLS, api.HandlerRedirect:
				if slices.Contains(svc.Handlers, hh) {
					return bad("handler " + h + " given twice")
				}
				svc.Handlers = append(svc.Handlers, hh)
			default:
				return bad("unknown handler " + strconv.Quote(h) + " (http, tls, redirect)")
			}
		}
	} else {
		svc.Handlers = defaultHandlers(ext)
	}
	if err := checkService(svc); err != nil {
		return bad(err.Error())
	}
	return svc, nil
}

func defaultHandlers(port int) []api.Handler {
	switch port {
	case 443:
		return []api.Handler{api.HandlerHTTP, api.HandlerTLS}
	case 80:
		return []api.Handler{api.HandlerHTTP}
	}
	return []api.Handler{api.HandlerTLS}
}

// checkService applies the platform's handler rules, as the handlers field of
// a service is described in the Unikraft Cloud OpenAPI spec (platform.yaml,
// unikraft-cloud/openapi @3ad3989) and in sdk.kraft.cloud's
// services/service.go.
func checkService(s api.Service) error {
	has := func(h api.Handler) bool { return slices.Contains(s.Handlers, h) }
	switch {
	case s.Port == 80 && (!has(api.HandlerHTTP) || has(api.HandlerTLS)):
		return fmt.Errorf("port 80 needs the http handler and no tls")
	case s.Port == 443 && (!has(api.HandlerHTTP) || !has(api.HandlerTLS)):
		return fmt.Errorf("port 443 needs the http and tls handlers (http+tls)")
	case has(api.HandlerRedirect) && (s.Port != 80 || s.DestinationPort != 443):
		return fmt.Errorf("redirect is only allowed on 80 -> 443")
	case s.Port != 80 && s.Port != 443 && (!has(api.HandlerTLS) || has(api.HandlerHTTP)):
		return fmt.Errorf("port %d needs the tls handler and no http", s.Port)
	}
	return nil
}

// httpsService is the 443 service: its destination is where OpenFGA's
// HTTP API must listen.
func httpsService(svcs []api.Service) api.Service {
	for _, s := range svcs {
		if s.Port == 443 {
			return s
		}
	}
	return api.Service{}
}
