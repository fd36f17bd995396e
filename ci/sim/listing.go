package sim

import (
	"net/url"
	"slices"
	"strconv"
	"time"
)

// listing applies v1's listing query parameters to objects sorted oldest
// first: tags (objects that have every tag given), order (asc, the
// default, or desc), from (start at the object with that UUID, or created
// at or after that ISO 8601 time, inclusive) and count (at most that many;
// 0 is all). sortby has one value, create_time, the order they are in.
func listing[T any](all []T, q url.Values, uuid func(T) string, created func(T) time.Time, tags func(T) []string) []T {
	var out []T
	for _, o := range all {
		if want := q["tags"]; len(want) > 0 && !hasAll(tags(o), want) {
			continue
		}
		out = append(out, o)
	}
	if q.Get("order") == "desc" {
		slices.Reverse(out)
	}
	if from := q.Get("from"); from != "" {
		at, err := time.Parse(time.RFC3339, from)
		i := slices.IndexFunc(out, func(o T) bool {
			if err != nil {
				return uuid(o) == from
			}
			if q.Get("order") == "desc" {
				return !created(o).After(at)
			}
			return !created(o).Before(at)
		})
		if i < 0 {
			return nil
		}
		out = out[i:]
	}
	if n, _ := strconv.Atoi(q.Get("count")); n > 0 && n < len(out) {
		out = out[:n]
	}
	return out
}

func hasAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
