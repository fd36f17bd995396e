package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"dagger/openfga-kraftcloud/internal/dagger"

	dstore "github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/deploy"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
)

// Deploy packages the image as a KraftCloud unikernel, pushes it, runs it in
// the service group named after the deployment, waits for it and proves it
// serves through its public FQDN (health, then a real authorization check).
// An earlier deployment in the group is drained only after the new one is
// verified. On failure it prints the logs' diagnosis (cause and fix), deletes
// what this run created and fails. It returns the Deployment as JSON.
// +cache="never"
func (m *OpenfgaKraftcloud) Deploy(
	ctx context.Context,
	// KraftCloud API token (base64 of user:secret), e.g. env://UKC_TOKEN
	token *dagger.Secret,
	// Metro: fra, dal, sin, was, sfo (or legacy fra0, ...)
	// +optional
	metro string,
	// API URL instead of a metro (e.g. the simulator's)
	// +optional
	api string,

	// Deployment name: service group, image and instance prefix
	// +default="openfga"
	name string,
	// Memory, as kraft -M: 512 (MiB), 512Mi, 1Gi
	// +default="512"
	memory string,
	// Port mappings EXT:INT/handlers; default 443:8080/tls+http and 80:443/http+redirect, as kraft does
	// +optional
	port []string,
	// Extra environment variables, KEY=VALUE
	// +optional
	env []string,
	// Your own domain the deployment answers on too (point a CNAME at its FQDN), repeatable
	// +optional
	domain []string,
	// Your certificate chain (PEM) for the domains (default: the platform issues one)
	// +optional
	certificate *dagger.Secret,
	// That certificate's private key (PEM)
	// +optional
	certificateKey *dagger.Secret,

	// OpenFGA preshared keys (repeat to rotate: new and old); authentication is on unless --no-auth or --oidc-issuer
	// +optional
	presharedKey []*dagger.Secret,
	// Run OpenFGA without authentication on the public internet
	// +optional
	noAuth bool,
	// Authenticate with OIDC tokens of this issuer instead of preshared keys
	// +optional
	oidcIssuer string,
	// OIDC: the audience OpenFGA accepts tokens for
	// +optional
	oidcAudience string,
	// OIDC: other issuer URLs OpenFGA accepts
	// +optional
	oidcIssuerAlias []string,
	// OIDC: the client the verification gets its token as (client credentials)
	// +optional
	verifyClientId string,
	// OIDC: that client's secret
	// +optional
	verifyClientSecret *dagger.Secret,
	// OIDC: the token endpoint (default: the issuer's discovery document's)
	// +optional
	verifyTokenUrl string,
	// Send OpenFGA's traces to this OTLP/gRPC collector, HOST:PORT or https://HOST:PORT
	// +optional
	otlpEndpoint string,
	// OTLP headers key=value,... (an API key: a secret)
	// +optional
	otlpHeaders *dagger.Secret,
	// Share of requests traced, 0..1 (default OpenFGA's, 0.2)
	// +optional
	traceSampleRatio float64,

	// Scale-to-zero policy (default: the Kraftfile's labels; always off for the memory datastore)
	// +optional
	scaleToZero ScaleToZero,
	// Restart policy of OpenFGA's instances
	// +default="on-failure"
	restart Restart,
	// How many instances serve (default 1, or autoscale's MIN); more than one needs the postgres or external datastore
	// +optional
	replicas int,
	// MIN:MAX instances: the platform adds instances under CPU load and removes them after
	// +optional
	autoscale string,
	// LOW:HIGH percent CPU: one instance fewer below LOW, one more above HIGH (default 30:70)
	// +optional
	autoscaleCpu string,
	// Registry HOST[:PORT] (default index.unikraft.io)
	// +optional
	registry string,
	// CA certificate (PEM) to trust for the platform's TLS, e.g. the simulator's
	// +optional
	ca *dagger.File,
	// Send the public FQDN's traffic to HOST:PORT, like curl --connect-to
	// +optional
	connectTo string,
	// Leave a failed instance in place for inspection
	// +optional
	keepFailed bool,
	// Roll out even when the running deployment already is what this deploy asks for
	// +optional
	force bool,
	// Build even when the registry has the image an earlier deploy made from the same inputs
	// +optional
	rebuild bool,

	// Datastore: memory (lost on every restart), postgres (on the platform, with a volume) or external
	// +default="memory"
	datastore Datastore,
	// postgres: the PostgreSQL unikernel image (default <your namespace>/openfga-pg:15, made by go run . pgimage)
	// +optional
	postgresImage string,
	// postgres: size of a new volume in MiB (an existing one is reused)
	// +optional
	volumeSize int,
	// postgres: the database instance's memory in MiB
	// +optional
	postgresMemory int,
	// postgres: the database password (default: the running database's, else generated)
	// +optional
	postgresPassword *dagger.Secret,
	// postgres: also publish 5432 (TLS by the platform); default private network only
	// +optional
	postgresPublic bool,
	// external: the PostgreSQL URI
	// +optional
	datastoreUri *dagger.Secret,

	// Store file (.fga.yaml): its tests gate the deploy, and its store, model and tuples are bootstrapped on the new deployment
	// +optional
	store *dagger.File,
	// The directory the store file's model_file and tuple files are relative to
	// +optional
	storeDir *dagger.Directory,
	// The store to bootstrap when several have the store file's name
	// +optional
	storeId string,
) (string, error) {
	s := settings{token: token, metro: metro, api: api, name: name, memory: memory, port: port, env: env,
		domains: domain, certificate: certificate, certificateKey: certificateKey,
		keys: presharedKey, noAuth: noAuth, oidcIssuer: oidcIssuer, oidcAudience: oidcAudience, oidcAliases: oidcIssuerAlias,
		verifyClientID: verifyClientId, verifyClientSecret: verifyClientSecret, verifyTokenURL: verifyTokenUrl,
		otlpEndpoint: otlpEndpoint, otlpHeaders: otlpHeaders, traceSampleRatio: traceSampleRatio,
		scaleToZero: string(scaleToZero), restart: string(restart), replicas: replicas, autoscale: autoscale, autoscaleCPU: autoscaleCpu,
		registry: registry, ca: ca, connectTo: connectTo, keepFailed: keepFailed, force: force,
		ds:               dstore.Spec{Kind: string(datastore), Image: postgresImage, VolumeMB: int64(volumeSize), MemoryMB: int64(postgresMemory), Public: postgresPublic},
		postgresPassword: postgresPassword, datastoreURI: datastoreUri, store: store, storeDir: storeDir, storeID: storeId}
	o, err := m.options(ctx, &s)
	if err != nil {
		return "", err
	}
	if o.Kraftfile, err = m.Kraftfile.Export(ctx, "/tmp/deploy/Kraftfile"); err != nil {
		return "", fmt.Errorf("export the Kraftfile: %w", err)
	}
	if err := deploy.Precheck(o); err != nil { // bad input: refused before anything is built or sent
		return "", &deploy.Error{Stage: deploy.StageValidate, Err: err}
	}
	reused := false
	if !rebuild {
		if reused, err = m.reuse(ctx, &o); err != nil {
			return "", err
		}
	}
	if !reused {
		if o.Rootfs, err = m.exportRootfs(ctx); err != nil {
			return "", err
		}
	}
	return run(deploy.Run(ctx, o))
}

