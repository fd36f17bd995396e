package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"dagger/openfga-kraftcloud/internal/dagger"
)

// Source returns the OpenFGA tree at the pinned tag, without its .git directory.
// It fails when the tag resolves to another commit than expected: a moved tag
// is a supply-chain event, not a warning.
func (m *OpenfgaKraftcloud) Source(ctx context.Context) (*dagger.Directory, error) {
	tree, err := m.checkedTree(ctx)
	if err != nil {
		return nil, err
	}
	return tree.WithoutDirectory(".git"), nil
}

// checkedTree is the verified tree, with .git when there is one (the commit
// date is read from it).
func (m *OpenfgaKraftcloud) checkedTree(ctx context.Context) (*dagger.Directory, error) {
	repo, err := m.gitRepo(ctx)
	if err != nil {
		return nil, err
	}
	if repo == nil { // a plain source directory: nothing to check against
		return m.Src, nil
	}
	ref := repo.Tag(m.Version)
	got, err := ref.Commit(ctx)
	if err != nil {
		return nil, fmt.Errorf("resolve tag %s of %s: %w", m.Version, m.origin(), err)
	}
	if got != m.Commit {
		return nil, fmt.Errorf("tag %s of %s resolves to commit %s, but %s was expected: "+
			"the tag moved; check the release before trusting it, then pass --commit=%s",
			m.Version, m.origin(), got, m.Commit, got)
	}
	return ref.Tree(dagger.GitRefTreeOpts{Depth: 1}), nil
}

// gitRepo is the repository to check the tag in: the source directory's own
// .git when it has one, the remote otherwise, nil for a plain tree.
func (m *OpenfgaKraftcloud) gitRepo(ctx context.Context) (*dagger.GitRepository, error) {
	if m.Src == nil {
		return dag.Git(m.Repo), nil
	}
	entries, err := m.Src.Entries(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the source directory: %w", err)
	}
	if slices.Contains(entries, ".git/") || slices.Contains(entries, ".git") {
		return m.Src.AsGit(), nil
	}
	return nil, nil
}

func (m *OpenfgaKraftcloud) origin() string {
	if m.Src != nil {
		return "the source directory"
	}
	return m.Repo
}

// commitDate reads the date of the pinned commit, in UTC, from the tree's .git.
// The stamp uses it rather than the build time so that builds reproduce.
func (m *OpenfgaKraftcloud) commitDate(ctx context.Context, tree *dagger.Directory, image string) (string, error) {
	if m.Date != "" {
		return m.Date, nil
	}
	if _, err := tree.Directory(".git").Entries(ctx); err != nil {
		return "", fmt.Errorf("the source directory has no .git to read the commit date from: pass --date (RFC 3339)")
	}
	out, err := dag.Container().From(image).
		WithMountedDirectory("/src", tree).
		WithEnvVariable("TZ", "UTC").
		WithExec([]string{"git", "-c", "safe.directory=*", "-C", "/src", "show", "-s",
			"--format=%cd", "--date=format-local:%Y-%m-%dT%H:%M:%SZ", "HEAD"}).
		Stdout(ctx)
	if err != nil {
		return "", fmt.Errorf("read the commit date: %w", err)
	}
	return strings.TrimSpace(out), nil
}
