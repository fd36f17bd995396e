package fgastore

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	openfga "github.com/openfga/go-sdk"
)

// loader reads one store file and the files it names, collecting every
// problem on the way.
type loader struct {
	doc
	dir  string   // the store file's directory, as given
	root *os.Root // that directory: every named file must stay within it
	raw  []byte   // the store file, for the columns of an inline model

	sources map[string]dslSource // the model's text by module ("" for a model in one file)
	problems
}

func (l *loader) load(y *storeYAML) *File {
	f := &File{Path: l.file, Name: y.Name}
	m := l.loadModel(y)
	f.Tuples = l.tuples(y.Tuples, y.TupleFile)
	for i, ref := range y.TupleFiles {
		f.Tuples = append(f.Tuples, l.tupleFile(ref, "tuple_files", i)...)
	}
	for i := range y.Tests {
		f.Tests = append(f.Tests, l.test(i, &y.Tests[i]))
	}
	if m == nil {
		return f
	}
	f.Model = sdkModel(m)
	l.checkModel(m)
	s := newSchema(m)
	l.checkTuples(s, f.Tuples, nil)
	for i := range f.Tests {
		l.checkTuples(s, f.Tuples, f.Tests[i].Tuples)
		l.checkAssertions(s, i, &f.Tests[i])
	}
	return f
}

// tuples are the inline tuples of the mapping at in (the file's top, or
// tests[i]) followed by those of the tuple_file beside them.
func (l *loader) tuples(keys []openfga.TupleKey, file string, in ...any) []Tuple {
	var ts []Tuple
	for i, k := range keys {
		path := append(slices.Clone(in), "tuples", i)
		ts = append(ts, Tuple{TupleKey: k, At: l.pos(path...), field: field(path...), partPos: l.doc.partPos(path...)})
	}
	if file != "" {
		ts = append(ts, l.tupleFile(file, append(slices.Clone(in), "tuple_file")...)...)
	}
	return ts
}

// tupleFile reads the tuple file ref, which the store file names at path.
func (l *loader) tupleFile(ref string, path ...any) []Tuple {
	name, data, ok := l.read(ref, l.pos(path...), field(path...))
	if !ok {
		return nil
	}
	ts, err := parseTupleFile(name, data)
	if err != nil {
		l.addErr(err)
	}
	return ts
}

// read reads ref, a path relative to the store file's directory that is
// written at pos, in fld. It refuses paths that leave that directory (the
// OpenFGA CLI's default, so that a store file cannot make a gate read
// anything else on the machine) and anything but a regular file.
func (l *loader) read(ref string, pos Pos, fld string) (name string, data []byte, ok bool) {
	name = filepath.Join(l.dir, ref)
	if ref == "" {
		l.add(pos, fld, "is empty; name a file (relative to the store file's directory %s)", l.dir)
		return name, nil, false
	}
	if !filepath.IsLocal(ref) {
		l.add(pos, fld, "%q is outside the store file's directory %s; move the file into it and name it relative to the store file", ref, l.dir)
		return name, nil, false
	}
	f, err := l.root.Open(ref)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		l.add(pos, fld, "%s does not exist; create it or correct the path (it is relative to the store file's directory %s)", name, l.dir)
		return name, nil, false
	case err != nil && strings.Contains(err.Error(), "escapes"):
		l.add(pos, fld, "%q leads outside the store file's directory %s (through a symbolic link); put the file itself there", ref, l.dir)
		return name, nil, false
	case err != nil:
		l.add(pos, fld, "%v", err)
		return name, nil, false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		l.add(pos, fld, "%s is not a regular file; name a file", name)
		return name, nil, false
	}
	data, err = io.ReadAll(f)
	if err != nil {
		l.add(pos, fld, "%v", err)
		return name, nil, false
	}
	return name, data, true
}
