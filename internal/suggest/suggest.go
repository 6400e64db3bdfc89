// Package suggest proposes the known name that a mistyped one was most likely meant to be, for error messages about
// config keys, modules and services.
package suggest

import (
	"fmt"
	"strings"

	"github.com/agnivade/levenshtein"
)

// Closest returns the known name nearest to name, or "" when none is near enough to be a plausible typo. A typo is
// a few edits, and fewer for short names ("nope" is not a typo of "core"); case is ignored.
func Closest(name string, known []string) string {
	best, bestDist := "", min(3, len(name)/3)+1
	lower := strings.ToLower(name)
	for _, k := range known {
		if d := levenshtein.ComputeDistance(lower, strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// DidYouMean is the `; did you mean "x"?` tail of an error about an unknown name, or "" without a plausible one.
func DidYouMean(name string, known []string) string {
	if best := Closest(name, known); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return ""
}
