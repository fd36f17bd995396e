package fgastore

import (
	"encoding/json"
	"errors"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	openfgav1 "github.com/openfga/api/proto/openfga/v1"
	openfga "github.com/openfga/go-sdk"
	"github.com/openfga/language/pkg/go/transformer"
	"google.golang.org/protobuf/encoding/protojson"
	"gopkg.in/yaml.v3"
)

// loadModel parses model (inline DSL) or model_file: a .json model, an
// fga.mod modular model, or else a DSL file, told apart by the name as the
// OpenFGA CLI does.
func (l *loader) loadModel(y *storeYAML) *openfgav1.AuthorizationModel {
	switch {
	case y.Model != "" && y.ModelFile != "":
		l.add(l.keyPos("model_file"), "model_file", "the file has both model and model_file; keep one")
	case y.Model != "":
		return l.inlineModel(y.Model)
	case y.ModelFile == "":
		l.add(l.pos(), "model", "the file has no model; add model (the DSL inline) or model_file (a .fga, .json or fga.mod file)")
	case strings.HasSuffix(y.ModelFile, "fga.mod"):
		return l.modularModel(y.ModelFile)
	case strings.HasSuffix(y.ModelFile, ".json"):
		return l.jsonModel(y.ModelFile)
	default:
		return l.dslFile(y.ModelFile)
	}
	return nil
}

// dslSource is a model's DSL text and where it is, for the positions of
// its errors and of its types and relations.
type dslSource struct {
	file        string
	text        string
	line0, col0 int // where the text's line 0, column 0 is in file, 1-based
}

func (s dslSource) pos(line, col int) Pos {
	if s.text == "" {
		return Pos{File: s.file}
	}
	return Pos{File: s.file, Line: s.line0 + line, Column: s.col0 + col}
}

// parseDSL parses src, reporting its syntax errors where they are in src's
// file. modular parses a module of an fga.mod.
func (l *loader) parseDSL(src dslSource, modular bool) *openfgav1.AuthorizationModel {
	var m *openfgav1.AuthorizationModel
	var err error
	if modular {
		m, _, err = transformer.TransformModularDSLToProto(src.text)
	} else {
		m, err = transformer.TransformDSLToProto(src.text)
	}
	for _, e := range dslErrors(err) {
		l.add(src.pos(e.line, e.column), "model", "%s", e.msg)
	}
	if err != nil {
		return nil
	}
	return m
}

// inlineModel parses the DSL under model:, reporting a syntax error at its
// line and column in the store file itself.
func (l *loader) inlineModel(dsl string) *openfgav1.AuthorizationModel {
	n := l.node("model")
	src := dslSource{file: l.file, text: dsl, line0: n.Line, col0: n.Column}
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		// A block scalar's text starts on the line after "model: |",
		// indented: DSL line 0 column 0 is there.
		src.line0, src.col0 = n.Line+1, l.indentAt(n.Line+1)+1
	}
	l.sources = map[string]dslSource{"": src}
	return l.parseDSL(src, false)
}

// indentAt is the indentation of a block scalar whose text starts at
// 1-based line of the store file: that of its first non-blank line.
func (l *loader) indentAt(line int) int {
	lines := strings.Split(string(l.raw), "\n")
	for i := line - 1; i >= 0 && i < len(lines); i++ {
		if t := strings.TrimLeft(lines[i], " "); t != "" {
			return len(lines[i]) - len(t)
		}
	}
	return 0
}

func (l *loader) dslFile(ref string) *openfgav1.AuthorizationModel {
	name, data, ok := l.read(ref, l.pos("model_file"), "model_file")
	if !ok {
		return nil
	}
	src := dslSource{file: name, text: string(data), line0: 1, col0: 1}
	l.sources = map[string]dslSource{"": src}
	return l.parseDSL(src, false)
}

func (l *loader) jsonModel(ref string) *openfgav1.AuthorizationModel {
	name, data, ok := l.read(ref, l.pos("model_file"), "model_file")
	if !ok {
		return nil
	}
	l.sources = map[string]dslSource{"": {file: name}}
	m, err := transformer.LoadJSONStringToProto(string(data))
	if err != nil {
		// protojson puts a no-break space in its messages at random, so
		// that nobody matches them; a user reads a space.
		msg := strings.ReplaceAll(err.Error(), "\u00a0", " ")
		l.add(jsonErrorPos(name, err), "model", "not an authorization model in JSON: %s", msg)
		return nil
	}
	return m
}

