package fgastore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadDocs(t *testing.T) {
	f, err := Load("testdata/docs/store.fga.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "docs" || !f.HasTests() || len(f.Tests) != 2 {
		t.Fatalf("name %q, %d tests", f.Name, len(f.Tests))
	}
	// the two modules make one model: their types, and the condition
	var types []string
	for _, td := range f.Model.TypeDefinitions {
		types = append(types, td.Type)
	}
	if got := strings.Join(types, " "); got != "user group folder document" {
		t.Errorf("types %q", got)
	}
	if f.Model.SchemaVersion != "1.2" || f.Model.Conditions == nil || (*f.Model.Conditions)["in_office_hours"].Expression == "" {
		t.Errorf("schema %q, conditions %v", f.Model.SchemaVersion, f.Model.Conditions)
	}
	// inline, then tuple_file, then tuple_files in order, each where it is written
	want := []string{
		"testdata/docs/store.fga.yaml:6:5 user:anne owner document:roadmap",
		"testdata/docs/tuples.yaml:1:3 user:beth member group:eng",
		"testdata/docs/tuples.yaml:4:3 group:eng#member editor document:roadmap",
		"testdata/docs/tuples.json:2:3 user:erin owner folder:plans",
		"testdata/docs/tuples.json:3:3 folder:plans parent document:specs",
		"testdata/docs/tuples.json:4:3 group:eng#member viewer document:specs",
		"testdata/docs/tuples.csv:2 user:* viewer document:public",
		"testdata/docs/tuples.csv:3 user:frank viewer document:specs",
	}
	if len(f.Tuples) != len(want) {
		t.Fatalf("%d tuples, want %d", len(f.Tuples), len(want))
	}
	for i, tu := range f.Tuples {
		if got := tu.At.String() + " " + tu.String(); got != want[i] {
			t.Errorf("tuple %d: %s, want %s", i, got, want[i])
		}
	}
	// the CSV's condition and its context
	c := f.Tuples[7].Condition
	if c == nil || c.Name != "in_office_hours" || (*c.Context)["current_hour"] != float64(12) {
		t.Errorf("CSV condition %+v", c)
	}
	// the test's own tuple is the test's, with its condition
	own := f.Tests[1].Tuples
	if len(own) != 1 || own[0].User != "user:dave" || own[0].Condition.Name != "in_office_hours" {
		t.Errorf("test tuples %+v", own)
	}
	ch := f.Tests[0].Checks[1]
	if strings.Join(ch.Users, " ") != "user:beth user:carl" || len(ch.Objects) != 2 {
		t.Errorf("users × objects: %+v", ch)
	}
	lu := f.Tests[1].ListUsers[0]
	if lu.Filter.Type != "group" || *lu.Filter.Relation != "member" || lu.Assertions["editor"][0] != "group:eng#member" {
		t.Errorf("list_users %+v", lu)
	}
}

