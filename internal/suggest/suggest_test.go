package suggest

import "testing"

func TestClosest(t *testing.T) {
	known := []string{"core", "backbone", "property-tax", "nodeGroup", "zones"}
	for _, c := range []struct{ name, want string }{
		{"bakbone", "backbone"},          // one edit
		{"proprety-tax", "property-tax"}, // two edits in a long name
		{"nodegroup", "nodeGroup"},       // case only
		{"zone", "zones"},
		{"nope", ""},     // two edits from "core" is too many for four letters
		{"frontend", ""}, // nothing near
		{"", ""},
	} {
		if got := Closest(c.name, known); got != c.want {
			t.Errorf("Closest(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}
