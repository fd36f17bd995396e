package diagnose

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// ReadInstanceFile reads one instance in the API's shape. Besides the bare
// object (data.instances[0]) it accepts the whole envelope or an array of
// one, since that is what people paste; it refuses kraftkit's
// `instance get -o json` output, whose flat string map loses the codes.
func ReadInstanceFile(path string) (api.Instance, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return api.Instance{}, err
	}
	in, err := ParseInstance(b)
	if err != nil {
		return api.Instance{}, fmt.Errorf("%s: %w", path, err)
	}
	return in, nil
}

// ParseInstance decodes an instance object, envelope or one-item array.
func ParseInstance(b []byte) (api.Instance, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(b, &list); err != nil {
			return api.Instance{}, err
		}
		if len(list) != 1 {
			return api.Instance{}, fmt.Errorf("expected one instance, found %d", len(list))
		}
		b = list[0]
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return api.Instance{}, fmt.Errorf("not an instance JSON object: %w", err)
	}
	if _, ok := probe["data"]; ok {
		return fromEnvelope(b)
	}
	if _, ok := probe["app_exit_code"]; ok {
		return api.Instance{}, errors.New("this is kraftkit's table JSON (`-o json`), which has no stop_code: use `kraft cloud instance get -o raw` or the API's JSON")
	}
	var in api.Instance
	if err := json.Unmarshal(b, &in); err != nil {
		return api.Instance{}, fmt.Errorf("not an instance in the API's shape: %w", err)
	}
	return in, nil
}

func fromEnvelope(b []byte) (api.Instance, error) {
	var r api.Response[api.Instance]
	if err := json.Unmarshal(b, &r); err != nil {
		return api.Instance{}, err
	}
	items := r.Items(api.KindInstances)
	if len(items) != 1 {
		return api.Instance{}, fmt.Errorf("expected one instance under data.instances, found %d", len(items))
	}
	return items[0], nil
}

// ReadLogFile reads plain-text console output as lines.
func ReadLogFile(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return SplitLines(b), nil
}