// Releases lists the deployment's releases (every verified deploy), newest
// first, the serving one marked: image digest, OpenFGA version and commit,
// time, datastore, safety copy, store and model IDs. JSON.
// +cache="never"
func (m *OpenfgaKraftcloud) Releases(
	ctx context.Context,
	// KraftCloud API token (base64 of user:secret), e.g. env://UKC_TOKEN
	token *dagger.Secret,
	// Metro: fra, dal, sin, was, sfo (or legacy fra0, ...)
	// +optional
	metro string,
	// API URL instead of a metro (e.g. the simulator's)
	// +optional
	api string,
	// Deployment name, as given to deploy
	// +default="openfga"
	name string,
	// Registry HOST[:PORT] of the deployment's image (default index.unikraft.io)
	// +optional
	registry string,
	// CA certificate (PEM) to trust for the API and the registry, e.g. the simulator's
	// +optional
	ca *dagger.File,
) (string, error) {
	c, caPath, err := m.client(ctx, token, metro, api, ca)
	if err != nil {
		return "", err
	}
	list, err := deploy.Releases(ctx, c, deploy.Where{Name: name, Registry: registry, CAFile: caPath})
	if err != nil {
		return "", err
	}
	return toJSON(list)
}

// Rollback deploys an earlier release's image again (--to its digest, or
// --steps back from the serving one), through the same validation,
// verification and rollout as deploy: the serving release answers until
// the older one is verified. Give the settings the deployment runs with
// (keys, datastore, ...) as to deploy. JSON of the Deployment.
// +cache="never"
func (m *OpenfgaKraftcloud) Rollback(
	ctx context.Context,
	// KraftCloud API token (base64 of user:secret), e.g. env://UKC_TOKEN
	token *dagger.Secret,
	// Metro: fra, dal, sin, was, sfo (or legacy fra0, ...)
	// +optional
	metro string,
	// API URL instead of a metro (e.g. the simulator's)
	// +optional
	api string,
	// Deployment name, as given to deploy
	// +default="openfga"
	name string,
	// The image digest (sha256:…) of the release to go back to
	// +optional
	to string,
	// Go back this many releases from the serving one (default 1 without --to)
	// +optional
	steps int,
	// Memory, as kraft -M: 512 (MiB), 512Mi, 1Gi
	// +default="512"
	memory string,
	// Extra environment variables, KEY=VALUE
	// +optional
	env []string,
	// OpenFGA preshared keys; authentication is on unless --no-auth
	// +optional
	presharedKey []*dagger.Secret,
	// Run OpenFGA without authentication on the public internet
	// +optional
	noAuth bool,
	// Restart policy of OpenFGA's instances
	// +default="on-failure"
	restart Restart,
	// How many instances serve
	// +optional
	replicas int,
	// Registry HOST[:PORT] (default index.unikraft.io)
	// +optional
	registry string,
	// CA certificate (PEM) to trust for the platform's TLS, e.g. the simulator's
	// +optional
	ca *dagger.File,
	// Send the public FQDN's traffic to HOST:PORT, like curl --connect-to
	// +optional
	connectTo string,
	// Datastore, as the deployment has it
	// +default="memory"
	datastore Datastore,
	// postgres: the PostgreSQL unikernel image
	// +optional
	postgresImage string,
	// external: the PostgreSQL URI
	// +optional
	datastoreUri *dagger.Secret,
) (string, error) {
	s := settings{token: token, metro: metro, api: api, name: name, memory: memory, env: env, keys: presharedKey, noAuth: noAuth,
		restart: string(restart), replicas: replicas, registry: registry, ca: ca, connectTo: connectTo,
		ds: dstore.Spec{Kind: string(datastore), Image: postgresImage}, datastoreURI: datastoreUri}
	o, err := m.options(ctx, &s)
	if err != nil {
		return "", err
	}
	if to == "" && steps == 0 {
		steps = 1
	}
	target, err := deploy.RollbackTarget(ctx, o.Client, deploy.Where{Name: name, Registry: registry, CAFile: o.CAFile}, to, steps)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "rollback: to release %s (%s, OpenFGA %s)\n", target.ID, target.Digest, target.OpenFGAVersion)
	o.Image, o.OpenFGAVersion, o.Commit = target.Image, target.OpenFGAVersion, target.Commit
	return run(deploy.Run(ctx, o))
}

