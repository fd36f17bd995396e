package pgimage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Paths inside the image.
const (
	// EntrypointPath is the image's cmd: the static entry point.
	EntrypointPath = "/usr/local/bin/pg-entrypoint"
	// DataDir is where the entry point keeps the cluster: on the volume,
	// which the instance mounts at VolumeAt.
	VolumeAt = "/volume"
	DataDir  = VolumeAt + "/pgdata"
	// Port is the server's port on the private network.
	Port = 5432
	// ReadyLine is what the server logs once it accepts connections.
	ReadyLine = "database system is ready to accept connections"
)

// Options say where the packages are and where the rootfs goes.
type Options struct {
	Debs       string // directory of .deb files (.ci/pg-rootfs.sh downloads them)
	Out        string // the rootfs directory to create; must not exist yet or be empty
	Entrypoint string // the static entry point (BuildEntrypoint)
	// Logf receives one line per step; nil is quiet.
	Logf func(format string, args ...any)
}

// Result describes the rootfs laid out.
type Result struct {
	Major   string   // PostgreSQL major version, e.g. "15"
	Bytes   int64    // total size of the regular files
	Dropped []string // extension modules removed because a library they need is not in the image
}

// Layout extracts the packages into o.Out, trims them, adds the entry point
// and the few /etc files, and checks that every binary can be loaded.
func Layout(ctx context.Context, o Options) (Result, error) {
	var res Result
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	debs, err := filepath.Glob(filepath.Join(o.Debs, "*.deb"))
	if err != nil || len(debs) == 0 {
		return res, fmt.Errorf("pgimage: no .deb files in %s (run .ci/pg-rootfs.sh)", o.Debs)
	}
	if err := emptyDir(o.Out); err != nil {
		return res, err
	}
	if err := extract(ctx, debs, o.Out); err != nil {
		return res, err
	}
	if res.Major, err = majorVersion(o.Out); err != nil {
		return res, err
	}
	o.Logf("pgimage: PostgreSQL %s from %d packages", res.Major, len(debs))
	steps := []func() error{
		func() error { return trim(o.Out, res.Major) },
		func() error { return writeEtc(o.Out) },
		func() error { return installEntrypoint(o.Entrypoint, o.Out) },
		func() error { res.Dropped, err = checkLoadable(o.Out, res.Major); return err },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return res, err
		}
	}
	for _, d := range res.Dropped {
		o.Logf("pgimage: dropped %s", d)
	}
	res.Bytes, err = treeSize(o.Out)
	return res, err
}

func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("pgimage: %s is not empty", dir)
	}
	return nil
}

// extract unpacks the data part of every package (no maintainer scripts run).
func extract(ctx context.Context, debs []string, out string) error {
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		return errors.New("pgimage: dpkg-deb is not installed (it comes with dpkg, on Debian and Ubuntu)")
	}
	sort.Strings(debs)
	for _, d := range debs {
		if b, err := exec.CommandContext(ctx, "dpkg-deb", "-x", d, out).CombinedOutput(); err != nil {
			return fmt.Errorf("pgimage: dpkg-deb -x %s: %v: %s", filepath.Base(d), err, strings.TrimSpace(string(b)))
		}
	}
	return nil
}

var majorRE = regexp.MustCompile(`^[0-9]+$`)

// majorVersion finds /usr/lib/postgresql/<major>/bin/postgres.
func majorVersion(root string) (string, error) {
	entries, _ := os.ReadDir(filepath.Join(root, "usr/lib/postgresql"))
	var found []string
	for _, e := range entries {
		if majorRE.MatchString(e.Name()) {
			if _, err := os.Stat(filepath.Join(root, "usr/lib/postgresql", e.Name(), "bin/postgres")); err == nil {
				found = append(found, e.Name())
			}
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("pgimage: want exactly one PostgreSQL server package (postgresql-<major>) among the .deb files, found %d", len(found))
	}
	return found[0], nil
}

// trim removes what a server in a unikernel never uses, and links
// /usr/lib/postgresql/current to the major version for the entry point.
func trim(root, major string) error {
	pg := "usr/lib/postgresql/" + major
	remove := []string{"usr/share/doc", "usr/share/man", "usr/share/locale", "usr/share/lintian", "usr/share/gdb",
		"usr/share/menu", "usr/share/bug", "usr/share/zoneinfo/right", "usr/share/postgresql/" + major + "/man",
		pg + "/lib/bitcode", pg + "/lib/llvmjit.so", pg + "/lib/llvmjit_types.bc", "etc/postgresql-common"}
	for _, r := range remove {
		if err := os.RemoveAll(filepath.Join(root, r)); err != nil {
			return err
		}
	}
	bins, err := os.ReadDir(filepath.Join(root, pg, "bin"))
	if err != nil {
		return err
	}
	for _, b := range bins {
		if b.Name() != "postgres" && b.Name() != "initdb" {
			if err := os.Remove(filepath.Join(root, pg, "bin", b.Name())); err != nil {
				return err
			}
		}
	}
	return os.Symlink(major, filepath.Join(root, "usr/lib/postgresql/current"))
}

// etcFiles are the image's users (PostgreSQL refuses to run as root) and
// its client authentication rules (see the package comment).
var etcFiles = map[string]string{
	"etc/passwd": "root:x:0:0:root:/root:/bin/sh\npostgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh\n",
	"etc/group":  "root:x:0:\npostgres:x:999:\n",
	"etc/postgresql/pg_hba.conf": "# ci/pgimage: local socket for the entry point's own steps; passwords from the network\n" +
		"local all all trust\n" +
		"host  all all 0.0.0.0/0 scram-sha-256\n" +
		"host  all all ::/0      scram-sha-256\n",
	"etc/nsswitch.conf": "passwd: files\ngroup: files\nhosts: files dns\n",
}

func writeEtc(root string) error {
	for name, body := range etcFiles {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return err
		}
	}
	for _, d := range []string{"tmp", "var/lib/postgresql"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	return os.Chmod(filepath.Join(root, "tmp"), 0o777|os.ModeSticky)
}

func installEntrypoint(src, root string) error {
	if src == "" {
		return errors.New("pgimage: no entry point binary (BuildEntrypoint makes it)")
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("pgimage: entry point: %w", err)
	}
	dst := filepath.Join(root, EntrypointPath)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o755)
}

func treeSize(root string) (int64, error) {
	var n int64
	err := filepath.WalkDir(root, func(_ string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	return n, err
}
