package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"sigs.k8s.io/yaml"
)

// Source is where raw stack config comes from: the Pulumi engine at run time, or a map in tests.
type Source interface {
	// Get returns the raw value of a fully qualified key such as "digit:target".
	Get(key string) (string, bool)
	// IsSecret reports whether the value was given with --secret.
	IsSecret(key string) bool
	// Keys lists every fully qualified key the stack sets, so typos can be rejected.
	Keys() []string
}

// MapSource is a Source backed by a map; the keys listed in Secrets count as secret values.
type MapSource struct {
	Values  map[string]string
	Secrets []string
}

func (m MapSource) Get(key string) (string, bool) { v, ok := m.Values[key]; return v, ok }

func (m MapSource) IsSecret(key string) bool {
	for _, s := range m.Secrets {
		if s == key {
			return true
		}
	}
	return false
}

func (m MapSource) Keys() []string {
	keys := make([]string, 0, len(m.Values))
	for k := range m.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// contextSource reads config from the running Pulumi program.
//
// The Go SDK can look a key up but cannot list keys, and a typo'd key is exactly the one nobody looks up. The key
// list therefore comes from what the engine handed the process (PULUMI_CONFIG, set by the language host for
// `pulumi up`) and from the stack's settings file next to Pulumi.yaml (which the Automation API runner and the CLI
// both use). Together they cover every way this project is run.
type contextSource struct {
	ctx *pulumi.Context
}

// FromContext returns the Source of a running program.
func FromContext(ctx *pulumi.Context) Source { return contextSource{ctx: ctx} }

func (c contextSource) Get(key string) (string, bool) { return c.ctx.GetConfig(key) }
func (c contextSource) IsSecret(key string) bool      { return c.ctx.IsConfigSecret(key) }

func (c contextSource) Keys() []string {
	seen := map[string]bool{}
	if raw := os.Getenv(pulumi.EnvConfig); raw != "" {
		var m map[string]any
		if json.Unmarshal([]byte(raw), &m) == nil {
			for k := range m {
				seen[k] = true
			}
		}
	}
	for _, k := range StackFileKeys(filepath.Join(c.ctx.RootDirectory(), "Pulumi."+c.ctx.Stack()+".yaml")) {
		seen[k] = true
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// StackFileKeys lists the config keys of a Pulumi.<stack>.yaml file, fully qualified; nil when the file is absent.
// Keys without a namespace belong to the project, as Pulumi treats them.
func StackFileKeys(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var f struct {
		Config map[string]any `json:"config"`
	}
	if yaml.Unmarshal(b, &f) != nil {
		return nil
	}
	var keys []string
	for k := range f.Config {
		if !strings.Contains(k, ":") {
			k = Namespace + ":" + k
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// StackFileSource reads Pulumi.<stack>.yaml into a MapSource the way the engine presents config to a program:
// scalars as their text, lists and objects as JSON. Secure values cannot be decrypted here; pass their plaintext in
// secrets (keyed by fully qualified key) and they are marked secret. Used by tests and tooling that check a stack
// file without an engine.
func StackFileSource(path string, secrets map[string]string) (MapSource, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return MapSource{}, err
	}
	var f struct {
		Config map[string]any `json:"config"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		return MapSource{}, fmt.Errorf("%s: %w", path, err)
	}
	src := MapSource{Values: map[string]string{}}
	for _, k := range slices.Sorted(maps.Keys(f.Config)) {
		v := f.Config[k]
		if !strings.Contains(k, ":") {
			k = Namespace + ":" + k
		}
		switch t := v.(type) {
		case string:
			src.Values[k] = t
		case map[string]any:
			// {secure: ...} alone is filled from secrets below, or left unset.
			if _, secure := t["secure"]; !secure || len(t) > 1 {
				j, _ := json.Marshal(t)
				src.Values[k] = string(j)
			}
		case []any:
			j, _ := json.Marshal(t)
			src.Values[k] = string(j)
		default:
			src.Values[k] = fmt.Sprint(t)
		}
	}
	for k, v := range secrets {
		src.Values[k] = v
		src.Secrets = append(src.Secrets, k)
	}
	return src, nil
}