// Restore brings a PostgreSQL deployment's data back from a safety copy
// (`releases` names each release's): OpenFGA is stopped, the database's
// volume replaced by the copy (the data it held is kept as another copy),
// and the release that made the copy deployed and verified. JSON of the
// Deployment.
// +cache="never"
func (m *OpenfgaKraftcloud) Restore(
	ctx context.Context,
	// KraftCloud API token (base64 of user:secret), e.g. env://UKC_TOKEN
	token *dagger.Secret,
	// Metro: fra, dal, sin, was, sfo (or legacy fra0, ...)
	// +optional
	metro string,
	// API URL instead of a metro (e.g. the simulator's)
	// +optional
	api string,
	// Deployment name, as given to deploy
	// +default="openfga"
	name string,
	// The safety copy to restore (a volume named in the release's safety_copy)
	from string,
	// Memory, as kraft -M: 512 (MiB), 512Mi, 1Gi
	// +default="512"
	memory string,
	// OpenFGA preshared keys; authentication is on unless --no-auth
	// +optional
	presharedKey []*dagger.Secret,
	// Run OpenFGA without authentication on the public internet
	// +optional
	noAuth bool,
	// Registry HOST[:PORT] (default index.unikraft.io)
	// +optional
	registry string,
	// CA certificate (PEM) to trust for the platform's TLS, e.g. the simulator's
	// +optional
	ca *dagger.File,
	// Send the public FQDN's traffic to HOST:PORT, like curl --connect-to
	// +optional
	connectTo string,
	// postgres: the PostgreSQL unikernel image
	// +optional
	postgresImage string,
) (string, error) {
	s := settings{token: token, metro: metro, api: api, name: name, memory: memory, keys: presharedKey, noAuth: noAuth,
		restart: deploy.DefaultRestart, registry: registry, ca: ca, connectTo: connectTo,
		ds: dstore.Spec{Kind: dstore.Engine, Image: postgresImage}}
	o, err := m.options(ctx, &s)
	if err != nil {
		return "", err
	}
	return run(deploy.Restore(ctx, o, from))
}

