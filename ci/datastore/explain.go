package datastore

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/diagnose"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// Kinds of diagnosis this package adds to ci/diagnose's: PostgreSQL's own
// refusals, which the generic rules see only as "the app exited with 1".
const (
	KindAuthFailed diagnose.Kind = "datastore_auth_failed"
	KindNoDatabase diagnose.Kind = "datastore_no_database"
)

// pgx's connection errors, as OpenFGA prints them, e.g.
// "failed to connect to `user=openfga database=openfga`: 10.0.0.5:5432
// (pg.internal): failed SASL auth: FATAL: password authentication failed
// for user "openfga" (SQLSTATE 28P01)".
var (
	authFailed = regexp.MustCompile(`password authentication failed for user "([^"]*)"`)
	noDatabase = regexp.MustCompile(`database "([^"]*)" does not exist`)
	// the address pgx dialled and, in parentheses, the host name it resolved
	connectedTo = regexp.MustCompile(`failed to connect to ` + "`" + `[^` + "`" + `]*` + "`" + `: ([^\s]+) \(([^)]+)\)`)
)

// Explain diagnoses an instance of this package (the migrate instance, an
// OpenFGA instance, the database): ci/diagnose's verdict, sharpened when
// the logs show PostgreSQL refusing the login or the database. An
// unreachable or unresolvable host is already named by ci/diagnose.
func Explain(inst api.Instance, lines []string) diagnose.Diagnosis {
	d := diagnose.Diagnose(inst, lines)
	if !d.Failed {
		return d
	}
	if ev, m := find(lines, authFailed); ev != "" {
		d.Kind, d.Evidence = KindAuthFailed, []string{ev}
		d.Cause = fmt.Sprintf("PostgreSQL%s refused the password of user %q, so the app exited with exit code %d", at(ev), m[1], inst.ExitCode)
		d.Fix = "give the database's real password (for an external database, check the URI's user and password; for the database on the platform, omit --postgres-password on a redeploy: the running database's password is reused)"
	} else if ev, m := find(lines, noDatabase); ev != "" {
		d.Kind, d.Evidence = KindNoDatabase, []string{ev}
		d.Cause = fmt.Sprintf("PostgreSQL%s has no database %q, so the app exited with exit code %d", at(ev), m[1], inst.ExitCode)
		d.Fix = "create the database first (CREATE DATABASE), or name an existing one in the URI's path"
	}
	return d
}

// at names the server a pgx error line was about: " at host (address)".
func at(line string) string {
	m := connectedTo.FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	if m[1] == m[2] || strings.HasPrefix(m[1], m[2]+":") {
		return " at " + m[1]
	}
	return fmt.Sprintf(" at %s (%s)", m[2], m[1])
}

func find(lines []string, re *regexp.Regexp) (string, []string) {
	for _, l := range lines {
		if m := re.FindStringSubmatch(l); m != nil {
			return strings.TrimSpace(l), m
		}
	}
	return "", nil
}
