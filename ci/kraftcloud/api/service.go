package api

// Handler is a service's connection handler.
type Handler string

const (
	HandlerTLS      Handler = "tls"
	HandlerHTTP     Handler = "http"
	HandlerRedirect Handler = "redirect"
)

// Service publishes Port on the gateway to DestinationPort in the
// instance. Port 443 needs [http tls], port 80 [http] (redirect only
// 80→443), every other port [tls] without http.
type Service struct {
	Port            int       `json:"port"`
	DestinationPort int       `json:"destination_port,omitempty"`
	Handlers        []Handler `json:"handlers,omitempty"`
}

// Domain is a public name of a service group. In requests Name without a
// trailing "." is a subdomain of the metro; answers carry FQDN.
type Domain struct {
	Name        string `json:"name,omitempty"`
	FQDN        string `json:"fqdn,omitempty"`
	Certificate *Ref   `json:"certificate,omitempty"`
}

// ServiceGroupSpec is "service_group" of an instance create request and
// the body of POST /v1/services.
type ServiceGroupSpec struct {
	UUID      string    `json:"uuid,omitempty"`
	Name      string    `json:"name,omitempty"`
	Services  []Service `json:"services,omitempty"`
	Domains   []Domain  `json:"domains,omitempty"`
	SoftLimit int       `json:"soft_limit,omitempty"`
	HardLimit int       `json:"hard_limit,omitempty"`
}

// ServiceGroup is the service group object (data.service_groups[], and
// "service_group" inside an instance).
type ServiceGroup struct {
	ItemStatus
	UUID       string    `json:"uuid,omitempty"`
	Name       string    `json:"name,omitempty"`
	CreatedAt  string    `json:"created_at,omitempty"`
	Persistent bool      `json:"persistent,omitempty"`
	Autoscale  bool      `json:"autoscale,omitempty"`
	SoftLimit  int       `json:"soft_limit,omitempty"`
	HardLimit  int       `json:"hard_limit,omitempty"`
	Services   []Service `json:"services,omitempty"`
	Domains    []Domain  `json:"domains,omitempty"`
	Instances  []Ref     `json:"instances,omitempty"`
}

// Certificate is an uploaded TLS certificate (v1's Certificate).
type Certificate struct {
	ItemStatus
	UUID       string `json:"uuid,omitempty"`
	Name       string `json:"name,omitempty"`
	CommonName string `json:"common_name,omitempty"`
	NotAfter   string `json:"not_after,omitempty"`
	State      string `json:"state,omitempty"`
}

// CreateCertificateRequest uploads a chain and its private key (a secret)
// for a common name.
type CreateCertificateRequest struct {
	Name       string `json:"name,omitempty"`
	CommonName string `json:"common_name"`
	Chain      string `json:"chain"`
	PKey       string `json:"pkey"`
}