// settings are the arguments of the functions that roll a deployment out.
type settings struct {
	token                             *dagger.Secret
	metro, api, name, memory          string
	port, env, domains                []string
	certificate, certificateKey       *dagger.Secret
	keys                              []*dagger.Secret
	noAuth                            bool
	oidcIssuer, oidcAudience          string
	oidcAliases                       []string
	verifyClientID, verifyTokenURL    string
	verifyClientSecret                *dagger.Secret
	otlpEndpoint                      string
	otlpHeaders                       *dagger.Secret
	traceSampleRatio                  float64
	scaleToZero, restart, autoscale   string
	autoscaleCPU, registry, connectTo string
	replicas                          int
	ca                                *dagger.File
	keepFailed, force                 bool
	ds                                dstore.Spec
	postgresPassword, datastoreURI    *dagger.Secret
	store                             *dagger.File
	storeDir                          *dagger.Directory
	storeID                           string
}

// options builds the deploy options: the client, the secrets read here
// (inside the module, never leaving it), the datastore and the store file.
func (m *OpenfgaKraftcloud) options(ctx context.Context, s *settings) (deploy.Options, error) {
	c, caPath, err := m.client(ctx, s.token, s.metro, s.api, s.ca)
	if err != nil {
		return deploy.Options{}, err
	}
	o := deploy.Options{
		Client: c, CAFile: caPath, Name: s.name, Memory: s.memory, Ports: s.port, Env: s.env,
		ScaleToZero: s.scaleToZero, Restart: s.restart, Replicas: s.replicas, Registry: s.registry, ConnectTo: s.connectTo,
		NoAuth: s.noAuth, KeepFailed: s.keepFailed, Force: s.force, Log: os.Stderr, StoreID: s.storeID,
		OpenFGAVersion: m.Version, Commit: m.Commit,
	}
	o.Domains = s.domains
	if s.certificate != nil || s.certificateKey != nil {
		chain, err := plaintext(ctx, s.certificate)
		if err != nil {
			return o, err
		}
		key, err := plaintext(ctx, s.certificateKey)
		if err != nil {
			return o, err
		}
		o.Certificate = &deploy.Certificate{Chain: chain, Key: key}
	}
	for _, k := range s.keys {
		key, err := plaintext(ctx, k)
		if err != nil {
			return o, err
		}
		o.PresharedKeys = append(o.PresharedKeys, key)
	}
	if s.oidcIssuer != "" {
		o.OIDC = &deploy.OIDC{Issuer: s.oidcIssuer, Audience: s.oidcAudience, IssuerAliases: s.oidcAliases,
			ClientID: s.verifyClientID, TokenURL: s.verifyTokenURL}
		if o.OIDC.ClientSecret, err = plaintext(ctx, s.verifyClientSecret); err != nil {
			return o, err
		}
	}
	if s.otlpEndpoint != "" {
		o.Tracing = &deploy.Tracing{Endpoint: s.otlpEndpoint, SampleRatio: s.traceSampleRatio}
		if o.Tracing.Headers, err = plaintext(ctx, s.otlpHeaders); err != nil {
			return o, err
		}
	}
	if o.Autoscale, err = deploy.ParseAutoscale(s.autoscale); err != nil {
		return o, err
	}
	if o.Autoscale != nil {
		if err := o.Autoscale.ParseCPU(s.autoscaleCPU); err != nil {
			return o, err
		}
	}
	if s.ds.Password, err = plaintext(ctx, s.postgresPassword); err != nil {
		return o, err
	}
	if s.ds.URI, err = plaintext(ctx, s.datastoreURI); err != nil {
		return o, err
	}
	if o.Datastore, err = s.ds.Build(c.Token().Namespace()); err != nil {
		return o, err
	}
	o.Store, err = storeInputs(ctx, s.store, s.storeDir, "/tmp/deploy/store")
	return o, err
}

