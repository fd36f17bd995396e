package diagnose

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// DNS failures as Go's resolver prints them, e.g.
// "lookup postgres.default on 10.0.1.206:53: no such host".
var dnsFailure = regexp.MustCompile(`lookup ([^\s:]+)(?: on ([^\s]+?))?: (no such host|server misbehaving|i/o timeout)`)

// Connection failures to a resolved address, e.g.
// "dial tcp 10.0.0.5:5432: connect: connection refused".
var dialFailure = regexp.MustCompile(`dial tcp ([^\s]+?): (?:connect: )?(connection refused|i/o timeout|no route to host|connection timed out)`)

// PostgreSQL's own refusals as OpenFGA prints pgx's connection errors, e.g.
// "failed to connect to `user=openfga database=openfga`: 10.0.0.5:5432
// (pg.internal): failed SASL auth: FATAL: password authentication failed
// for user "openfga" (SQLSTATE 28P01)".
var (
	authFailed = regexp.MustCompile(`password authentication failed for user "([^"]*)"`)
	noDatabase = regexp.MustCompile(`database "([^"]*)" does not exist`)
	// the address pgx dialled and, in parentheses, the host name it resolved
	connectedTo = regexp.MustCompile("failed to connect to `[^`]*`: ([^\\s]+) \\(([^)]+)\\)")
)

// datastoreProblem recognises an app that died because of its datastore:
// a host that does not resolve (OpenFGA's panic when no PostgreSQL exists
// under that name), one that does not answer, or a PostgreSQL that refuses
// the login or has no such database.
func datastoreProblem(f facts) (verdict, bool) {
	if line := f.logs.find(authFailed); line != "" {
		return datastoreAuth(f, line), true
	}
	if line := f.logs.find(noDatabase); line != "" {
		return datastoreNoDB(f, line), true
	}
	if line := f.logs.find(dnsFailure); line != "" {
		return datastoreDNS(f, line), true
	}
	if line := f.logs.find(dialFailure); line != "" {
		return datastoreUnreachable(f, line), true
	}
	return verdict{}, false
}

func datastoreDNS(f facts, line string) verdict {
	m := dnsFailure.FindStringSubmatch(line)
	host, server := m[1], m[2]
	what := "the host " + host
	if datastoreHost(f) == host {
		what = "the datastore host " + host + " (from OPENFGA_DATASTORE_URI)"
	} else if datastoreHost(f) == "" {
		what = "the datastore host " + host
	}
	via := ""
	if server != "" {
		via = " by the platform's DNS at " + server
	}
	how := fmt.Sprintf("the app gave up with exit code %d", f.inst.ExitCode)
	if p := f.logs.find(goPanic); p != "" {
		how = fmt.Sprintf("the app panicked with exit code %d: %s", f.inst.ExitCode, p)
		line = p
	}
	return verdict{kind: KindDatastoreDNS, failed: true, evidence: []string{line},
		cause: fmt.Sprintf("%s cannot be resolved%s (%s); %s, after %s", what, via, m[3], how, uptime(f)),
		fix:   dnsFix(host)}
}

func dnsFix(host string) string {
	fix := "deploy the datastore as an instance first and point OPENFGA_DATASTORE_URI at <its instance name>.internal or its private_ip"
	if strings.HasSuffix(host, ".internal") {
		return fix + "; no instance named " + strings.TrimSuffix(host, ".internal") +
			" answers on the private network (or its private_fqdn is empty, as seen on fra): use its private_ip"
	}
	return fix + "; " + host + " is not a KraftCloud name (private names are <instance-name>.internal)"
}

func datastoreUnreachable(f facts, line string) verdict {
	m := dialFailure.FindStringSubmatch(line)
	return verdict{kind: KindDatastoreUnreachable, failed: true, evidence: []string{line},
		cause: fmt.Sprintf("the app could not connect to %s (%s) and exited with exit code %d after %s", m[1], m[2], f.inst.ExitCode, uptime(f)),
		fix: "check that the datastore instance is running and listening on that port; give it scale_to_zero.policy \"off\" " +
			"(scale-to-zero may not wake on private traffic) and use sslmode=disable on the private network"}
}

// datastoreHost is the host of the instance's OPENFGA_DATASTORE_URI, if any.
func datastoreHost(f facts) string {
	raw := f.inst.Env["OPENFGA_DATASTORE_URI"]
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

func datastoreAuth(f facts, line string) verdict {
	user := authFailed.FindStringSubmatch(line)[1]
	return verdict{kind: KindDatastoreAuthFailed, failed: true, evidence: []string{line},
		cause: fmt.Sprintf("PostgreSQL%s refused the password of user %q, so the app exited with exit code %d", pgServer(line), user, f.inst.ExitCode),
		fix:   "give the database's real password (for an external database, check the URI's user and password; for the database on the platform, omit --postgres-password on a redeploy: the running database's password is reused)"}
}

func datastoreNoDB(f facts, line string) verdict {
	db := noDatabase.FindStringSubmatch(line)[1]
	return verdict{kind: KindDatastoreNoDatabase, failed: true, evidence: []string{line},
		cause: fmt.Sprintf("PostgreSQL%s has no database %q, so the app exited with exit code %d", pgServer(line), db, f.inst.ExitCode),
		fix:   "create the database first (CREATE DATABASE), or name an existing one in the URI's path"}
}

// pgServer names the server a pgx error line was about: " at host (address)".
func pgServer(line string) string {
	m := connectedTo.FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	if m[1] == m[2] || strings.HasPrefix(m[1], m[2]+":") {
		return " at " + m[1]
	}
	return fmt.Sprintf(" at %s (%s)", m[2], m[1])
}
