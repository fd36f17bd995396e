package spec

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// kind is the JSON type a schema accepts.
type kind int

const (
	kObject    kind = iota + 1
	kArray          // of items
	kString         // optionally an enum
	kInteger        // in [min, max]
	kBoolean        //
	kStringMap      // an object whose values are strings (additionalProperties: string)
	kAny            // GoogleProtobufValue: any JSON value
)

func (k kind) String() string {
	return [...]string{"", "an object", "an array", "a string", "an integer", "a boolean", "an object of strings", "a value"}[k]
}

// schema is one node of the description: the subset of an OpenAPI schema
// the platform's request and answer bodies use, plus the rules the spec
// states in prose (mutually exclusive keys, cross-field requirements).
// Objects are closed: a key the schema does not name is refused, a
// strictness the spec does not state (it has no additionalProperties:
// false) but which catches a misspelt key before the platform silently
// ignores it.
type schema struct {
	kind       kind
	props      map[string]*schema
	required   []string
	exactlyOne [][]string // exactly one key of each group is present
	atMostOne  [][]string // at most one key of each group is present
	items      *schema
	enum       []string
	min, max   int64
	rangeMsg   string // the refusal text of an out-of-range integer, if the platform's is known
	rangeCode  []ErrorCode
	maxItems   int                 // arrays: 0 is no limit
	maxLen     int                 // strings: 0 is no limit
	check      func(string) string // strings: why the value is refused, or ""
	rules      []rule
}

// rule is a check over a whole object (its keys are present and typed).
type rule func(obj map[string]any) *fieldError

// fieldError is a refused value: where (a JSON path such as
// "[0].timeout_ms"), why, and the per-item error code to report.
type fieldError struct {
	path string
	why  string
	code ErrorCode
}

func (e *fieldError) Error() string {
	if e.path == "" {
		return e.why
	}
	return e.path + ": " + e.why
}

func (e *fieldError) at(prefix string) *fieldError {
	e.path = join(prefix, e.path)
	return e
}

func join(prefix, path string) string {
	switch {
	case prefix == "":
		return path
	case path == "" || path[0] == '[':
		return prefix + path
	}
	return prefix + "." + path
}

// props is an object's keys and their schemas.
type props map[string]*schema

func object(p props) *schema { return &schema{kind: kObject, props: p} }
func array(items *schema) *schema {
	return &schema{kind: kArray, items: items}
}
func str() *schema                  { return &schema{kind: kString} }
func enum(values ...string) *schema { return &schema{kind: kString, enum: values} }
func boolean() *schema              { return &schema{kind: kBoolean} }
func strMap() *schema               { return &schema{kind: kStringMap} }
func anyValue() *schema             { return &schema{kind: kAny} }

// integer ranges follow the spec's formats; between narrows them.
func integer(min, max int64) *schema { return &schema{kind: kInteger, min: min, max: max} }
func int32s() *schema                { return integer(math.MinInt32, math.MaxInt32) }
func uint32s() *schema               { return integer(0, math.MaxUint32) }
func int64s() *schema                { return integer(math.MinInt64, math.MaxInt64) }
func uint64s() *schema               { return integer(0, math.MaxInt64) } // JSON decoding stops at int64

// require marks keys that must be present.
func (s *schema) require(keys ...string) *schema { s.required = append(s.required, keys...); return s }

// oneOf: exactly one of keys must be present ("Mutually exclusive with
// name. Exactly one of uuid or name must be provided").
func (s *schema) oneOf(keys ...string) *schema { s.exactlyOne = append(s.exactlyOne, keys); return s }

// exclusive: at most one of keys may be present.
func (s *schema) exclusive(keys ...string) *schema { s.atMostOne = append(s.atMostOne, keys); return s }

// checked adds a test of a string's value.
func (s *schema) checked(fn func(string) string) *schema { s.check = fn; return s }

// upTo bounds an array's entries or a string's length.
func (s *schema) upTo(n int) *schema {
	if s.kind == kArray {
		s.maxItems = n
	} else {
		s.maxLen = n
	}
	return s
}

func (s *schema) with(r rule) *schema { s.rules = append(s.rules, r); return s }

// says sets the refusal text of an out-of-range integer.
func (s *schema) says(msg string) *schema { s.rangeMsg = msg; return s }

// codes sets the error codes of a value below the range and above it.
func (s *schema) codes(below, above ErrorCode) *schema {
	s.rangeCode = []ErrorCode{below, above}
	return s
}

