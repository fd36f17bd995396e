package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

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

	// OpenFGA preshared key; authentication is on unless --no-auth
	// +optional
	presharedKey *dagger.Secret,
	// Run OpenFGA without authentication on the public internet
	// +optional
	noAuth bool,

	// Scale-to-zero policy: on, off or idle (default: the Kraftfile's labels)
	// +optional
	scaleToZero string,
	// Restart policy of OpenFGA's instances: on-failure (a crash brings the server back), always or never
	// +default="on-failure"
	restart string,
	// How many instances serve; more than one needs the postgres or external datastore
	// +default=1
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
	// Leave a failed instance in place for inspection
	// +optional
	keepFailed bool,

	// Datastore: memory (lost on every restart), postgres (on the platform, with a volume) or external
	// +default="memory"
	datastore string,
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
	c, caPath, err := m.client(ctx, token, metro, api, ca)
	if err != nil {
		return "", err
	}
	o := deploy.Options{
		Client: c, CAFile: caPath, Name: name, Memory: memory, Ports: port, Env: env,
		ScaleToZero: scaleToZero, Restart: restart, Replicas: replicas, Registry: registry, ConnectTo: connectTo,
		NoAuth: noAuth, KeepFailed: keepFailed, Log: os.Stderr,
		OpenFGAVersion: m.Version, Commit: m.Commit,
	}
	if key, err := plaintext(ctx, presharedKey); err != nil {
		return "", err
	} else if key != "" {
		o.PresharedKeys = []string{key}
	}
	spec := dstore.Spec{Kind: datastore, Image: postgresImage, VolumeMB: int64(volumeSize),
		MemoryMB: int64(postgresMemory), Public: postgresPublic}
	if spec.Password, err = plaintext(ctx, postgresPassword); err != nil {
		return "", err
	}
	if spec.URI, err = plaintext(ctx, datastoreUri); err != nil {
		return "", err
	}
	if o.Datastore, err = spec.Build(c.Token().Namespace()); err != nil {
		return "", err
	}
	if o.Rootfs, o.Kraftfile, err = m.deployInputs(ctx); err != nil {
		return "", err
	}
	if o.Store, err = storeInputs(ctx, store, storeDir, "/tmp/deploy/store"); err != nil {
		return "", err
	}
	o.StoreID = storeId
	rec, err := deploy.Run(ctx, o)
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

// deployInputs puts the rootfs and the Kraftfile where ci/deploy reads them:
// this module's own container.
func (m *OpenfgaKraftcloud) deployInputs(ctx context.Context) (rootfs, kraftfile string, err error) {
	p, err := m.plan(ctx)
	if err != nil {
		return "", "", err
	}
	root, err := m.rootfs(ctx, p)
	if err != nil {
		return "", "", err
	}
	if rootfs, err = root.Export(ctx, "/tmp/deploy/rootfs"); err != nil {
		return "", "", fmt.Errorf("export the rootfs: %w", err)
	}
	if kraftfile, err = m.Kraftfile.Export(ctx, "/tmp/deploy/Kraftfile"); err != nil {
		return "", "", fmt.Errorf("export the Kraftfile: %w", err)
	}
	return rootfs, kraftfile, nil
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