// Each malformed file fails with a message that says where, which field,
// what is wrong and what to do.
func TestLoadErrors(t *testing.T) {
	for file, want := range map[string][]string{
		"bad-dsl.fga.yaml": {
			"testdata/bad/bad-dsl.fga.yaml:11:7: model: syntax error: extraneous input 'define' expecting {',', WHITESPACE, ']'}",
			"testdata/bad/bad-dsl.fga.yaml:11:14: model: syntax error: mismatched input 'viewer' expecting {',', ']'}",
		},
		"unknown-relation.fga.yaml": {
			`testdata/bad/unknown-relation.fga.yaml:17:15: tuples[1].relation: type document has no relation "ownr"; its relations are owner, viewer`,
		},
		"missing-file.fga.yaml": {
			"testdata/bad/missing-file.fga.yaml:7:13: tuple_file: testdata/bad/nope.yaml does not exist; create it or correct the path (it is relative to the store file's directory testdata/bad)",
		},
		"unknown-key.fga.yaml": {
			`testdata/bad/unknown-key.fga.yaml:16:9: tests[0].check[0]: unknown key "asertions"; the keys here are user, users, object, objects, context, assertions`,
		},
		"outside.fga.yaml": {
			`testdata/bad/outside.fga.yaml:17:13: tuple_file: "../docs/tuples.yaml" is outside the store file's directory testdata/bad; move the file into it and name it relative to the store file`,
		},
		"wrong-user-type.fga.yaml": {
			"testdata/bad/wrong-user-type.fga.yaml:17:11: tuples[0].user: document#owner does not take group:eng#member without a condition; it takes user",
			`testdata/bad/wrong-user-type.fga.yaml:24:17: tests[0].check[0].object: type "folder" is not in the model; its types are document, group, user`,
			`testdata/bad/wrong-user-type.fga.yaml:31:21: tests[0].list_objects[0].assertions.can_view: type document has no relation "can_view"; its relations are owner, viewer`,
		},
		"badmodule/store.fga.yaml": {
			"testdata/bad/badmodule/core.fga:5:19: model: syntax error: missing ':' at '['",
			"testdata/bad/badmodule/fga.mod:4:5: contents[1]: testdata/bad/badmodule/missing.fga does not exist; create it or correct the path (it is relative to the store file's directory testdata/bad/badmodule)",
		},
	} {
		_, err := Load(filepath.Join("testdata/bad", file))
		if err == nil {
			t.Errorf("%s: loaded", file)
			continue
		}
		if got := err.Error(); got != strings.Join(want, "\n") {
			t.Errorf("%s:\n%s\nwant\n%s", file, got, strings.Join(want, "\n"))
		}
	}
}

