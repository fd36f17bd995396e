// Command entrypoint is PID 1 of the PostgreSQL unikernel (ci/pgimage): it
// prepares the data directory on the volume, then becomes the server.
//
// Environment (set by ci/datastore in the instance's create request):
//
//	PGDATA             data directory, on the volume (default /volume/pgdata)
//	POSTGRES_PASSWORD  the password of POSTGRES_USER; required
//	POSTGRES_USER      the superuser that initdb creates (default postgres)
//	POSTGRES_DB        a database created on first boot (default postgres)
//
// On every boot it (1) initialises PGDATA when it holds no cluster yet,
// atomically: initdb into a sibling directory, create the database, rename;
// (2) sets the user's password from the environment in single-user mode, so
// the instance's env is always the truth; (3) execs postgres as the
// postgres user (PostgreSQL refuses to run as root, and the platform runs
// the app as root) with the platform's flags, then its own argv, so that
// later -c flags (sized by the caller for memory_mb) win.
//
// The password never reaches argv, a log line or the image: it goes to the
// single-user backend on stdin, with error-statement logging off.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// The image lays PostgreSQL out at these paths (ci/pgimage).
const (
	binDir  = "/usr/lib/postgresql/current/bin"
	hbaFile = "/etc/postgresql/pg_hba.conf"
	osUser  = "postgres"
)

// platformFlags are the server settings the platform needs, whatever the
// size of the instance (see ci/pgimage's package comment for why).
var platformFlags = []string{
	"-c", "listen_addresses=*",
	"-c", "port=5432",
	"-c", "unix_socket_directories=/tmp",
	"-c", "hba_file=" + hbaFile,
	"-c", "huge_pages=off",
	"-c", "jit=off",
	"-c", "ssl=off",
	"-c", "logging_collector=off",
	"-c", "log_destination=stderr",
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pg-entrypoint: "+err.Error())
		os.Exit(1)
	}
}

func run() error {
	cfg := config{data: env("PGDATA", "/volume/pgdata"), user: env("POSTGRES_USER", "postgres"),
		db: env("POSTGRES_DB", "postgres"), password: os.Getenv("POSTGRES_PASSWORD")}
	if err := cfg.check(); err != nil {
		return err
	}
	uid, gid, err := lookup(osUser)
	if err != nil {
		return err
	}
	if err := ensureParent(cfg.data, uid, gid); err != nil {
		return err
	}
	if !initialised(cfg.data) {
		if err := initCluster(cfg, uid, gid); err != nil {
			return err
		}
	}
	if err := single(cfg.data, uid, gid, "ALTER ROLE "+ident(cfg.user)+" PASSWORD "+literal(cfg.password)); err != nil {
		return fmt.Errorf("set the password of %s: %w", cfg.user, err)
	}
	return becomeServer(cfg.data, uid, gid)
}

type config struct{ data, user, db, password string }

func (c config) check() error {
	switch {
	case c.password == "":
		return errors.New("POSTGRES_PASSWORD is empty: the server is reachable on the private network, so a password is required")
	case strings.ContainsAny(c.password, "\n\r\x00"):
		return errors.New("POSTGRES_PASSWORD must be one line")
	case !filepath.IsAbs(c.data):
		return fmt.Errorf("PGDATA %q must be an absolute path", c.data)
	}
	return nil
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func lookup(name string) (int, int, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return 0, 0, fmt.Errorf("user %s: %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return uid, gid, nil
}

// ensureParent creates PGDATA's parent on the volume (root-owned when the
// platform formats it) and hands it to postgres, which initdb runs as.
func ensureParent(data string, uid, gid int) error {
	parent := filepath.Dir(data)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	return os.Chown(parent, uid, gid)
}

func initialised(data string) bool {
	fi, err := os.Stat(filepath.Join(data, "PG_VERSION"))
	return err == nil && fi.Size() > 0
}

// initCluster runs initdb into "<PGDATA>.init", creates the database and
// renames the result into place: a boot that dies half way leaves no
// half-made cluster that the next boot would take for a real one.
func initCluster(cfg config, uid, gid int) error {
	tmp := cfg.data + ".init"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "pg-entrypoint: no cluster in %s: initialising one (superuser %s, database %s)\n", cfg.data, cfg.user, cfg.db)
	// trust here is only initdb's default for its own pg_hba.conf, which
	// the server never reads: hba_file points at the image's file.
	cmd := exec.Command(binDir+"/initdb", "-D", tmp, "-U", cfg.user, "--auth=trust",
		"--encoding=UTF8", "--locale=C")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = asUser(uid, gid)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	if cfg.db != "postgres" {
		if err := single(tmp, uid, gid, "CREATE DATABASE "+ident(cfg.db)+" OWNER "+ident(cfg.user)); err != nil {
			return fmt.Errorf("create database %s: %w", cfg.db, err)
		}
	}
	return os.Rename(tmp, cfg.data)
}

// single runs one statement in single-user mode, fed on stdin. Its output
// (prompts, and errors that could quote the statement) is shown only on
// failure, and never with the statement: error-statement logging is off.
func single(data string, uid, gid int, stmt string) error {
	cmd := exec.Command(binDir+"/postgres", "--single", "-D", data, "-c", "log_min_error_statement=panic",
		"-c", "log_statement=none", "-c", "hba_file="+hbaFile, "-c", "jit=off", "postgres")
	cmd.Stdin = strings.NewReader(stmt + ";\n")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = asUser(uid, gid)
	err := cmd.Run()
	if err == nil && bytes.Contains(out.Bytes(), []byte("ERROR:")) {
		err = errors.New("the statement failed")
	}
	if err != nil {
		os.Stderr.Write(redactLines(out.Bytes(), os.Getenv("POSTGRES_PASSWORD")))
	}
	return err
}

func redactLines(b []byte, secret string) []byte {
	if secret == "" {
		return b
	}
	return bytes.ReplaceAll(b, []byte(secret), []byte("REDACTED"))
}

func asUser(uid, gid int) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
}

// becomeServer drops root and execs postgres. The password leaves the
// environment first: the server has no use for it.
func becomeServer(data string, uid, gid int) error {
	if err := syscall.Setgroups([]int{gid}); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("setgid: %w", err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("setuid: %w", err)
	}
	// argv[0] must be a path: postgres finds its share directory from it
	argv := append([]string{binDir + "/postgres", "-D", data}, platformFlags...)
	argv = append(argv, os.Args[1:]...)
	var envv []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "POSTGRES_PASSWORD=") {
			envv = append(envv, kv)
		}
	}
	return syscall.Exec(binDir+"/postgres", argv, envv)
}

// ident quotes an SQL identifier; literal quotes an SQL string.
func ident(s string) string   { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func literal(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }
