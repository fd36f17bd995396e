package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"dagger/openfga-kraftcloud/internal/dagger"
)

// The simulator's ports in its service container.
const (
	simAPI      = 4000
	simRegistry = 5000
	simTLS      = 4443
	simHTTP     = 4080
)

// Rehearse runs the real pipeline (source, binary, preflight, rootfs, then
// package, push, create, verify, roll out, as deploy does) against a local
// KraftCloud simulator that runs as a service in the engine, prints the
// verified Deployment JSON and removes what it made. No account and no
// token: the simulator is the platform. With --crash it rehearses the
// failures instead (a dynamic PIE binary refused by preflight, and OpenFGA
// exiting 2 on a datastore host that does not resolve) and prints the
// diagnoses a deploy on the platform would give.
// +cache="never"
func (m *OpenfgaKraftcloud) Rehearse(
	ctx context.Context,
	// Datastore: memory, or postgres (a PostgreSQL unikernel on the simulator)
	// +default="memory"
	datastore Datastore,
	// postgres: Debian 12's postgresql-15 packages (bash .ci/pg-rootfs.sh downloads them)
	// +optional
	postgresDebs *dagger.Directory,
	// How many instances serve; more than one needs --datastore postgres
	// +optional
	replicas int,
	// Store file (.fga.yaml) to gate on and bootstrap, as deploy --store
	// +optional
	store *dagger.File,
	// The directory the store file's paths are relative to
	// +optional
	storeDir *dagger.Directory,
	// Rehearse the failures instead of a deploy
	// +optional
	crash bool,
	// The generation of KraftCloud's API the simulator serves
	// +default="v1"
	dialect Dialect,
) (string, error) {
	p, err := m.plan(ctx)
	if err != nil {
		return "", err
	}
	root, err := m.rootfs(ctx, p)
	if err != nil {
		return "", err
	}
	token := simToken()
	cli := m.cli(p).
		WithServiceBinding("sim", m.simulator(p, token, dialect)).
		WithDirectory("/work/rootfs", root).
		WithFile("/work/Kraftfile", m.Kraftfile).
		WithEnvVariable("UKC_TOKEN", token).
		WithEnvVariable("OPENFGA_PRESHARED_KEY", randomHex(16)).
		WithExec([]string{"sh", "-c", "until curl -sf http://sim:4000/_sim/ca.pem -o /work/ca.pem; do sleep 0.2; done"})
	if crash {
		return m.rehearseCrash(ctx, cli)
	}
	args := []string{"--datastore", string(datastore)}
	if replicas > 0 {
		args = append(args, "--replicas", fmt.Sprint(replicas))
	}
	if datastore == DatastorePostgres {
		if postgresDebs == nil {
			return "", fmt.Errorf("--datastore postgres needs --postgres-debs: Debian 12's postgresql-15 packages (bash .ci/pg-rootfs.sh downloads them)")
		}
		cli = cli.WithDirectory("/work/debs", postgresDebs).
			WithExec([]string{"sh", "-c", "openfga-kraftcloud pgimage --debs /work/debs --push --registry http://sim:5000 > /work/pg.json"})
		args = append(args, "--postgres-image", "$(sed -n 's/.*\"image\": \"\\(.*\\)\".*/\\1/p' /work/pg.json)")
	}
	if store != nil {
		name, err := store.Name(ctx)
		if err != nil {
			return "", err
		}
		if storeDir != nil {
			cli = cli.WithDirectory("/work/store", storeDir)
		}
		cli = cli.WithFile("/work/store/"+name, store)
		args = append(args, "--store", "/work/store/"+name)
	}
	script := "openfga-kraftcloud deploy --rootfs /work/rootfs --kraftfile /work/Kraftfile --name openfga " +
		"--api http://sim:4000 --registry http://sim:5000 --ca /work/ca.pem --connect-to sim:4443 " +
		"--memory 512 --openfga-version " + p.stamp.Version + " --commit " + p.stamp.Commit + " " + strings.Join(args, " ") +
		" > /work/deployment.json && openfga-kraftcloud destroy --name openfga --api http://sim:4000 --image --registry http://sim:5000 --delete-data >&2" +
		" && cat /work/deployment.json"
	return cli.WithExec([]string{"sh", "-c", script}).Stdout(ctx)
}

// rehearseCrash deploys the failures a user meets and prints what they
// would read: preflight's refusal of a dynamic PIE binary, and the
// diagnosis of an OpenFGA that exits 2 because its datastore host does not
// resolve (its deploy fails and leaves nothing behind).
func (m *OpenfgaKraftcloud) rehearseCrash(ctx context.Context, cli *dagger.Container) (string, error) {
	script := `set +e
echo "== 1. a -buildmode=pie binary (the seed's exit 243)"
CGO_ENABLED=1 go build -buildmode=pie -o /work/pie ./ci/deploy/testdata/standin 2>&1 || exit 1
openfga-kraftcloud preflight /work/pie 2>&1; echo "preflight exit code: $?"
echo
echo "== 2. OpenFGA on a datastore host that does not resolve (the seed's exit 2)"
openfga-kraftcloud deploy --rootfs /work/rootfs --kraftfile /work/Kraftfile --name crash \
  --api http://sim:4000 --registry http://sim:5000 --ca /work/ca.pem --connect-to sim:4443 --memory 512 \
  --verify-timeout 100s --env OPENFGA_DATASTORE_ENGINE=postgres \
  --env OPENFGA_DATASTORE_URI=postgres://openfga@postgres.nowhere.internal:5432/openfga 2>&1 | grep -E "FAILED|cause:|fix:|diagnosis|exit code|cleanup"
echo "deploy exit code: ${PIPESTATUS[0]}"
openfga-kraftcloud status --name crash --api http://sim:4000 >/dev/null 2>&1 && echo "LEFT BEHIND" || echo "nothing left behind"
`
	return cli.WithExec([]string{"bash", "-c", script}).Stdout(ctx)
}

// cli is a container with this repository's CLI built and its source at
// /src (the failure rehearsal builds a PIE binary from it).
func (m *OpenfgaKraftcloud) cli(p *plan) *dagger.Container {
	return m.projectEnv(p.image).
		WithExec([]string{"go", "build", "-trimpath", "-o", "/usr/local/bin/openfga-kraftcloud", "."})
}

// simulator is `openfga-kraftcloud sim` as a service: privileged, since it
// makes network namespaces, a bridge and memory cgroups for its instances.
func (m *OpenfgaKraftcloud) simulator(p *plan, token string, dialect Dialect) *dagger.Service {
	return m.cli(p).
		WithExposedPort(simAPI).WithExposedPort(simRegistry).WithExposedPort(simTLS).WithExposedPort(simHTTP).
		AsService(dagger.ContainerAsServiceOpts{
			Args: []string{"openfga-kraftcloud", "sim", "--container", "--dir", "/var/lib/sim", "--token", token, "--dialect", string(dialect),
				"--api", fmt.Sprintf("0.0.0.0:%d", simAPI), "--registry", fmt.Sprintf("0.0.0.0:%d", simRegistry),
				"--tls", fmt.Sprintf("0.0.0.0:%d", simTLS), "--http", fmt.Sprintf("0.0.0.0:%d", simHTTP)},
			InsecureRootCapabilities: true,
		})
}

// simToken is a throwaway API token for the simulator: base64 of user:secret.
func simToken() string {
	return base64.StdEncoding.EncodeToString([]byte("rehearsal:" + randomHex(16)))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
