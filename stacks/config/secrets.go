package config

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/digit-iac/digit/catalogue"
	"github.com/digit-iac/digit/internal/suggest"
)

// ServiceSecrets are the values of the catalogue's Secrets a stack gives in digit:secrets: Secret name -> key ->
// value. Keys the stack leaves out are the cloud layer's (a provider key) or empty.
type ServiceSecrets map[string]map[string]Secret

// Value returns a key's value (unset: the zero Secret).
func (s ServiceSecrets) Value(secret, key string) Secret { return s[secret][key] }

// secretsSetCommand is how a user sets one key, for the error that asks for it.
func secretsSetCommand(secret, key string) string {
	return fmt.Sprintf("pulumi config set --secret --path '%s:secrets[\"%s\"][\"%s\"]' <value>", Namespace, secret, key)
}

// loadSecrets reads digit:secrets (a secret object) and checks it against the catalogue: every Secret and key it
// names exists, and every required key an enabled service reads has a value, from the stack or from the cloud
// layer (provided lists the providers the target fills).
func (l *loader) loadSecrets(c *Config, provided map[string]bool) {
	c.Services.Secrets = ServiceSecrets{}
	cat := c.Services.Catalogue
	if cat == nil {
		return // the catalogue's own error is reported
	}
	if raw, ok := l.raw("secrets"); ok {
		if !l.src.IsSecret(Namespace + ":secrets") {
			l.fail("secrets", "holds credentials and must be set as a secret: %s", secretsSetCommand("<secret>", "<key>"))
			return
		}
		var m map[string]map[string]string
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			l.fail("secrets", "want an object of Secret name -> key -> string value, e.g. "+
				`{"egov-enc-service": {"master.password": "..."}}: %s`, describeJSONError(err))
			return
		}
		declared := map[string]map[string]catalogue.SecretKey{}
		var names []string
		for _, s := range cat.DeclaredSecrets() {
			declared[s.Name] = map[string]catalogue.SecretKey{}
			names = append(names, s.Name)
			for _, k := range s.Keys {
				declared[s.Name][k.Key] = k
			}
		}
		for _, name := range sortedMapKeys(m) {
			keys, ok := declared[name]
			if !ok {
				l.fail("secrets", "%q is not a Secret of the catalogue%s (allowed: %s)", name, didYouMean(name, names),
					strings.Join(names, ", "))
				continue
			}
			c.Services.Secrets[name] = map[string]Secret{}
			for _, key := range sortedMapKeys(m[name]) {
				def, ok := keys[key]
				if !ok {
					known := sortedMapKeys(keys)
					l.fail("secrets", "%s has no key %q%s (allowed: %s)", name, key, didYouMean(key, known),
						strings.Join(known, ", "))
					continue
				}
				// The value is never shown: only the rule it breaks.
				if v := m[name][key]; v != "" && !def.Allows(v) {
					l.fail("secrets", "%s key %s does not match %s (%s)", name, key, def.Pattern, def.Description)
					continue
				}
				c.Services.Secrets[name][key] = NewSecret(m[name][key])
			}
		}
	}
	for _, s := range cat.Secrets() {
		for _, k := range s.Keys {
			if !k.Required || c.Services.Secrets.Value(s.Name, k.Key).IsSet() || (k.Provider != "" && provided[k.Provider]) {
				continue
			}
			where := "set it with"
			if k.Provider != "" {
				where = "the " + string(c.Target) + " cloud layer does not provide it here; set it with"
			}
			l.fail("secrets", "%s key %s is required (%s; read by %s): %s %s", s.Name, k.Key, k.Description,
				strings.Join(cat.SecretReaders(s.Name, k.Key), ", "), where, secretsSetCommand(s.Name, k.Key))
		}
	}
}

func sortedMapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// didYouMean is suggest.DidYouMean, named short for the many error messages here.
var didYouMean = suggest.DidYouMean

// GenerateSecrets fills have with random values for every required key of the Secrets enabled services read that the stack
// leaves unset and the target does not provide: the credentials of a local stack, which has no real ones. Keys
// already in have are kept, so a stack regenerated from the same file changes nothing.
func GenerateSecrets(cat *catalogue.Resolved, have map[string]map[string]string, provided map[string]bool) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for name, keys := range have {
		out[name] = maps.Clone(keys)
	}
	for _, s := range cat.Secrets() {
		for _, k := range s.Keys {
			if !k.Required || out[s.Name][k.Key] != "" || (k.Provider != "" && provided[k.Provider]) {
				continue
			}
			b := make([]byte, 24)
			if _, err := rand.Read(b); err != nil {
				return nil, err
			}
			if out[s.Name] == nil {
				out[s.Name] = map[string]string{}
			}
			out[s.Name][k.Key] = base64.RawURLEncoding.EncodeToString(b)
			if !k.Allows(out[s.Name][k.Key]) {
				return nil, fmt.Errorf("%s key %s: a generated value (32 letters, digits, '-' or '_') does not match %s; set it in digit:secrets",
					s.Name, k.Key, k.Pattern)
			}
		}
	}
	return out, nil
}

// GenerateStackSecrets is GenerateSecrets for a stack given as its settings (a stack file's Source): the catalogue
// its digit:catalogue resolves to decides which Secrets are read. A local stack's cloud layer provides nothing.
func GenerateStackSecrets(src Source, have map[string]map[string]string) (map[string]map[string]string, error) {
	base, err := catalogue.Default()
	if err != nil {
		return nil, err
	}
	var o catalogue.Overrides
	if v, ok := src.Get(Namespace + ":catalogue"); ok {
		if o, err = catalogue.ParseOverrides([]byte(v)); err != nil {
			return nil, err
		}
	}
	cat, err := catalogue.Resolve(base, o)
	if err != nil {
		return nil, err
	}
	return GenerateSecrets(cat, have, nil)
}
