// Package deploy is the engine-free deploy orchestration: it takes a root
// filesystem laid out as the image root (as `dagger call rootfs export`
// writes it), packages it as a KraftCloud unikernel image, pushes it, runs
// it as an instance of a persistent service group and proves that OpenFGA
// serves through the public FQDN before it calls the deployment done.
//
// Run goes, in order: validate every input with no request sent; package
// and push; wait until the image is visible; create the instance in the
// deployment's service group; wait for running and keep watching; verify
// over HTTPS (health, then an authorization round trip); then, for a
// rollout, drain and delete the instances of the earlier deployment. A
// failure at any step is diagnosed (ci/diagnose) and what this run created
// is deleted, so nothing is left behind and the earlier deployment is not
// touched. Secrets (the API token, the preshared keys) never appear in
// progress output, errors or the Deployment record.
//
// The CLI (see Commands) against the local simulator, whose `go run . sim`
// line gives api, registry, tls, ca and token:
//
//	UKC_TOKEN=$TOKEN OPENFGA_PRESHARED_KEY=$KEY go run . deploy --rootfs build/rootfs \
//	    --name openfga --api $API --registry $REGISTRY --ca $CA --connect-to $TLS --kraftfile Kraftfile
//	go run . status --name openfga --api $API
//	go run . logs --name openfga --api $API --tail 4096
//	go run . destroy --name openfga --api $API --image --registry $REGISTRY
//
// Against the platform: --metro fra (or $UKC_METRO) instead of --api, and
// no --registry, --ca or --connect-to.
//
// The datastore (--datastore): memory (the default; lost on every restart,
// and said so in the record's warnings), postgres (PostgreSQL on the
// platform: a volume, a database instance, the schema migrated by a
// one-shot instance before OpenFGA starts; see ci/datastore and, for its
// image, ci/pgimage) or external (a PostgreSQL URI from
// $OPENFGA_DATASTORE_URI, migrated the same way). With a persistent one,
// a deployment that rolls out checks, once the earlier instances are
// gone, that the tuple the earlier deployment wrote is still allowed.
// destroy keeps the database and its volume unless --delete-database or
// --delete-data, and says so:
//
//	OPENFGA_POSTGRES_PASSWORD=... go run . deploy ... --datastore postgres --postgres-image <user>/openfga-pg:15 --volume-size 1024
//	OPENFGA_DATASTORE_URI=postgres://... go run . deploy ... --datastore external
package deploy