// decode parses a JSON document keeping numbers exact.
func decode(b []byte) (any, error) {
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

// validate checks v against s; path names v in messages.
func (s *schema) validate(v any) *fieldError {
	if v == nil {
		// JSON null: the platform's protobuf decoding takes it as the
		// field being absent, which a present key must not be.
		if s.kind == kAny {
			return nil
		}
		return &fieldError{why: "must be " + s.kind.String() + ", not null", code: ErrMalformedRequest}
	}
	switch s.kind {
	case kAny:
		return nil
	case kObject:
		obj, ok := v.(map[string]any)
		if !ok {
			return wrongType(s.kind, v)
		}
		return s.validateObject(obj)
	case kStringMap:
		obj, ok := v.(map[string]any)
		if !ok {
			return wrongType(s.kind, v)
		}
		for _, k := range sortedKeys(obj) {
			if _, ok := obj[k].(string); !ok {
				return (&fieldError{why: "must be a string", code: ErrMalformedRequest}).at(k)
			}
		}
	case kArray:
		list, ok := v.([]any)
		if !ok {
			return wrongType(s.kind, v)
		}
		if s.maxItems > 0 && len(list) > s.maxItems {
			return &fieldError{why: fmt.Sprintf("at most %d entries are allowed", s.maxItems), code: ErrTooMany}
		}
		for i, it := range list {
			if err := s.items.validate(it); err != nil {
				return err.at("[" + strconv.Itoa(i) + "]")
			}
		}
	case kString:
		str, ok := v.(string)
		if !ok {
			return wrongType(s.kind, v)
		}
		if s.enum != nil && !slices.Contains(s.enum, str) {
			return &fieldError{why: fmt.Sprintf("invalid value %q (expected one of %s)", str, strings.Join(s.enum, ", ")), code: ErrInvalid}
		}
		if s.maxLen > 0 && len(str) > s.maxLen {
			return &fieldError{why: fmt.Sprintf("longer than %d characters", s.maxLen), code: ErrTooLong}
		}
		if s.check != nil {
			if why := s.check(str); why != "" {
				return &fieldError{why: why, code: ErrInvalid}
			}
		}
	case kInteger:
		n, ok := v.(json.Number)
		if !ok {
			return wrongType(s.kind, v)
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return &fieldError{why: fmt.Sprintf("must be an integer, not %s", n), code: ErrMalformedRequest}
		}
		return s.checkRange(i)
	case kBoolean:
		if _, ok := v.(bool); !ok {
			return wrongType(s.kind, v)
		}
	}
	return nil
}

func (s *schema) checkRange(i int64) *fieldError {
	if i >= s.min && i <= s.max {
		return nil
	}
	e := &fieldError{why: s.rangeMsg, code: ErrInvalid}
	if e.why == "" {
		e.why = fmt.Sprintf("%d is out of range (%d to %d)", i, s.min, s.max)
	}
	if s.rangeCode != nil {
		e.code = s.rangeCode[0]
		if i > s.max {
			e.code = s.rangeCode[1]
		}
	}
	return e
}

func (s *schema) validateObject(obj map[string]any) *fieldError {
	for _, k := range sortedKeys(obj) {
		sub, ok := s.props[k]
		if !ok {
			return &fieldError{path: k, why: "unknown field", code: ErrMalformedRequest}
		}
		if err := sub.validate(obj[k]); err != nil {
			return err.at(k)
		}
	}
	for _, k := range s.required {
		if _, ok := obj[k]; !ok {
			return &fieldError{path: k, why: "is required", code: ErrInvalid}
		}
	}
	for _, group := range s.exactlyOne {
		switch n := count(obj, group); {
		case n == 0:
			return &fieldError{why: "one of " + strings.Join(group, " or ") + " is required", code: ErrMissingID}
		case n > 1:
			return &fieldError{why: strings.Join(group, " and ") + " are mutually exclusive", code: ErrNotBoth}
		}
	}
	for _, group := range s.atMostOne {
		if count(obj, group) > 1 {
			return &fieldError{why: strings.Join(group, " and ") + " are mutually exclusive", code: ErrNotBoth}
		}
	}
	for _, r := range s.rules {
		if err := r(obj); err != nil {
			return err
		}
	}
	return nil
}

func count(obj map[string]any, keys []string) int {
	n := 0
	for _, k := range keys {
		if _, ok := obj[k]; ok {
			n++
		}
	}
	return n
}

func wrongType(want kind, v any) *fieldError {
	got := "a value"
	switch v.(type) {
	case map[string]any:
		got = "an object"
	case []any:
		got = "an array"
	case string:
		got = "a string"
	case json.Number:
		got = "a number"
	case bool:
		got = "a boolean"
	}
	return &fieldError{why: "must be " + want.String() + ", not " + got, code: ErrMalformedRequest}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Helpers for rules, on a validated object.

func has(obj map[string]any, key string) bool { _, ok := obj[key]; return ok }

func intOf(obj map[string]any, key string) int64 {
	n, _ := obj[key].(json.Number)
	i, _ := strconv.ParseInt(string(n), 10, 64)
	return i
}

func strOf(obj map[string]any, key string) string { s, _ := obj[key].(string); return s }

func boolOf(obj map[string]any, key string) bool { b, _ := obj[key].(bool); return b }

func listOf(obj map[string]any, key string) []any { l, _ := obj[key].([]any); return l }

func objOf(obj map[string]any, key string) map[string]any {
	o, _ := obj[key].(map[string]any)
	return o
}
