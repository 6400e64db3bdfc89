package catalogue

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

type DecodeEmbedded struct {
	Promoted string `json:"promoted"`
}

type decodeNamedString string

// TestJSONFieldsAreTheOnesEncodingJSONSees: the names the strict decoder accepts are those encoding/json would
// fill: "-" and unexported fields are none; an untagged embedded struct promotes its fields; an embedded struct
// with a tag, a named struct field and an embedded non-struct are fields of their own.
func TestJSONFieldsAreTheOnesEncodingJSONSees(t *testing.T) {
	type sample struct {
		Skipped           string `json:"-"`
		hidden            string
		DecodeEmbedded                   // promoted: index path {2, 0}
		Tagged            DecodeEmbedded `json:"tagged"`
		Untagged          DecodeEmbedded // a struct, but not embedded: its own field
		Wrapped           DecodeEmbedded `json:"wrapped,omitempty"`
		decodeNamedString                // embedded, not a struct; unexported, so none
		Plain             string
	}
	_ = sample{hidden: "", decodeNamedString: ""}
	got := jsonFields(reflect.TypeOf(sample{}))
	want := map[string][]int{"promoted": {2, 0}, "tagged": {3}, "Untagged": {4}, "wrapped": {5}, "Plain": {7}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("jsonFields = %v, want %v", got, want)
	}
	type exportedEmbedding struct {
		DecodeEmbedded `json:"inner"`
		Named          struct{ A int } `json:""`
	}
	got = jsonFields(reflect.TypeOf(exportedEmbedding{}))
	want = map[string][]int{"inner": {0}, "Named": {1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("jsonFields of a tagged embedding = %v, want %v", got, want)
	}
}

// TestDescribeShortensPastFortyCharacters: a value of 40 characters is shown whole, one of 41 is cut to 37 and
// "...", and objects and lists are named, not shown.
func TestDescribeShortensPastFortyCharacters(t *testing.T) {
	forty := `"` + strings.Repeat("a", 38) + `"`
	for raw, want := range map[string]string{
		forty:                               forty,
		`"` + strings.Repeat("a", 39) + `"`: `"` + strings.Repeat("a", 36) + "...",
		`{"a": 1}`:                          "an object",
		`[1, 2]`:                            "a list",
		`12`:                                "12",
	} {
		if got := describe(json.RawMessage(raw)); got != want {
			t.Errorf("describe(%s) = %q, want %q", raw, got, want)
		}
	}
}