// run is the JSON of a finished deploy, or its error.
func run(rec deploy.Deployment, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return toJSON(rec)
}

// Status reports the deployment's instances, their states and, for each one
// that is not running, the diagnosis; the serving release and the store it
// bootstrapped. JSON.
// +cache="never"
func (m *OpenfgaKraftcloud) Status(
	ctx context.Context,
	// KraftCloud API token (base64 of user:secret), e.g. env://UKC_TOKEN
	token *dagger.Secret,
	// Metro: fra, dal, sin, was, sfo (or legacy fra0, ...)
	// +optional
	metro string,
	// API URL instead of a metro (e.g. the simulator's)
	// +optional
	api string,
	// Deployment name, as given to deploy
	// +default="openfga"
	name string,
	// Registry HOST[:PORT] of the image, whose release record names the
	// store deploy --store bootstrapped (default index.unikraft.io)
	// +optional
	registry string,
	// CA certificate (PEM) to trust for the API and the registry, e.g. the simulator's
	// +optional
	ca *dagger.File,
) (string, error) {
	c, caPath, err := m.client(ctx, token, metro, api, ca)
	if err != nil {
		return "", err
	}
	rep, err := deploy.Status(ctx, c, deploy.Where{Name: name, Registry: registry, CAFile: caPath})
	if err != nil {
		return "", err
	}
	return toJSON(rep)
}

