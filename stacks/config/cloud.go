package config

import (
	"slices"
	"sort"
	"strings"

	"github.com/digit-iac/digit/catalogue"
)

// Cloud is one target's part of the config, registered by the package that implements the target: the keys only
// it reads, the defaults that differ per target, and the loader of its section. Keys every target reads, and their
// validation, stay here.
type Cloud struct {
	Target Target
	// Keys are the digit: keys only this target reads (a key two targets read is listed by both).
	Keys []string
	// DefaultParallel is digit:parallel's default. The engine's own default (4 x CPU cores: 8 on a 2-core runner)
	// queues independent work behind creates that hold a slot for minutes (a managed cluster, a Deployment's
	// rollout); in a cloud each operation is also an API call under account rate limits, hence lower figures there
	// than on a cluster that only receives Kubernetes objects.
	DefaultParallel int
	// DefaultCheckpointEveryStep is digit:checkpointEveryStep's default. The file backend saves the whole state
	// after every step, so an up of n resources serialises it 2n times: on the local stack's 350 that is most of
	// the engine's CPU time (about 65 of a 70 s up on 2 cores, against 7 s without). Saving it once, at the end,
	// is safe where every resource is a Kubernetes object: after a killed up, the next one re-creates what the
	// state lost by server-side apply, which adopts an existing object, and deletes of objects already gone
	// succeed. A cloud resource created but not recorded would be orphaned (and a fixed name taken), so a target
	// that creates cloud resources keeps a checkpoint per step.
	DefaultCheckpointEveryStep bool
	// NodesRaiseMaxMapCount says the target's nodes already set vm.max_map_count high enough for Elasticsearch, so
	// digit:elasticsearchSysctl defaults to off.
	NodesRaiseMaxMapCount bool
	// Load reads and validates the target's keys (and checks the shared ones against what the target can do),
	// reporting each problem through r, and returns the section the target's cloud layer reads.
	Load func(r *Reader, c *Config) Section
}

// Section is a loaded target section (Config.Cloud). The cloud layer reads its own concrete type; the rest of the
// program asks it only this.
type Section interface {
	// NodeShape is the node group the workloads are scheduled on, for the capacity check; false when the config
	// describes none.
	NodeShape() (catalogue.NodeShape, bool)
	// MaxConnections is the database's max_connections and how to name it in an error; false when unknown.
	MaxConnections(db Database) (n int, name string, ok bool)
	// ProvidedSecrets are the catalogue's secret providers the cloud layer fills (catalogue.SecretKey.Provider).
	ProvidedSecrets() map[string]bool
}

// clouds holds the registered targets. Registration happens in the target packages' init, before any Load.
var clouds = map[Target]Cloud{}

// Register adds a target. A second registration of a target, or a key shared with no target, is a programming
// error and panics at start-up.
func Register(c Cloud) {
	if c.Target == "" || c.Load == nil || c.DefaultParallel < 1 || c.DefaultParallel > MaxParallel {
		panic("config.Register: a cloud needs a target name, a loader and a default parallelism within 1..MaxParallel")
	}
	if _, dup := clouds[c.Target]; dup {
		panic("config.Register: target " + string(c.Target) + " is registered twice")
	}
	for _, k := range c.Keys {
		if _, shared := keys[k]; shared {
			panic("config.Register: key " + k + " of target " + string(c.Target) + " is read by every target already")
		}
	}
	clouds[c.Target] = c
}

// Targets lists the registered targets, sorted (the order error messages show them).
func Targets() []Target {
	out := make([]Target, 0, len(clouds))
	for t := range clouds {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// CloudOf returns the registration of a target.
func CloudOf(t Target) (Cloud, bool) {
	c, ok := clouds[t]
	return c, ok
}

// targetsReading lists the registered targets that read a target-specific key (none for a shared or unknown key).
func targetsReading(key string) []Target {
	var out []Target
	for _, t := range Targets() {
		if slices.Contains(clouds[t].Keys, key) {
			out = append(out, t)
		}
	}
	return out
}

// KnownKeys returns the keys under digit: of every registered target, sorted (for docs and tests).
func KnownKeys() []string {
	set := map[string]bool{}
	for k := range keys {
		set[k] = true
	}
	for _, c := range clouds {
		for _, k := range c.Keys {
			set[k] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func targetList() string {
	ts := Targets()
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// Reader is what a target's loader reads its keys with; every problem it reports names its key, and Load returns
// them all at once.
type Reader = loader

// Str reads a string key (trimmed), or def.
func (l *loader) Str(key, def string) string { return l.str(key, def) }

// Bool reads a boolean key, or def.
func (l *loader) Bool(key string, def bool) bool { return l.boolean(key, def) }

// List reads a list of strings.
func (l *loader) List(key string) []string { return l.list(key) }

// Object decodes a structured key strictly into into (unknown fields are errors).
func (l *loader) Object(key string, into any) { l.object(key, into) }

// Has reports whether the stack sets a key.
func (l *loader) Has(key string) bool { _, ok := l.raw(key); return ok }

// Fail reports a problem with a key.
func (l *loader) Fail(key, format string, args ...any) { l.fail(key, format, args...) }

// Zones reads digit:zones sorted and without repeats: disks and subnets are assigned to zones by position, so the
// order the stack file lists them in must not matter (reordering would otherwise replace them).
func (l *loader) Zones() []string {
	zones := slices.Sorted(slices.Values(l.list("zones")))
	for i := 1; i < len(zones); i++ {
		if zones[i] == zones[i-1] {
			l.fail("zones", "zone %q is listed twice", zones[i])
		}
	}
	return slices.Compact(zones)
}

// Shorten keeps an oversized input readable in an error: its first 40 characters and its length.
func Shorten(s string) string { return shorten(s) }
