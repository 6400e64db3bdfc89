// Package qa holds the rules of throw-away QA stacks: their names, their time to live and the record that lives
// with each stack (its base and expiry, as stack tags), so that `digit qa` and the config loader read one
// definition.
//
// A QA stack named N is the stack qa-N: the settings of its base stack (Pulumi.<base>.yaml) plus the overrides
// the config loader applies when digit:qa names it (no protection, no deletion protection or final snapshot,
// small disks), with every namespace of its service layer, and so every cluster-scoped name that carries a
// namespace, prefixed with qa-N-, so that several share one cluster.
package qa

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	// StackPrefix starts the stack name of every QA stack.
	StackPrefix = "qa-"
	// MaxNameLength bounds a QA name so that its stack qa-<name> fits every target: on aws the stack name goes
	// into the filestore bucket's name, which allows 21 characters of it; the namespace prefix qa-<name>- then
	// leaves room for the longest catalogue namespace in a 63-character DNS label.
	MaxNameLength = 18
	// DefaultTTL is how long a QA stack lives when --ttl is not given.
	DefaultTTL = 24 * time.Hour
	// MaxTTL bounds --ttl: a QA stack is throw-away; a longer-lived one is a stack of its own.
	MaxTTL = 30 * 24 * time.Hour
	// VolumeSizeGB caps each backbone disk of a QA stack (or the volume type's smallest size, when larger).
	VolumeSizeGB = 10
)

// Stack tags holding a QA stack's record. They live with the stack in its backend (file, S3, Azure Blob or Pulumi
// Cloud), so `qa list` and `qa gc` on another machine see the same expiry.
const (
	TagBase    = "digit:qa-base"
	TagCreated = "digit:qa-created"
	TagExpires = "digit:qa-expires"
)

var nameRe = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

// CheckName reports why name cannot name a QA stack, or nil.
func CheckName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("a QA stack needs a name (--name)")
	case len(name) > MaxNameLength:
		return fmt.Errorf("QA name %q is %d characters long; at most %d", name, len(name), MaxNameLength)
	case !nameRe.MatchString(name):
		return fmt.Errorf("QA name %q: lowercase letters, digits and '-', starting with a letter and not ending with '-'", name)
	}
	return nil
}

// StackName is the stack of the QA stack name.
func StackName(name string) string { return StackPrefix + name }

// NameOf returns the QA name of a stack, and whether the stack is a QA stack.
func NameOf(stack string) (string, bool) {
	name, ok := strings.CutPrefix(stack, StackPrefix)
	return name, ok && CheckName(name) == nil
}

// NamespacePrefix starts every namespace of the QA stack name.
func NamespacePrefix(name string) string { return StackPrefix + name + "-" }

// ParseTTL reads a time to live: a Go duration (90m, 24h) or a number of days (3d), between a minute and MaxTTL.
func ParseTTL(s string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, fmt.Errorf("TTL %q: not a duration (e.g. 90m, 24h, 3d)", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("TTL %q: not a duration (e.g. 90m, 24h, 3d)", s)
		}
	}
	if d < time.Minute || d > MaxTTL {
		return 0, fmt.Errorf("TTL %q: must be between 1m and %s", s, formatDays(MaxTTL))
	}
	return d, nil
}

func formatDays(d time.Duration) string { return fmt.Sprintf("%dd", int(d/(24*time.Hour))) }

// Record is what a QA stack's tags say about it.
type Record struct {
	Name    string
	Base    string
	Created time.Time
	Expires time.Time
}

// Tags are the stack tags of the record.
func (r Record) Tags() map[string]string {
	return map[string]string{
		TagBase:    r.Base,
		TagCreated: r.Created.UTC().Format(time.RFC3339),
		TagExpires: r.Expires.UTC().Format(time.RFC3339),
	}
}

// FromTags reads a QA stack's record from its tags; an error names the tag that is missing or malformed (a stack
// whose record cannot be read is never taken for expired).
func FromTags(stack string, tags map[string]string) (Record, error) {
	name, ok := NameOf(stack)
	if !ok {
		return Record{}, fmt.Errorf("stack %s is not a QA stack", stack)
	}
	r := Record{Name: name, Base: tags[TagBase]}
	if r.Base == "" {
		return Record{}, fmt.Errorf("QA stack %s: no %s tag", stack, TagBase)
	}
	for tag, dst := range map[string]*time.Time{TagCreated: &r.Created, TagExpires: &r.Expires} {
		t, err := time.Parse(time.RFC3339, tags[tag])
		if err != nil {
			return Record{}, fmt.Errorf("QA stack %s: tag %s %q is not an RFC 3339 time", stack, tag, tags[tag])
		}
		*dst = t
	}
	return r, nil
}

// Expired reports whether the record's stack has outlived its TTL at now.
func (r Record) Expired(now time.Time) bool { return !now.Before(r.Expires) }