// Smaller mistakes, each in a file written by the test.
func TestLoadMistakes(t *testing.T) {
	const model = "model: |\n  model\n    schema 1.1\n  type user\n  type document\n    relations\n      define owner: [user, user:*]\n      define viewer: [user with weekday] or owner\n" +
		"  condition weekday(day: string) {\n    day != \"sunday\"\n  }\n"
	for name, c := range map[string]struct {
		files map[string]string
		want  string
	}{
		"both user and users": {map[string]string{"s.fga.yaml": model +
			"tests:\n  - name: t\n    check:\n      - user: user:a\n        users: [user:b]\n        object: document:x\n        assertions: {owner: true}\n"}, "s.fga.yaml:16:9: tests[0].check[0]: has both user and users; keep one"},
		"neither object nor objects": {map[string]string{"s.fga.yaml": model +
			"tests:\n  - name: t\n    check:\n      - user: user:a\n        assertions: {owner: true}\n"}, "s.fga.yaml:15:9: tests[0].check[0]: has neither object nor objects; add one"},
		"two user filters": {map[string]string{"s.fga.yaml": model +
			"tests:\n  - name: t\n    list_users:\n      - object: document:x\n        user_filter: [{type: user}, {type: document}]\n        assertions: {owner: {users: []}}\n"}, "s.fga.yaml:16:22: tests[0].list_users[0].user_filter: has 2 entries; OpenFGA's ListUsers takes exactly one ({type: user} or {type: group, relation: member}): write one list_users entry per filter"},
		"condition required": {map[string]string{"s.fga.yaml": model +
			"tuples:\n  - {user: user:a, relation: viewer, object: document:x}\n"}, "s.fga.yaml:13:12: tuples[0].user: document#viewer does not take user:a without a condition; it takes user with weekday"},
		"unknown condition": {map[string]string{"s.fga.yaml": model +
			"tuples:\n  - {user: user:a, relation: viewer, object: document:x, condition: {name: weekend}}\n"}, "s.fga.yaml:13:69: tuples[0].condition: condition \"weekend\" is not in the model; its conditions are weekday"},
		"duplicate tuple": {map[string]string{"s.fga.yaml": model +
			"tuple_file: t.jsonl\ntests:\n  - name: t\n    tuples:\n      - {user: user:a, relation: owner, object: document:x}\n",
			"t.jsonl": "\n{\"user\": \"user:a\", \"relation\": \"owner\", \"object\": \"document:x\"}\n"}, "s.fga.yaml:16:9: tests[0].tuples[0]: the tuple user:a owner document:x is already at t.jsonl:2; a store holds a tuple once: remove one"},
		"bad csv header": {map[string]string{"s.fga.yaml": model + "tuple_file: t.csv\n",
			"t.csv": "user_type,user_id,relation,object,object_id\nuser,a,owner,document,x\n"}, "t.csv:1:4: unknown column \"object\"; the columns are user_type,user_id,user_relation,relation,object_type,object_id,condition_name,condition_context\n" +
			"t.csv:1: the header has no column \"object_type\"; the required columns are user_type,user_id,relation,object_type,object_id"},
		"unsupported tuple file": {map[string]string{"s.fga.yaml": model + "tuple_file: t.txt\n", "t.txt": "user:a owner document:x\n"}, "t.txt: tuple files are .yaml, .yml, .json, .jsonl or .csv; rename the file or convert it"},
		"empty tuple file":       {map[string]string{"s.fga.yaml": model + "tuple_files: [t.yaml]\n", "t.yaml": "[]\n"}, "t.yaml: the file has no tuples; add some or stop naming it"},
		"no model":               {map[string]string{"s.fga.yaml": "name: x\n"}, "s.fga.yaml:1:1: model: the file has no model; add model (the DSL inline) or model_file (a .fga, .json or fga.mod file)"},
		"model and model_file":   {map[string]string{"s.fga.yaml": "model_file: m.fga\n" + model, "m.fga": "model\n  schema 1.1\n"}, "s.fga.yaml:1:1: model_file: the file has both model and model_file; keep one"},
		"bad json model":         {map[string]string{"s.fga.yaml": "model_file: m.json\n", "m.json": "{\"schema_version\": 1.1}"}, "m.json:1:20: model: not an authorization model in JSON: proto: (line 1:20): invalid value for string field schema_version: 1.1"},
		"bad model file":         {map[string]string{"s.fga.yaml": "model_file: m.fga\n", "m.fga": "model\n  schema 1.1\ntype user\n  relations\n    define x: [user\n"}, "m.fga:5:20: model: syntax error: mismatched input '<EOF>' expecting {',', WHITESPACE, ']'}"},
		"not a mapping":          {map[string]string{"s.fga.yaml": model + "tests: {name: t}\n"}, "s.fga.yaml:12:1: tests: a list is needed here, not a mapping"},
		"yaml syntax":            {map[string]string{"s.fga.yaml": model + "tests:\n  - name: t\n   check: []\n"}, "s.fga.yaml:12: did not find expected '-' indicator"},
		"computed relation": {map[string]string{"s.fga.yaml": "model: |\n  model\n    schema 1.1\n  type user\n  type document\n    relations\n      define owner: [user]\n      define can_edit: owner\n" +
			"tuples:\n  - {user: user:a, relation: can_edit, object: document:x}\n"}, "s.fga.yaml:10:30: tuples[0].relation: document#can_edit takes no tuples: the model defines it only through other relations; write the tuple for a relation it is made of"},
		"wildcard not allowed": {map[string]string{"s.fga.yaml": model + "tuples:\n  - {user: \"user:*\", relation: viewer, object: document:x, condition: {name: weekday}}\n"}, "s.fga.yaml:13:12: tuples[0].user: document#viewer does not take user:* with condition weekday; it takes user with weekday"},
		"undefined names in the model": {map[string]string{"s.fga.yaml": "model: |\n  model\n    schema 1.1\n  type user\n  type folder\n    relations\n      define owner: [user]\n  type document\n    relations\n" +
			"      define parent: [folder]\n      define viewer: [grp#member, user with cond] or viewr or editor from parent\n"}, `s.fga.yaml:11:14: model: document#viewer: type "grp" is not in the model; its types are document, folder, user` + "\n" +
			`s.fga.yaml:11:14: model: document#viewer: condition "cond" is not in the model, which has no conditions` + "\n" +
			`s.fga.yaml:11:14: model: document#viewer: type document has no relation "viewr"; its relations are parent, viewer` + "\n" +
			`s.fga.yaml:11:14: model: document#viewer: "editor" from parent: no type parent takes (folder) has relation "editor"`},
		"undefined names in a module": {map[string]string{"s.fga.yaml": "model_file: m/fga.mod\n",
			"m/fga.mod":  "schema: '1.2'\ncontents:\n  - core.fga\n  - docs.fga\n",
			"m/core.fga": "module core\n\ntype user\n\ntype document\n  relations\n    define owner: [user]\n",
			"m/docs.fga": "module docs\n\nextend type document\n  relations\n    define viewer: [user] or editor\n"}, `m/docs.fga:5:12: model: document#viewer: type document has no relation "editor"; its relations are owner, viewer`},
		"a string for a bool": {map[string]string{"s.fga.yaml": model +
			"tests:\n  - name: t\n    check:\n      - user: user:a\n        object: document:x\n        assertions: {owner: maybe}\n"}, "s.fga.yaml:17:9: tests[0].check[0].assertions: true or false is needed here, not the text `maybe`"},
		"malformed user": {map[string]string{"s.fga.yaml": model + "tuples:\n  - {user: anne, relation: owner, object: document:x}\n"}, "s.fga.yaml:13:12: tuples[0].user: \"anne\" is not a user written type:id, type:* or type:id#relation (as in user:anne, user:*, group:eng#member)"},
	} {
		dir := t.TempDir()
		for n, text := range c.files {
			_ = os.MkdirAll(filepath.Dir(filepath.Join(dir, n)), 0o755)
			if err := os.WriteFile(filepath.Join(dir, n), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, err := Load(filepath.Join(dir, "s.fga.yaml"))
		if err == nil {
			t.Errorf("%s: loaded", name)
			continue
		}
		if got := strings.ReplaceAll(err.Error(), dir+"/", ""); got != c.want {
			t.Errorf("%s:\n%s\nwant\n%s", name, got, c.want)
		}
	}
}

// A test's own tuple_file is the test's, read like the global ones.
func TestLoadTestTupleFile(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "s.fga.yaml", "model: |\n  model\n    schema 1.1\n  type user\n  type document\n    relations\n      define owner: [user]\n"+
		"tests:\n  - name: t\n    tuple_file: own.jsonl\n    check:\n      - user: user:a\n        object: document:x\n        assertions: {owner: true}\n")
	write(t, dir, "own.jsonl", `{"user": "user:a", "relation": "owner", "object": "document:x"}`+"\n")
	f, err := Load(filepath.Join(dir, "s.fga.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tuples) != 0 || len(f.Tests[0].Tuples) != 1 || f.Tests[0].Tuples[0].At.String() != filepath.Join(dir, "own.jsonl")+":1" {
		t.Fatalf("global %v, the test's %v", f.Tuples, f.Tests[0].Tuples)
	}
}

// A symbolic link out of the store file's directory is refused too, and so
// is anything but a regular file.
func TestLoadContained(t *testing.T) {
	outside, dir := t.TempDir(), t.TempDir()
	write(t, outside, "t.yaml", "- {user: user:a, relation: owner, object: document:x}\n")
	if err := os.Symlink(filepath.Join(outside, "t.yaml"), filepath.Join(dir, "t.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "d.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "s.fga.yaml", "model: |\n  model\n    schema 1.1\n  type user\n  type document\n    relations\n      define owner: [user]\n"+
		"tuple_files: [t.yaml, d.yaml, /etc/passwd, \"\"]\n")
	_, err := Load(filepath.Join(dir, "s.fga.yaml"))
	s := filepath.Join(dir, "s.fga.yaml")
	want := []string{
		s + `:8:15: tuple_files[0]: "t.yaml" leads outside the store file's directory ` + dir + ` (through a symbolic link); put the file itself there`,
		s + ":8:23: tuple_files[1]: " + filepath.Join(dir, "d.yaml") + " is not a regular file; name a file",
		s + `:8:31: tuple_files[2]: "/etc/passwd" is outside the store file's directory ` + dir + "; move the file into it and name it relative to the store file",
		s + ":8:44: tuple_files[3]: is empty; name a file (relative to the store file's directory " + dir + ")",
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Fatalf("got\n%v\nwant\n%s", err, strings.Join(want, "\n"))
	}
}

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