// modularModel reads an fga.mod and its modules (named relative to the
// fga.mod's directory) and combines them into one model.
func (l *loader) modularModel(ref string) *openfgav1.AuthorizationModel {
	name, data, ok := l.read(ref, l.pos("model_file"), "model_file")
	if !ok {
		return nil
	}
	mod, err := transformer.TransformModFile(string(data))
	if err != nil {
		l.modFileErrors(name, err)
		return nil
	}
	var modules []transformer.ModuleFile
	failed := false
	l.sources = map[string]dslSource{}
	for i, c := range mod.Contents.Value {
		modRef := path.Join(path.Dir(filepath.ToSlash(ref)), c.Value)
		at := Pos{File: name, Line: c.Line + 1, Column: c.Column + 1}
		modName, text, ok := l.read(filepath.FromSlash(modRef), at, field("contents", i))
		if !ok {
			failed = true
			continue
		}
		// Syntax errors are read module by module first: the combined
		// transformation reports them without the module's name.
		src := dslSource{file: modName, text: string(text), line0: 1, col0: 1}
		l.sources[c.Value] = src
		if l.parseDSL(src, true) == nil {
			failed = true
			continue
		}
		modules = append(modules, transformer.ModuleFile{Name: c.Value, Contents: string(text)})
	}
	if failed {
		return nil
	}
	m, err := transformer.TransformModuleFilesToModel(modules, mod.Schema.Value)
	if err != nil {
		l.moduleErrors(filepath.Dir(name), err)
		return nil
	}
	return m
}

func (l *loader) modFileErrors(name string, err error) {
	var multi *transformer.ModFileValidationMultipleError
	if !errors.As(err, &multi) {
		l.add(Pos{File: name}, "", "%v", err)
		return
	}
	for _, e := range multi.Errors {
		var v *transformer.ModFileValidationError
		if errors.As(e, &v) {
			// The library counts from 0 (it subtracts 1 from YAML's lines).
			l.add(Pos{File: name, Line: v.Line + 1, Column: v.Column + 1}, "", "%s", v.Msg)
			continue
		}
		l.add(Pos{File: name}, "", "%v", e)
	}
}

func (l *loader) moduleErrors(dir string, err error) {
	var multi *transformer.ModuleValidationMultipleError
	if !errors.As(err, &multi) {
		l.add(Pos{File: dir}, "", "%v", err)
		return
	}
	for _, e := range multi.Errors {
		var v *transformer.ModuleTransformationSingleError
		if errors.As(e, &v) && v.File != "" {
			// Line and column are 0-based indexes into the module's lines.
			l.add(Pos{File: filepath.Join(dir, filepath.FromSlash(v.File)), Line: v.Line.Start + 1, Column: v.Column.Start + 1}, "", "%s", v.Msg)
			continue
		}
		l.add(Pos{File: filepath.Join(dir, "fga.mod")}, "", "%v", e)
	}
}

var protojsonPos = regexp.MustCompile(`\(line (\d+):(\d+)\)`)

// jsonErrorPos reads the "(line 1:20)" protojson puts in its errors.
func jsonErrorPos(name string, err error) Pos {
	p := Pos{File: name}
	if sub := protojsonPos.FindStringSubmatch(err.Error()); sub != nil {
		p.Line, _ = strconv.Atoi(sub[1])
		p.Column, _ = strconv.Atoi(sub[2])
	}
	return p
}

type dslError struct {
	line, column int // 0-based, as the language library reports them
	msg          string
}

var dslErrorText = regexp.MustCompile(`(?s)^syntax error at line=(\d+), column=(\d+): (.*)$`)

// dslErrors splits the language library's syntax errors. Their position
// is only in the text ("line=%d, column=%d"); the fields are unexported.
func dslErrors(err error) []dslError {
	if err == nil {
		return nil
	}
	var multi *transformer.OpenFgaDslSyntaxMultipleError
	if !errors.As(err, &multi) {
		return []dslError{{msg: err.Error()}}
	}
	var out []dslError
	for _, e := range multi.Errors {
		sub := dslErrorText.FindStringSubmatch(e.Error())
		if sub == nil {
			out = append(out, dslError{msg: e.Error()})
			continue
		}
		line, _ := strconv.Atoi(sub[1])
		col, _ := strconv.Atoi(sub[2])
		out = append(out, dslError{line: line, column: col, msg: "syntax error: " + sub[3]})
	}
	return out
}

// sdkModel converts the parsed model to the go-sdk's type. protojson's
// default names are the API's JSON (computedUserset, type_definitions),
// which the go-sdk's tags follow.
func sdkModel(m *openfgav1.AuthorizationModel) openfga.AuthorizationModel {
	var out openfga.AuthorizationModel
	b, err := protojson.Marshal(m)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		panic("fgastore: the model does not convert to the go-sdk's type: " + err.Error())
	}
	return out
}
