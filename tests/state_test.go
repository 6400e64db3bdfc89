package tests

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// stateResource is one resource of an exported stack state.
type stateResource struct {
	URN  string `json:"urn"`
	Type string `json:"type"`
	ID   string `json:"id"`
}

// parseState reads the resources and pending operations of an exported deployment.
func parseState(deployment []byte) (resources []stateResource, pending int, err error) {
	var d struct {
		Resources         []stateResource   `json:"resources"`
		PendingOperations []json.RawMessage `json:"pending_operations"`
	}
	if err := json.Unmarshal(deployment, &d); err != nil {
		return nil, 0, fmt.Errorf("parsing the exported state: %w", err)
	}
	return d.Resources, len(d.PendingOperations), nil
}

// kubeIDs returns the Kubernetes IDs ("namespace/name") of the state's resources of one Pulumi type, keyed by ID
// with the URN as value; an ID held by two resources is returned in dups.
func kubeIDs(resources []stateResource, pulumiType string) (ids map[string]string, dups []string) {
	ids = map[string]string{}
	for _, r := range resources {
		if r.Type != pulumiType || r.ID == "" {
			continue
		}
		if prev, seen := ids[r.ID]; seen {
			dups = append(dups, fmt.Sprintf("%s (%s and %s)", r.ID, prev, r.URN))
		}
		ids[r.ID] = r.URN
	}
	return ids, dups
}

// urnOf finds the URN of the state resource of a type with a Kubernetes ID.
func urnOf(resources []stateResource, pulumiType, id string) string {
	for _, r := range resources {
		if r.Type == pulumiType && r.ID == id {
			return r.URN
		}
	}
	return ""
}

// setDiff returns the keys of a that are not in b, sorted.
func setDiff[V any, W any](a map[string]V, b map[string]W) []string {
	var out []string
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// shortList renders a list for a failure message, cut after n entries.
func shortList(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s, ... (%d in all)", strings.Join(items[:n], ", "), len(items))
}
