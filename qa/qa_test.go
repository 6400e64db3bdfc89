package qa

import (
	"strings"
	"testing"
	"time"
)

func TestParseTTL(t *testing.T) {
	for in, want := range map[string]time.Duration{"90m": 90 * time.Minute, "24h": 24 * time.Hour, "3d": 72 * time.Hour, "30d": MaxTTL, "1m": time.Minute} {
		got, err := ParseTTL(in)
		if err != nil || got != want {
			t.Errorf("ParseTTL(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, want := range map[string]string{"": "not a duration", "tomorrow": "not a duration", "1.5d": "not a duration",
		"59s": "between 1m and 30d", "31d": "between 1m and 30d", "-1h": "between", "0": "between"} {
		if _, err := ParseTTL(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseTTL(%q): expected an error saying %q; got %v", in, want, err)
		}
	}
}

func TestNames(t *testing.T) {
	for _, ok := range []string{"a", "pr-42", "x1", strings.Repeat("a", MaxNameLength)} {
		if err := CheckName(ok); err != nil {
			t.Errorf("CheckName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "A", "1a", "a-", "a_b", "a.b", strings.Repeat("a", MaxNameLength+1)} {
		if err := CheckName(bad); err == nil {
			t.Errorf("CheckName(%q): expected an error", bad)
		}
	}
	if n, ok := NameOf("qa-pr-42"); !ok || n != "pr-42" {
		t.Errorf("NameOf(qa-pr-42) = %q %v", n, ok)
	}
	for _, s := range []string{"local", "qa-", "qa-Bad", "prod-qa-a"} {
		if _, ok := NameOf(s); ok {
			t.Errorf("NameOf(%q): expected not a QA stack", s)
		}
	}
	if StackName("a") != "qa-a" || NamespacePrefix("a") != "qa-a-" {
		t.Errorf("stack %s prefix %s", StackName("a"), NamespacePrefix("a"))
	}
}

// The record round-trips through the stack's tags; a record that cannot be read is an error naming the tag, never
// an expiry.
func TestRecordTags(t *testing.T) {
	created := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	r := Record{Name: "a", Base: "local", Created: created, Expires: created.Add(time.Hour)}
	got, err := FromTags("qa-a", r.Tags())
	if err != nil || got != r {
		t.Fatalf("FromTags(Tags()) = %+v, %v; want %+v", got, err, r)
	}
	if got.Expired(created.Add(59*time.Minute)) || !got.Expired(created.Add(time.Hour)) {
		t.Error("expected expiry exactly at Expires")
	}
	for tag, want := range map[string]string{TagBase: "no digit:qa-base tag", TagExpires: "tag digit:qa-expires", TagCreated: "tag digit:qa-created"} {
		tags := r.Tags()
		delete(tags, tag)
		if _, err := FromTags("qa-a", tags); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("without %s: expected an error saying %q; got %v", tag, want, err)
		}
	}
	if _, err := FromTags("local", r.Tags()); err == nil {
		t.Error("expected a non-QA stack refused")
	}
}
