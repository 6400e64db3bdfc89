package catalogue

import (
	"cmp"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// The env model: what a DIGIT container is told, as data.
//
// A service's container env is, in this order:
//  1. the service's own entries (default.yaml `env:`, changed by a stack's overrides),
//  2. the entries of its app type's template (envTemplates.<appType>: upstream's common java-spring block),
//  3. the entries of the tracing template when the tracing module is enabled, else tracing.disabledEnv,
//
// where an entry of a later list is dropped when an earlier one has the same name: a service overrides its
// template by naming the variable itself. JAVA_OPTS (from heap) and SERVER_PORT (from port) are never listed: the
// fields they come from are the one place those facts live.
//
// Variable names are the ones the image reads (egov.mdms.host -> EGOV_MDMS_HOST by Spring's relaxed binding),
// never derived from anything else.

// App types: which template a service's env is completed with.
const (
	// AppTypeJavaSpring is a Spring Boot service: upstream's common chart gives it the java-spring env block.
	AppTypeJavaSpring = "java-spring"
	// AppTypeNone gets no template (node services, nginx frontends, and charts upstream does not mark
	// java-spring).
	AppTypeNone = "none"
	// templateTracing names the template every traced service gets when the tracing module is enabled.
	templateTracing = "tracing"
)

// AppTypes lists the allowed app types, in the order error messages show them.
var AppTypes = []string{AppTypeJavaSpring, AppTypeNone}

// EnvVar is one variable of a container's environment: its name, exactly as the image reads it, and exactly one
// source.
type EnvVar struct {
	Name string `json:"name"`
	// Value is a literal string (a pointer, so that "" is a value).
	Value *string `json:"value,omitempty"`
	// Config is a key of the egov-config ConfigMap (EgovConfigKeys).
	Config string `json:"config,omitempty"`
	// ServiceHost is the name of a catalogue service; the variable gets its base URL
	// (http://<name>.<namespace>:<port>/) through the egov-service-host ConfigMap.
	ServiceHost string `json:"serviceHost,omitempty"`
	// Secret is a key of one of the catalogue's Secrets (see Catalogue.Secrets); the value comes from the stack.
	Secret *SecretKeyRef `json:"secret,omitempty"`
	// FieldRef is a downward-API field path (status.hostIP, metadata.name, ...).
	FieldRef string `json:"fieldRef,omitempty"`
	// Checkout is a list of paths inside the service's git-synced config repository; the variable gets them as
	// one comma-separated list of absolute paths (or file:// URLs) under the checkout, so it cannot disagree with
	// the mount.
	Checkout *CheckoutPaths `json:"checkout,omitempty"`

	// Remove deletes the entry of that name (stack overrides only; the entry carries no source then).
	Remove bool `json:"remove,omitempty"`
}

// SecretKeyRef names one key of a catalogue Secret.
type SecretKeyRef struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// CheckoutPaths are files or directories inside a git-synced repository.
type CheckoutPaths struct {
	// Paths relative to the repository root (no leading '/', no '..'); a '*' glob is passed on as written.
	Paths []string `json:"paths"`
	// FileURL renders each path as a file:// URL (what Spring's ResourceLoader wants) instead of a plain path.
	FileURL bool `json:"fileUrl,omitempty"`
}

// Source kinds, as EnvVar.Kind names them.
const (
	SourceValue       = "value"
	SourceConfig      = "config"
	SourceServiceHost = "serviceHost"
	SourceSecret      = "secret"
	SourceFieldRef    = "fieldRef"
	SourceCheckout    = "checkout"
)

// Kind is the entry's source kind ("" when it has none, or more than one: validation reports that).
func (e EnvVar) Kind() string {
	kinds := e.kinds()
	if len(kinds) != 1 {
		return ""
	}
	return kinds[0]
}

func (e EnvVar) kinds() []string {
	var k []string
	if e.Value != nil {
		k = append(k, SourceValue)
	}
	if e.Config != "" {
		k = append(k, SourceConfig)
	}
	if e.ServiceHost != "" {
		k = append(k, SourceServiceHost)
	}
	if e.Secret != nil {
		k = append(k, SourceSecret)
	}
	if e.FieldRef != "" {
		k = append(k, SourceFieldRef)
	}
	if e.Checkout != nil {
		k = append(k, SourceCheckout)
	}
	return k
}

// Literal returns an entry with a literal value.
func Literal(name, value string) EnvVar { return EnvVar{Name: name, Value: &value} }

func (e EnvVar) clone() EnvVar {
	if e.Value != nil {
		v := *e.Value
		e.Value = &v
	}
	if e.Secret != nil {
		s := *e.Secret
		e.Secret = &s
	}
	if e.Checkout != nil {
		c := *e.Checkout
		c.Paths = slices.Clone(c.Paths)
		e.Checkout = &c
	}
	return e
}

func cloneEnv(env []EnvVar) []EnvVar {
	if env == nil {
		return nil
	}
	out := make([]EnvVar, len(env))
	for i, e := range env {
		out[i] = e.clone()
	}
	return out
}

// EnvTemplate is an env list shared by every service of an app type (or every traced service), with the places
// where it knowingly departs from upstream's common chart.
type EnvTemplate struct {
	Env        []EnvVar    `json:"env"`
	Deviations []Deviation `json:"deviations,omitempty"`
}

// ServiceNamePlaceholder in a template's literal is replaced by the service's name (JAEGER_SERVICE_NAME).
const ServiceNamePlaceholder = "{service}"

// Deviation records where a service knowingly departs from what upstream's charts and the egov-demo environment
// give it, or from what its image ships with, and why. Exactly one of Env, InitContainer, Volume and Property names
// what departs.
type Deviation struct {
	// Env is the name of an upstream env entry that is set differently or not at all.
	Env string `json:"env,omitempty"`
	// InitContainer is the name of an upstream init container that is replaced or configured differently.
	InitContainer string `json:"initContainer,omitempty"`
	// Volume is the name of an upstream volume that is replaced or absent.
	Volume string `json:"volume,omitempty"`
	// Property is a Spring property of the image with a risky default (localhost, eGov's dev server, a developer's
	// disk) that the env knowingly leaves at that default.
	Property string `json:"property,omitempty"`
	// Reason says why, for a reviewer: what upstream does, what this catalogue does instead and what follows.
	Reason string `json:"reason"`
}

// ConfigRepo is a git repository of configuration that services clone at start (egov-mdms-data, configs).
type ConfigRepo struct {
	// URL is an https URL; a private repository needs Credentials.
	URL string `json:"url"`
	// Branch is fetched; with Commit empty its tip is checked out.
	Branch string `json:"branch"`
	// Commit pins the checkout to a 40-hex commit of Branch ("" follows the branch).
	Commit string `json:"commit,omitempty"`
	// Credentials names a catalogue Secret with keys username and password (a token) for a private repository;
	// "" clones anonymously.
	Credentials string `json:"credentials,omitempty"`
}

// Name of the checkout directory: the last path element of the URL without .git (configs, egov-mdms-data), as
// git-sync names it.
func (r ConfigRepo) checkoutName() string {
	u, err := url.Parse(r.URL)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(path.Base(u.Path), ".git")
}

// GitSyncRoot is where a service's git-sync volume is mounted (upstream's /work-dir).
const GitSyncRoot = "/work-dir"

// CheckoutDir is the directory a repository is checked out at inside GitSyncRoot.
func (r ConfigRepo) CheckoutDir() string { return GitSyncRoot + "/" + r.checkoutName() }

// Secret is a Kubernetes Secret that services read keys of; the values come from the stack (config secrets, or the
// cloud layer for keys it provides).
type Secret struct {
	// Name of the Secret, in every namespace with DIGIT services.
	Name string      `json:"name"`
	Keys []SecretKey `json:"keys"`
}

// SecretKey is one key of a Secret.
type SecretKey struct {
	Key string `json:"key"`
	// Required keys must have a value whenever an enabled service reads them (from the stack, the cloud layer or,
	// on local stacks, generated): without one the service fails or falls back to a publicly known default.
	Required bool `json:"required,omitempty"`
	// Provider names what the cloud layer can supply instead of the stack: "filestore.accessKeyId" or
	// "filestore.secretAccessKey" (a key for the filestore bucket alone). "" when only the stack can.
	Provider string `json:"provider,omitempty"`
	// Description says what the value is, for the error that asks for it.
	Description string `json:"description"`
	// Pattern is a regular expression (RE2, anchored by its author) every value must match, for a value the
	// reader embeds somewhere its characters matter (a URI, a config file). "" allows any value.
	Pattern string `json:"pattern,omitempty"`
}

// Allows reports whether value fits the key's Pattern (any value without one; an invalid pattern is reported by
// the catalogue's validation and allows nothing).
func (k SecretKey) Allows(value string) bool {
	if k.Pattern == "" {
		return true
	}
	re, err := regexp.Compile(k.Pattern)
	return err == nil && re.MatchString(value)
}

// RedisPasswordSecret is the catalogue Secret key Redis requires its clients to authenticate with: the backbone
// reads it for requirepass, the services that use Redis from their env.
var RedisPasswordSecret = SecretKeyRef{Name: "redis", Key: "password"}

// Secret providers the cloud layer may fill.
const (
	ProviderFilestoreAccessKey = "filestore.accessKeyId"
	ProviderFilestoreSecretKey = "filestore.secretAccessKey"
)

// SecretProviders lists the allowed providers.
var SecretProviders = []string{ProviderFilestoreAccessKey, ProviderFilestoreSecretKey}

var (
	fieldPathRe = regexp.MustCompile(`^(metadata\.(name|namespace|uid|labels\['[^']+'\]|annotations\['[^']+'\])|` +
		`spec\.(nodeName|serviceAccountName)|status\.(hostIP|hostIPs|podIP|podIPs))$`)
	secretKeyRe = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)
	commitRe    = regexp.MustCompile(`^[0-9a-f]{40}$`)
	gitRefRe    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]*$`)
	// Kubernetes accepts any printable name without '='; C-identifier-like plus '.' and '-' is what the images
	// use (LOGGING_LEVEL_org.egov.tracer.kafka, SPRING_DATASOURCE_HIKARI_MAXIMUM-POOL-SIZE).
	envVarNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)
)

// maxEnvValue bounds a literal: a typo that pastes a file into an override should fail here, not at the apiserver
// (which limits a whole object to 1.5 MiB).
const maxEnvValue = 32 * 1024

// envRefs is what entries may refer to: checked against the whole catalogue.
type envRefs struct {
	configKeys map[string]bool
	services   map[string]bool
	secrets    map[string]map[string]bool // secret -> keys
	hasGitSync bool
}

// checkEnv validates an env list; where names the list in errors ("service egov-user (module core): env").
func checkEnv(where string, env []EnvVar, refs envRefs, errs *errorList) {
	seen := map[string]bool{}
	for i, e := range env {
		at := fmt.Sprintf("%s[%d]", where, i)
		if e.Name != "" {
			at = fmt.Sprintf("%s[%d] (%s)", where, i, e.Name)
		}
		switch {
		case e.Name == "":
			errs.add("%s: name is required", at)
		case !envVarNameRe.MatchString(e.Name):
			errs.add("%s: name %q is not an environment variable name (allowed: letters, digits, '_', '.', '-', "+
				"not starting with a digit)", at, e.Name)
		case seen[e.Name]:
			errs.add("%s: %s is listed twice (each variable has one source)", at, e.Name)
		}
		seen[e.Name] = true
		if e.Name == "JAVA_OPTS" || e.Name == "SERVER_PORT" {
			errs.add("%s: %s is set from the service's %s field, not listed in env", at, e.Name,
				map[string]string{"JAVA_OPTS": "heap", "SERVER_PORT": "port"}[e.Name])
		}
		kinds := e.kinds()
		if e.Remove {
			// A stack's removes never reach this check: applyEnv takes them out of the list first.
			errs.add("%s: remove is only allowed in a stack's overrides", at)
			continue
		}
		if len(kinds) != 1 {
			got := cmp.Or(strings.Join(kinds, ", "), "none")
			errs.add("%s: needs exactly one source (allowed: value, config, serviceHost, secret, fieldRef, "+
				"checkout; found %s)", at, got)
			continue
		}
		switch kinds[0] {
		case SourceValue:
			if len(*e.Value) > maxEnvValue {
				errs.add("%s: value is %d bytes (allowed: at most %d)", at, len(*e.Value), maxEnvValue)
			}
		case SourceConfig:
			if !refs.configKeys[e.Config] {
				errs.add("%s: config %q is not an egov-config key%s (allowed: %s)", at, e.Config,
					didYouMean(e.Config, EgovConfigKeys), strings.Join(EgovConfigKeys, ", "))
			}
		case SourceServiceHost:
			if !refs.services[e.ServiceHost] {
				errs.add("%s: serviceHost %q is not a catalogue service%s", at, e.ServiceHost,
					didYouMean(e.ServiceHost, sortedKeys(refs.services)))
			}
		case SourceSecret:
			keys, ok := refs.secrets[e.Secret.Name]
			switch {
			case !ok:
				errs.add("%s: secret %q is not a catalogue Secret%s (allowed: %s)", at, e.Secret.Name,
					didYouMean(e.Secret.Name, sortedKeys(refs.secrets)), strings.Join(sortedKeys(refs.secrets), ", "))
			case !keys[e.Secret.Key]:
				errs.add("%s: secret %s has no key %q%s (allowed: %s)", at, e.Secret.Name, e.Secret.Key,
					didYouMean(e.Secret.Key, sortedKeys(keys)), strings.Join(sortedKeys(keys), ", "))
			}
		case SourceFieldRef:
			if !fieldPathRe.MatchString(e.FieldRef) {
				errs.add("%s: fieldRef %q is not a downward-API field (e.g. status.hostIP, metadata.name)", at,
					e.FieldRef)
			}
		case SourceCheckout:
			if !refs.hasGitSync {
				errs.add("%s: checkout paths need a gitSync repository on the service", at)
			}
			if len(e.Checkout.Paths) == 0 {
				errs.add("%s: checkout needs at least one path", at)
			}
			for _, p := range e.Checkout.Paths {
				if p == "" || strings.HasPrefix(p, "/") || slices.Contains(strings.Split(p, "/"), "..") ||
					strings.ContainsAny(p, ", \t\n") {
					errs.add("%s: checkout path %q must be relative to the repository root, without '..', "+
						"commas or spaces", at, p)
				}
			}
		}
	}
}

// checkDeviations validates deviation records.
func checkDeviations(where string, devs []Deviation, errs *errorList) {
	seen := map[string]bool{}
	for i, d := range devs {
		at := fmt.Sprintf("%s[%d]", where, i)
		var what []string
		for _, w := range []struct{ kind, name string }{{"env", d.Env}, {"initContainer", d.InitContainer},
			{"volume", d.Volume}, {"property", d.Property}} {
			if w.name != "" {
				what = append(what, w.kind+" "+w.name)
			}
		}
		if len(what) != 1 {
			errs.add("%s: names exactly one of env, initContainer, volume, property (found %d)", at, len(what))
			continue
		}
		if seen[what[0]] {
			errs.add("%s: %s already has a deviation", at, what[0])
		}
		seen[what[0]] = true
		if strings.TrimSpace(d.Reason) == "" {
			errs.add("%s (%s): reason is required", at, what[0])
		}
	}
}

// checkSecrets validates the catalogue's Secrets.
func checkSecrets(secrets []Secret, errs *errorList) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for i, s := range secrets {
		at := fmt.Sprintf("secrets[%d]", i)
		if s.Name != "" {
			at = "secret " + s.Name
		}
		if !dnsLabelRe.MatchString(s.Name) || len(s.Name) > 63 {
			errs.add("%s: name %q is not a Kubernetes object name", at, s.Name)
		}
		if _, dup := out[s.Name]; dup {
			errs.add("%s: declared twice", at)
		}
		if s.Name == DBSecret {
			errs.add("%s: %s is the database Secret the wiring creates from the cloud layer", at, DBSecret)
		}
		keys := map[string]bool{}
		for _, k := range s.Keys {
			if !secretKeyRe.MatchString(k.Key) || len(k.Key) > 253 {
				errs.add("%s: key %q is not a Secret key (allowed: letters, digits, '-', '_', '.')", at, k.Key)
			}
			if keys[k.Key] {
				errs.add("%s: key %s is declared twice", at, k.Key)
			}
			keys[k.Key] = true
			if k.Provider != "" && !slices.Contains(SecretProviders, k.Provider) {
				errs.add("%s: key %s: provider %q is not allowed (allowed: %s)", at, k.Key, k.Provider,
					strings.Join(SecretProviders, ", "))
			}
			if strings.TrimSpace(k.Description) == "" {
				errs.add("%s: key %s: description is required (it is shown when the value is missing)", at, k.Key)
			}
			if _, err := regexp.Compile(k.Pattern); err != nil {
				errs.add("%s: key %s: pattern %q is not a regular expression: %v", at, k.Key, k.Pattern, err)
			}
		}
		if len(s.Keys) == 0 {
			errs.add("%s: has no keys", at)
		}
		out[s.Name] = keys
	}
	return out
}

// DBSecret is the database Secret (username, password, flyway-username, flyway-password) the wiring creates.
const DBSecret = "db"

// checkConfigRepos validates the config repositories.
func checkConfigRepos(repos map[string]ConfigRepo, secrets map[string]map[string]bool, errs *errorList) {
	for _, name := range sortedKeys(repos) {
		r := repos[name]
		at := "configRepos." + name
		if !dnsLabelRe.MatchString(name) {
			errs.add("%s: name is not allowed (allowed: lowercase letters, digits, '-')", at)
		}
		if u, err := url.Parse(r.URL); err != nil || u.Scheme != "https" || u.Host == "" || r.checkoutName() == "" ||
			u.User != nil {
			errs.add("%s: url %q must be an https URL without credentials (e.g. https://github.com/egovernments/configs)",
				at, r.URL)
		}
		if !gitRefRe.MatchString(r.Branch) || strings.Contains(r.Branch, "..") {
			errs.add("%s: branch %q is not a branch name", at, r.Branch)
		}
		if r.Commit != "" && !commitRe.MatchString(r.Commit) {
			errs.add("%s: commit %q is not a full 40-hex commit id (\"\" follows the branch)", at, r.Commit)
		}
		if r.Credentials != "" {
			keys, ok := secrets[r.Credentials]
			if !ok || !keys[GitUsernameKey] || !keys[GitPasswordKey] {
				errs.add("%s: credentials %q must name a catalogue Secret with keys %s and %s", at, r.Credentials,
					GitUsernameKey, GitPasswordKey)
			}
		}
	}
}

// Keys of a config repository's credentials Secret.
const (
	GitUsernameKey = "username"
	GitPasswordKey = "password"
)

// ServiceEnv is the service's whole container env, merged as the package doc says, with templates' placeholders
// filled. JAVA_OPTS and SERVER_PORT are not in it (the wiring sets them from heap and port).
func (r *Resolved) ServiceEnv(name string) ([]EnvVar, bool) {
	s, ok := r.Service(name)
	if !ok {
		return nil, false
	}
	lists := [][]EnvVar{s.Env}
	if t, ok := r.cat.EnvTemplates[s.AppType]; ok {
		lists = append(lists, t.Env)
	}
	if s.traced() {
		if r.Enabled(ModuleTracing) {
			lists = append(lists, r.cat.EnvTemplates[templateTracing].Env)
		} else {
			lists = append(lists, r.cat.Tracing.DisabledEnv)
		}
	}
	seen := map[string]bool{}
	var out []EnvVar
	for _, list := range lists {
		for _, e := range list {
			if seen[e.Name] {
				continue
			}
			seen[e.Name] = true
			e = e.clone()
			if e.Value != nil {
				v := strings.ReplaceAll(*e.Value, ServiceNamePlaceholder, s.Name)
				e.Value = &v
			}
			out = append(out, e)
		}
	}
	return out, true
}

// traced reports whether the service gets the tracing env (default: every service but frontends).
func (s Service) traced() bool {
	if s.Tracing != nil {
		return *s.Tracing
	}
	return s.Kind != KindFrontend
}

// EnvTemplate returns a template by name (an app type or "tracing").
func (r *Resolved) EnvTemplate(name string) (EnvTemplate, bool) {
	t, ok := r.cat.EnvTemplates[name]
	if !ok {
		return EnvTemplate{}, false
	}
	return EnvTemplate{Env: cloneEnv(t.Env), Deviations: slices.Clone(t.Deviations)}, true
}

// Deviations returns the deviations that apply to every service.
func (r *Resolved) Deviations() []Deviation { return slices.Clone(r.cat.Deviations) }

// ConfigRepo returns a config repository by name.
func (r *Resolved) ConfigRepo(name string) (ConfigRepo, bool) {
	c, ok := r.cat.ConfigRepos[name]
	return c, ok
}

// Secrets returns the catalogue's Secrets that enabled services read, each with only the keys they read, sorted by
// name; config repository credentials count as read by the services that clone the repository.
func (r *Resolved) Secrets() []Secret {
	used := map[string]map[string]bool{}
	use := func(name, key string) {
		if used[name] == nil {
			used[name] = map[string]bool{}
		}
		used[name][key] = true
	}
	for _, s := range r.Services() {
		env, _ := r.ServiceEnv(s.Name)
		for _, e := range env {
			if e.Secret != nil {
				use(e.Secret.Name, e.Secret.Key)
			}
		}
		if s.GitSync != nil {
			if repo := r.cat.ConfigRepos[s.GitSync.Repo]; repo.Credentials != "" {
				use(repo.Credentials, GitUsernameKey)
				use(repo.Credentials, GitPasswordKey)
			}
		}
	}
	var out []Secret
	for _, sec := range r.cat.Secrets {
		keys := used[sec.Name]
		if len(keys) == 0 {
			continue
		}
		s := Secret{Name: sec.Name}
		for _, k := range sec.Keys {
			if keys[k.Key] {
				s.Keys = append(s.Keys, k)
			}
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// DeclaredSecrets returns every Secret the catalogue declares, used or not.
func (r *Resolved) DeclaredSecrets() []Secret {
	out := make([]Secret, len(r.cat.Secrets))
	for i, s := range r.cat.Secrets {
		s.Keys = slices.Clone(s.Keys)
		out[i] = s
	}
	return out
}

// SecretReaders lists the enabled services that read a Secret's key, sorted.
func (r *Resolved) SecretReaders(secret, key string) []string {
	var out []string
	for _, s := range r.Services() {
		env, _ := r.ServiceEnv(s.Name)
		if slices.ContainsFunc(env, func(e EnvVar) bool {
			return e.Secret != nil && e.Secret.Name == secret && e.Secret.Key == key
		}) {
			out = append(out, s.Name)
			continue
		}
		if s.GitSync != nil && r.cat.ConfigRepos[s.GitSync.Repo].Credentials == secret {
			out = append(out, s.Name)
		}
	}
	sort.Strings(out)
	return out
}

// applyEnv changes env by a stack's override entries: an entry replaces the one of the same name in place (or is
// appended), and a remove entry deletes it. Removing a name the list does not have is an error: it is a typo or a
// stale override.
func applyEnv(where string, env []EnvVar, changes []EnvVar, errs *errorList) []EnvVar {
	out := cloneEnv(env)
	for _, c := range changes {
		i := slices.IndexFunc(out, func(e EnvVar) bool { return e.Name == c.Name })
		if kinds := c.kinds(); c.Remove && len(kinds) > 0 {
			// Which was meant, the removal or the new value, is not for this code to guess.
			errs.add("%s (%s): remove takes no source (found %s)", where, c.Name, strings.Join(kinds, ", "))
			continue
		}
		switch {
		case c.Remove && i < 0:
			names := make([]string, len(out))
			for j, e := range out {
				names[j] = e.Name
			}
			errs.add("%s (%s): remove names no entry of the service's env%s", where, c.Name,
				didYouMean(c.Name, names))
		case c.Remove:
			out = slices.Delete(out, i, i+1)
		case i >= 0:
			out[i] = c.clone()
		default:
			out = append(out, c.clone())
		}
	}
	return out
}
