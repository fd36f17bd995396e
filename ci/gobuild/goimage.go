package gobuild

import (
	"fmt"
	"strings"

	"golang.org/x/mod/modfile"
)

// GoVersion returns the Go version a module asks for: its toolchain line when
// present (that is what its maintainers build releases with), else its go line.
func GoVersion(gomod []byte) (string, error) {
	f, err := modfile.Parse("go.mod", gomod, nil)
	if err != nil {
		return "", fmt.Errorf("parse go.mod: %w", err)
	}
	if f.Toolchain != nil {
		if v, ok := strings.CutPrefix(f.Toolchain.Name, "go"); ok && v != "" {
			return v, nil
		}
		return "", fmt.Errorf("go.mod toolchain %q is not of the form go1.N.P", f.Toolchain.Name)
	}
	if f.Go != nil && f.Go.Version != "" {
		return f.Go.Version, nil
	}
	return "", fmt.Errorf("go.mod has neither a toolchain nor a go line")
}

// GoImage is the official Debian-based Go image for that version.
func GoImage(gomod []byte) (string, error) {
	v, err := GoVersion(gomod)
	if err != nil {
		return "", err
	}
	return "golang:" + v + "-bookworm", nil
}
