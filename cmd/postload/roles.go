package main

import (
	"fmt"
	"slices"
	"strings"
)

// roles are the parts of postload a process runs.
type roles struct{ api, dispatch, retry, email bool }

var roleNames = []string{"api", "dispatch", "retry", "email"}

func parseRoles(list string) (roles, error) {
	var r roles
	items := splitList(list)
	if len(items) == 0 {
		return r, fmt.Errorf("--roles is empty: choose from %s", strings.Join(roleNames, ","))
	}
	for _, it := range items {
		switch it {
		case "api":
			r.api = true
		case "dispatch":
			r.dispatch = true
		case "retry":
			r.retry = true
		case "email":
			r.email = true
		case "all":
			r = roles{true, true, true, true}
		default:
			return r, fmt.Errorf("--roles: unknown role %q: choose from %s (or all)", it, strings.Join(roleNames, ","))
		}
	}
	return r, nil
}

func (r roles) String() string {
	var out []string
	for i, on := range []bool{r.api, r.dispatch, r.retry, r.email} {
		if on {
			out = append(out, roleNames[i])
		}
	}
	return strings.Join(slices.Clip(out), ",")
}
