// Package datastore makes OpenFGA's persistent datastores ready on
// KraftCloud, engine-free, for ci/deploy: the step between "the OpenFGA
// image is pushed" and "the OpenFGA instance is created".
//
// Two kinds, both PostgreSQL:
//
//   - Postgres runs the database on the platform: a volume "<name>-pgdata"
//     (reused when it exists), an instance "<name>-pg" of the PostgreSQL
//     image (ci/pgimage) with the volume at /volume, scale-to-zero off, no
//     public service unless asked for, and its password from the caller or
//     generated; on a redeploy the running instance and its password (read
//     from the instance's env through the API) are reused. It waits until
//     the server runs and has logged that it accepts connections.
//   - External takes a PostgreSQL URI from the caller (Neon, Supabase,
//     RDS, ...): a secret, kept out of every output.
//
// Then, for both, OpenFGA's schema migration runs once as a one-shot
// instance of the same OpenFGA image ("<name>-migrate-<id>", args
// `/usr/bin/openfga migrate`, the datastore env, restart never, no
// service): it must reach stopped with the app's exit code 0, its logs and
// diagnosis are shown otherwise, and it is deleted. Migrations are a no-op
// when the schema is current, so every redeploy runs them. Finally Env
// gives OpenFGA OPENFGA_DATASTORE_ENGINE=postgres and a URI that reaches
// the database over the private network: <pg-instance>.internal, or the
// private IP when the platform leaves private_fqdn empty (as it did on fra
// for an instance deployed with kraft cloud deploy --name postgres, recorded
// in guillempuche/demo-openfga-in-unikraft's docs/2-deployment-status.md).
//
// Undo removes what a Prepare created when the deploy fails later (a new
// volume, a new database instance), never what existed before it; Destroy
// keeps the volume and the database unless told otherwise, and says so.
//
// A datastore that cannot be reached or refuses the login is diagnosed
// from the migrate instance's logs, naming the host it tried (Explain).
package datastore