// Logs returns the console output of one of the deployment's instances
// (--instance, else the newest running one, else the newest): the last
// --tail bytes of it, all that is kept by default.
// +cache="never"
func (m *OpenfgaKraftcloud) Logs(
	ctx context.Context,
	// KraftCloud API token (base64 of user:secret), e.g. env://UKC_TOKEN
	token *dagger.Secret,
	// Metro: fra, dal, sin, was, sfo (or legacy fra0, ...)
	// +optional
	metro string,
	// API URL instead of a metro (e.g. the simulator's)
	// +optional
	api string,
	// Deployment name, as given to deploy
	// +default="openfga"
	name string,
	// Instance name or UUID (default: the newest running one)
	// +optional
	instance string,
	// Only the last N bytes (0: all that is kept)
	// +optional
	tail int,
	// CA certificate (PEM) to trust for the API, e.g. the simulator's
	// +optional
	ca *dagger.File,
) (string, error) {
	c, _, err := m.client(ctx, token, metro, api, ca)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := deploy.Logs(ctx, c, name, instance, int64(tail), false, &b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Destroy removes a deployment: its instances and service group, and with
// --image its image. A PostgreSQL database and its volume are kept unless
// --delete-database / --delete-data say otherwise. JSON of what was removed.
// +cache="never"
func (m *OpenfgaKraftcloud) Destroy(
	ctx context.Context,
	// KraftCloud API token (base64 of user:secret), e.g. env://UKC_TOKEN
	token *dagger.Secret,
	// Metro: fra, dal, sin, was, sfo (or legacy fra0, ...)
	// +optional
	metro string,
	// API URL instead of a metro (e.g. the simulator's)
	// +optional
	api string,
	// Deployment name, as given to deploy
	// +default="openfga"
	name string,
	// Also delete the deployment's image from the registry
	// +optional
	image bool,
	// Registry HOST[:PORT] of the image (default index.unikraft.io)
	// +optional
	registry string,
	// CA certificate (PEM) to trust for the API and the registry, e.g. the simulator's
	// +optional
	ca *dagger.File,
	// Also delete the PostgreSQL instance (its volume, and so the data, stays)
	// +optional
	deleteDatabase bool,
	// Also delete the PostgreSQL instance AND its volume: the data is gone for good
	// +optional
	deleteData bool,
) (string, error) {
	c, caPath, err := m.client(ctx, token, metro, api, ca)
	if err != nil {
		return "", err
	}
	done, err := deploy.Destroy(ctx, c, deploy.DestroyOptions{
		Name: name, Image: image, Registry: registry, CAFile: caPath, Log: os.Stderr,
		DeleteDatabase: deleteDatabase, DeleteData: deleteData,
	})
	if err != nil {
		return "", err
	}
	return toJSON(done)
}

// client builds the API client; the token is read here, inside the module,
// and never leaves it (ci/kraftcloud keeps it out of errors and logs).
// It also returns where the CA file (if any) was put, for the registry and the FQDN.
func (m *OpenfgaKraftcloud) client(ctx context.Context, token *dagger.Secret, metro, api string, ca *dagger.File) (*kraftcloud.Client, string, error) {
	tok, err := token.Plaintext(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("read the token: %w", err)
	}
	caPath, err := exportOptional(ctx, ca, "/tmp/deploy/ca.pem")
	if err != nil {
		return nil, "", err
	}
	ep, err := kraftcloud.Endpoint(metro, api)
	if err != nil {
		return nil, "", err
	}
	opts := []kraftcloud.Option{kraftcloud.WithLogf(func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
	})}
	if caPath != "" {
		opts = append(opts, kraftcloud.WithCAFile(caPath))
	}
	c, err := kraftcloud.New(ep, tok, opts...)
	return c, caPath, err
}

// exportRootfs builds the rootfs and puts it where ci/deploy reads it:
// this module's own container.
func (m *OpenfgaKraftcloud) exportRootfs(ctx context.Context) (string, error) {
	p, err := m.plan(ctx)
	if err != nil {
		return "", err
	}
	root, err := m.rootfs(ctx, p)
	if err != nil {
		return "", err
	}
	dir, err := root.Export(ctx, "/tmp/deploy/rootfs")
	if err != nil {
		return "", fmt.Errorf("export the rootfs: %w", err)
	}
	return dir, nil
}

// plaintext reads an optional secret; "" when it was not given.
func plaintext(ctx context.Context, s *dagger.Secret) (string, error) {
	if s == nil {
		return "", nil
	}
	return s.Plaintext(ctx)
}

func exportOptional(ctx context.Context, f *dagger.File, path string) (string, error) {
	if f == nil {
		return "", nil
	}
	return f.Export(ctx, path)
}

func toJSON(v any) (string, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return string(b), err
}
