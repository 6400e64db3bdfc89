package catalogue

import (
	"errors"
	"fmt"
	psaapi "k8s.io/pod-security-admission/api"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Limits that validation enforces. They are sanity bounds that catch typos (5Ti for 5Gi, replicas 500), not
// recommendations.
const (
	minServiceMemory = "64Mi"
	maxMemory        = "64Gi"
	maxCPU           = "16"
	maxReplicas      = 50
	maxAutoscaling   = 100
)

var (
	dnsLabelRe    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	moduleNameRe  = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	contextPathRe = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)
	schemaTableRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
	envNameRe     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	retentionRe   = regexp.MustCompile(`^[0-9]+(ms|s|m|h|d|w|y)$`)
	// A JVM size: digits with an optional k/m/g/t suffix (either case).
	jvmSizeRe = regexp.MustCompile(`^([0-9]+)([kKmMgGtT]?)$`)
)

// errorList collects validation errors; err joins them sorted and deduplicated, so the message is deterministic.
type errorList struct{ errs []error }

func (l *errorList) add(format string, args ...any) {
	l.errs = append(l.errs, fmt.Errorf(format, args...))
}

func (l *errorList) err() error { return joinSorted(l.errs) }

func joinSorted(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, 0, len(errs))
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	sort.Strings(msgs)
	msgs = slices.Compact(msgs)
	out := make([]error, len(msgs))
	for i, m := range msgs {
		out[i] = errors.New(m)
	}
	return errors.Join(out...)
}

// validate checks a whole catalogue (every module and service, enabled or not, so that switching a module on later
// cannot surface old mistakes).
func validate(c *Catalogue, errs *errorList) {
	validateModules(c, errs)
	validateServices(c, errs)
	validateSections(c, errs)
	validatePodSecurity(c, errs)
}

func validateModules(c *Catalogue, errs *errorList) {
	byName := map[string]Module{}
	var names []string
	for i, m := range c.Modules {
		if m.Name == "" {
			errs.add("modules[%d]: name is required", i)
			continue
		}
		if _, dup := byName[m.Name]; dup {
			errs.add("module %s: declared twice (module names must be unique)", m.Name)
			continue
		}
		byName[m.Name] = m
		names = append(names, m.Name)
		if !moduleNameRe.MatchString(m.Name) || len(m.Name) > 63 {
			errs.add("module %s: name must be lowercase letters, digits, '-' and '_', starting with a letter "+
				"(at most 63)", m.Name)
		}
		if !dnsLabelRe.MatchString(m.Namespace) || len(m.Namespace) > 63 {
			errs.add("module %s: namespace %q is not a Kubernetes namespace name (allowed: lowercase letters, "+
				"digits and '-', at most 63)", m.Name, m.Namespace)
		}
	}
	known := strings.Join(names, ", ")
	for _, m := range c.Modules {
		for _, d := range m.Dependencies {
			dep, ok := byName[d]
			switch {
			case !ok:
				errs.add("module %s: depends on %q, which is not a module of the catalogue (missing dependency; "+
					"known: %s)", m.Name, d, known)
			case m.Enabled && !dep.Enabled:
				errs.add("module %s: is enabled but its dependency %s is disabled (enable %s or disable %s)",
					m.Name, d, d, m.Name)
			}
		}
	}
	for _, cycle := range findCycles(c.Modules, byName) {
		errs.add("module %s: dependency cycle %s (modules must not depend on themselves, directly or "+
			"through others)", cycle[0], strings.Join(cycle, " -> "))
	}
	for _, s := range sectionModules {
		if _, ok := byName[s]; !ok {
			errs.add("module %s: missing; the catalogue's %s section belongs to it", s, s)
		}
	}
}

// findCycles returns each dependency cycle once, as a path that starts and ends with its alphabetically first
// module (a -> b -> a).
func findCycles(modules []Module, byName map[string]Module) [][]string {
	const (
		unvisited = iota
		onStack
		done
	)
	state := map[string]int{}
	var stack []string
	seen := map[string]bool{}
	var cycles [][]string

	var visit func(name string)
	visit = func(name string) {
		state[name] = onStack
		stack = append(stack, name)
		for _, d := range byName[name].Dependencies {
			if _, ok := byName[d]; !ok {
				continue // reported as a missing dependency
			}
			switch state[d] {
			case unvisited:
				visit(d)
			case onStack:
				start := slices.Index(stack, d)
				cycle := append([]string{}, stack[start:]...)
				// Rotate so that the alphabetically first module leads, then close the loop.
				first := slices.Index(cycle, slices.Min(cycle))
				cycle = append(cycle[first:], cycle[:first]...)
				cycle = append(cycle, cycle[0])
				if key := strings.Join(cycle, ">"); !seen[key] {
					seen[key] = true
					cycles = append(cycles, cycle)
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[name] = done
	}
	for _, m := range modules {
		// An unnamed module (reported above) has no dependencies to follow.
		if state[m.Name] == unvisited {
			visit(m.Name)
		}
	}
	return cycles
}

func validateServices(c *Catalogue, errs *errorList) {
	serviceNames := map[string]bool{}
	for _, m := range c.Modules {
		for _, s := range m.Services {
			serviceNames[s.Name] = true
		}
	}
	configKeys := map[string]bool{}
	for _, k := range EgovConfigKeys {
		configKeys[k] = true
	}
	secrets := checkSecrets(c.Secrets, errs)
	secrets[DBSecret] = map[string]bool{"username": true, "password": true, "flyway-username": true,
		"flyway-password": true}
	checkConfigRepos(c.ConfigRepos, secrets, errs)
	validateTemplates(c, envRefs{configKeys: configKeys, services: serviceNames, secrets: secrets}, errs)
	enabled := map[string]bool{}
	for _, m := range c.Modules {
		enabled[m.Name] = m.Enabled
	}

	owner := map[string]string{}        // service name -> module
	contextOwner := map[string]string{} // context path -> service
	var gateways, enabledGateways []string
	anyViaZuul := false
	for _, m := range c.Modules {
		for i, s := range m.Services {
			entry := fmt.Sprintf("service %s (module %s)", s.Name, m.Name)
			if s.Name == "" {
				entry = fmt.Sprintf("module %s: services[%d]", m.Name, i)
				errs.add("%s: name is required", entry)
			} else if prev, dup := owner[s.Name]; dup {
				errs.add("%s: duplicate service name, already in module %s (service names must be unique across "+
					"modules)", entry, prev)
			} else {
				owner[s.Name] = m.Name
			}
			validateService(entry, s, c, envRefs{configKeys: configKeys, services: serviceNames, secrets: secrets,
				hasGitSync: s.GitSync != nil}, errs)

			if s.ContextPath != "" {
				if prev, dup := contextOwner[s.ContextPath]; dup {
					errs.add("%s: context path %q is already routed to service %s (each ingress path serves "+
						"one service)", entry, s.ContextPath, prev)
				} else {
					contextOwner[s.ContextPath] = s.Name
				}
			}
			if s.Role == RoleGateway {
				gateways = append(gateways, s.Name)
				if enabled[m.Name] {
					enabledGateways = append(enabledGateways, s.Name)
				}
			}
			if s.ViaZuul && enabled[m.Name] {
				anyViaZuul = true
			}
		}
	}
	if len(gateways) > 1 {
		errs.add("services %s: more than one has role gateway (allowed: exactly one)", strings.Join(gateways, ", "))
	}
	if anyViaZuul && len(enabledGateways) == 0 {
		errs.add("module %s: enabled services route through the gateway (viaZuul) but no enabled service has "+
			"role gateway", ModuleGateway)
	}
}

func validateService(entry string, s Service, c *Catalogue, refs envRefs, errs *errorList) {
	if s.Name != "" && (!dnsLabelRe.MatchString(s.Name) || len(s.Name) > 63) {
		errs.add("%s: name is not a Kubernetes object name (allowed: lowercase letters, digits and '-', at most 63)",
			entry)
	}
	if !slices.Contains(Kinds, s.Kind) {
		errs.add("%s: kind %q is not allowed (allowed: %s)", entry, s.Kind, joinKinds(Kinds))
	}
	if s.Role != "" && s.Role != RoleGateway {
		errs.add("%s: role %q is not allowed (allowed: \"\" or %q)", entry, s.Role, RoleGateway)
	}
	if err := checkServiceImage(s.Image); err != nil {
		errs.add("%s: image %v", entry, err)
	}
	if err := checkTag(s.Tag); err != nil {
		errs.add("%s: tag %v", entry, err)
	}
	if s.Port < 1 || s.Port > 65535 {
		errs.add("%s: port %d is out of range (allowed: 1..65535)", entry, s.Port)
	}
	if s.ContextPath != "" && !contextPathRe.MatchString(s.ContextPath) {
		errs.add("%s: context path %q must be one path segment without slashes or spaces (allowed: letters, "+
			"digits, '.', '_', '~', '-'; \"\" for no ingress route)", entry, s.ContextPath)
	}
	if s.HealthPath != "" && (!strings.HasPrefix(s.HealthPath, "/") || strings.ContainsAny(s.HealthPath, " \t")) {
		errs.add("%s: health path %q must start with '/' and contain no spaces (\"\" probes the TCP port)", entry,
			s.HealthPath)
	}
	if mg := s.Migration; mg != nil {
		if err := checkServiceImage(mg.Image); err != nil {
			errs.add("%s: migration image %v", entry, err)
		}
		if mg.Tag != "" {
			if err := checkTag(mg.Tag); err != nil {
				errs.add("%s: migration tag %v", entry, err)
			}
		}
		if !schemaTableRe.MatchString(mg.SchemaTable) || len(mg.SchemaTable) > 63 {
			errs.add("%s: migration schema table %q is not a table name (allowed: letters, digits, '_' and '-', "+
				"not starting with a digit, at most 63)", entry, mg.SchemaTable)
		}
	}
	if g := s.GitSync; g != nil {
		if _, ok := c.ConfigRepos[g.Repo]; !ok {
			errs.add("%s: gitSync repo %q is not one of the catalogue's configRepos%s (allowed: %s)", entry, g.Repo,
				didYouMean(g.Repo, sortedKeys(c.ConfigRepos)), strings.Join(sortedKeys(c.ConfigRepos), ", "))
		}
	}
	if !slices.Contains(AppTypes, s.AppType) {
		errs.add("%s: appType %q is not allowed (allowed: %s)", entry, s.AppType, strings.Join(AppTypes, ", "))
	}
	checkEnv(entry+": env", s.Env, refs, errs)
	if len(s.GlobalConfigs) > 0 && s.Kind != KindFrontend {
		errs.add("%s: globalConfigs are for frontends (kind frontend)", entry)
	}
	for _, k := range sortedKeys(s.GlobalConfigs) {
		if !envNameRe.MatchString(k) {
			errs.add("%s: globalConfigs key %q is not an identifier (letters, digits, '_')", entry, k)
		}
		// The value lands in a JavaScript string inside a single-quoted nginx sub_filter directive, whose
		// replacement text reads $name as an nginx variable.
		if v := s.GlobalConfigs[k]; strings.ContainsAny(v, "'\"\\<>$\n\r") || len(v) > 2048 {
			errs.add("%s: globalConfigs %s: the value may not contain quotes, backslashes, '<', '>', '$' or line "+
				"breaks (at most 2048 characters)", entry, k)
		}
	}
	if s.DBConnections < 0 || s.DBConnections > 100 {
		errs.add("%s: dbConnections %d is out of range (allowed: 0..100; 0 takes the catalogue's pool size)", entry,
			s.DBConnections)
	}
	checkDeviations(entry+": deviations", s.Deviations, errs)
	if s.Replicas < 0 || s.Replicas > maxReplicas {
		errs.add("%s: replicas %d is out of range (allowed: 0..%d; 0 parks the service)", entry, s.Replicas,
			maxReplicas)
	}

	memory, memOK := parseQuantity(s.MemoryLimit)
	switch {
	case !memOK:
		errs.add("%s: memory limit %q is not a Kubernetes quantity (e.g. 512Mi, 1Gi)", entry, s.MemoryLimit)
	case memory.Cmp(resource.MustParse(minServiceMemory)) < 0 || memory.Cmp(resource.MustParse(maxMemory)) > 0:
		errs.add("%s: memory limit %s is out of range (allowed: %s..%s)", entry, s.MemoryLimit, minServiceMemory,
			maxMemory)
	}
	cpu, cpuOK := parseQuantity(s.CPURequest)
	switch {
	case !cpuOK:
		errs.add("%s: cpu request %q is not a Kubernetes quantity (e.g. 100m, 1)", entry, s.CPURequest)
	case cpu.Sign() <= 0 || cpu.Cmp(resource.MustParse(maxCPU)) > 0:
		// Zero is refused too: the autoscaler measures utilisation against the request.
		errs.add("%s: cpu request %s is out of range (allowed: more than 0, at most %s)", entry, s.CPURequest, maxCPU)
	}

	if s.Kind == KindFrontend && s.Heap != "" {
		errs.add("%s: heap %q is set on a frontend, which has no JVM (allowed: \"\")", entry, s.Heap)
	} else if memOK {
		checkJavaOpts(entry, "heap", s.Heap, memory, s.MemoryLimit, errs)
	}

	if a := s.Autoscaling; a != nil {
		if a.Min < 1 {
			errs.add("%s: autoscaling min %d must be at least 1", entry, a.Min)
		}
		if a.Min > a.Max {
			errs.add("%s: autoscaling min %d is greater than max %d (allowed: min <= max)", entry, a.Min, a.Max)
		}
		if a.Max > maxAutoscaling {
			errs.add("%s: autoscaling max %d is out of range (allowed: at most %d)", entry, a.Max, maxAutoscaling)
		}
		if a.TargetCPU < 1 || a.TargetCPU > 100 {
			errs.add("%s: autoscaling targetCpu %d is out of range (allowed: 1..100 percent of the cpu request)",
				entry, a.TargetCPU)
		}
	}

}

// validateTemplates checks the env templates: the app types' and tracing's exist, and their entries are valid.
func validateTemplates(c *Catalogue, refs envRefs, errs *errorList) {
	for _, name := range []string{AppTypeJavaSpring, templateTracing} {
		if _, ok := c.EnvTemplates[name]; !ok {
			errs.add("envTemplates: %s is required", name)
		}
	}
	for _, name := range sortedKeys(c.EnvTemplates) {
		if name != AppTypeJavaSpring && name != templateTracing {
			errs.add("envTemplates.%s: unknown template (allowed: %s, %s)", name, AppTypeJavaSpring, templateTracing)
			continue
		}
		t := c.EnvTemplates[name]
		checkEnv("envTemplates."+name+".env", t.Env, refs, errs)
		checkDeviations("envTemplates."+name+".deviations", t.Deviations, errs)
	}
	checkEnv("tracing.disabledEnv", c.Tracing.DisabledEnv, refs, errs)
	checkDeviations("deviations", c.Deviations, errs)
	db := c.Database
	for _, f := range []struct {
		name      string
		v, lo, hi int
	}{{"poolSize", db.PoolSize, 1, 100}, {"otherPoolSize", db.OtherPoolSize, 1, 100},
		{"migrationConnections", db.MigrationConnections, 0, 10}, {"reservedConnections", db.ReservedConnections, 0, 100}} {
		if f.v < f.lo || f.v > f.hi {
			errs.add("database.%s: %d is out of range (allowed: %d..%d)", f.name, f.v, f.lo, f.hi)
		}
	}
}

// checkJavaOpts checks JVM options: every token is an option, -Xms <= -Xmx, and -Xmx fits in the memory limit.
func checkJavaOpts(entry, field, opts string, limit resource.Quantity, limitText string, errs *errorList) {
	var xmx, xms int64 = -1, -1
	for _, tok := range strings.Fields(opts) {
		if !strings.HasPrefix(tok, "-") {
			errs.add("%s: %s %q: %q is not a JVM option (allowed: options such as -Xmx256m -Xms256m)", entry, field,
				opts, tok)
			continue
		}
		// The JVM takes the last occurrence of each, and so does this check.
		if v, ok := strings.CutPrefix(tok, "-Xmx"); ok {
			// -Xms0 leaves the initial heap to the JVM, but a maximum of 0 is "Too small maximum heap".
			switch xmx = jvmBytes(v); {
			case xmx < 0:
				errs.add("%s: %s %q: -Xmx%s is not a JVM size (e.g. -Xmx256m)", entry, field, opts, v)
			case xmx == 0:
				errs.add("%s: %s %q: -Xmx%s is no heap (the JVM refuses to start; allowed: more than 0)", entry,
					field, opts, v)
			}
		}
		if v, ok := strings.CutPrefix(tok, "-Xms"); ok {
			if xms = jvmBytes(v); xms < 0 {
				errs.add("%s: %s %q: -Xms%s is not a JVM size (e.g. -Xms256m)", entry, field, opts, v)
			}
		}
	}
	if xmx > 0 && xms > xmx {
		errs.add("%s: %s %q: -Xms is greater than -Xmx (the JVM refuses to start)", entry, field, opts)
	}
	if xmx > limit.Value() {
		errs.add("%s: %s %q: -Xmx (%dMi) is greater than the memory limit %s (allowed: -Xmx <= memory limit, "+
			"with room for non-heap memory)", entry, field, opts, xmx>>20, limitText)
	}
}

// jvmBytes converts a JVM size (256m, 1g, 1048576) to bytes; -1 when malformed.
func jvmBytes(v string) int64 {
	m := jvmSizeRe.FindStringSubmatch(v)
	if m == nil {
		return -1
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return -1
	}
	shift := map[string]uint{"": 0, "k": 10, "m": 20, "g": 30, "t": 40}[strings.ToLower(m[2])]
	return n << shift
}

func parseQuantity(s string) (resource.Quantity, bool) {
	if s == "" {
		return resource.Quantity{}, false
	}
	q, err := resource.ParseQuantity(s)
	return q, err == nil
}

func joinKinds[K ~string](kinds []K) string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = string(k)
	}
	return strings.Join(out, ", ")
}

// validateSections checks the workloads and settings of the backbone, gateway and infra sections.
// validatePodSecurity checks the waivers: each names a namespace of the catalogue, a level looser than restricted
// and a reason.
func validatePodSecurity(c *Catalogue, errs *errorList) {
	namespaces := (&Resolved{cat: c}).Namespaces()
	for _, ns := range sortedKeys(c.PodSecurity) {
		w := c.PodSecurity[ns]
		at := "podSecurity." + ns
		if !slices.Contains(namespaces, ns) {
			errs.add("%s: %s is not a namespace of the catalogue%s (allowed: %s)", at, ns, didYouMean(ns, namespaces),
				strings.Join(namespaces, ", "))
		}
		switch level, err := psaapi.ParseLevel(w.Level); {
		case err != nil || level == psaapi.LevelRestricted:
			errs.add("%s: level %q is not a waiver (allowed: %s, %s; restricted is the default, not listed)", at,
				w.Level, psaapi.LevelBaseline, psaapi.LevelPrivileged)
		case strings.TrimSpace(w.Reason) == "":
			errs.add("%s: reason is required (which pods need %s, and what of theirs)", at, w.Level)
		}
	}
}

func validateSections(c *Catalogue, errs *errorList) {
	b := c.Backbone
	validateWorkload("backbone.kafka", b.Kafka.Workload, errs)
	validateWorkload("backbone.zookeeper", b.Zookeeper, errs)
	validateWorkload("backbone.elasticsearchData", b.ElasticsearchData, errs)
	validateWorkload("backbone.elasticsearchMaster", b.ElasticsearchMaster, errs)
	validateWorkload("backbone.redis", b.Redis, errs)
	validateWorkload("backbone.kafkaConnect", b.KafkaConnect, errs)
	validateWorkload("backbone.kibana", b.Kibana, errs)
	validateWorkload("backbone.curator", b.Curator.Workload, errs)
	validateWorkload("gateway.ingressNginx", c.Gateway.IngressNginx, errs)
	validateWorkload("gateway.certManager.controller", c.Gateway.CertManager.Controller, errs)
	validateWorkload("gateway.certManager.webhook", c.Gateway.CertManager.Webhook, errs)
	validateWorkload("gateway.certManager.cainjector", c.Gateway.CertManager.CAInjector, errs)
	validateWorkload("logging.fluentBit", c.Logging.FluentBit, errs)
	validateWorkload("monitoring.prometheus", c.Monitoring.Prometheus, errs)
	validateWorkload("tracing.jaeger", c.Tracing.Jaeger, errs)

	k := b.Kafka
	if k.NumPartitions < 1 {
		errs.add("backbone.kafka: numPartitions %d must be at least 1", k.NumPartitions)
	}
	if k.ReplicationFactor < 1 || k.ReplicationFactor > k.Replicas {
		errs.add("backbone.kafka: replicationFactor %d is out of range (allowed: 1..replicas, here %d)",
			k.ReplicationFactor, k.Replicas)
	}
	if k.OffsetsReplicationFactor < 1 || k.OffsetsReplicationFactor > k.Replicas {
		errs.add("backbone.kafka: offsetsReplicationFactor %d is out of range (allowed: 1..replicas, here %d)",
			k.OffsetsReplicationFactor, k.Replicas)
	}
	if f := strings.Fields(b.Curator.Schedule); len(f) != 5 {
		errs.add("backbone.curator: schedule %q is not a five-field cron expression (e.g. \"0 18 * * *\")",
			b.Curator.Schedule)
	}
	if b.Curator.RetentionDays < 1 {
		errs.add("backbone.curator: retentionDays %d must be at least 1", b.Curator.RetentionDays)
	}
	if !retentionRe.MatchString(c.Monitoring.Retention) {
		errs.add("monitoring: retention %q is not a Prometheus duration (e.g. 2d, 12h)", c.Monitoring.Retention)
	}
	if c.Tracing.MaxTraces < 1 {
		errs.add("tracing: maxTraces %d must be at least 1", c.Tracing.MaxTraces)
	}
	if err := checkWorkloadImage(c.InitImages.GitSync.Image); err != nil {
		errs.add("initImages.gitSync: image %v", err)
	}
	if err := checkTag(c.InitImages.GitSync.Tag); err != nil {
		errs.add("initImages.gitSync: tag %v", err)
	}
}

func validateWorkload(path string, w Workload, errs *errorList) {
	entry := path
	if w.Name != "" {
		entry = fmt.Sprintf("%s (%s)", path, w.Name)
	}
	if !dnsLabelRe.MatchString(w.Name) || len(w.Name) > 63 {
		errs.add("%s: name %q is not a Kubernetes object name (allowed: lowercase letters, digits and '-', at most "+
			"63)", entry, w.Name)
	}
	if !dnsLabelRe.MatchString(w.Namespace) || len(w.Namespace) > 63 {
		errs.add("%s: namespace %q is not a Kubernetes namespace name (allowed: lowercase letters, digits and "+
			"'-', at most 63)", entry, w.Namespace)
	}
	if !slices.Contains(WorkloadKinds, w.Kind) {
		errs.add("%s: kind %q is not allowed (allowed: %s)", entry, w.Kind, joinKinds(WorkloadKinds))
	}
	if err := checkWorkloadImage(w.Image); err != nil {
		errs.add("%s: image %v", entry, err)
	}
	if err := checkTag(w.Tag); err != nil {
		errs.add("%s: tag %v", entry, err)
	}
	if w.Kind != DaemonSet && (w.Replicas < 0 || w.Replicas > maxReplicas) {
		errs.add("%s: replicas %d is out of range (allowed: 0..%d)", entry, w.Replicas, maxReplicas)
	}
	if w.Port < 0 || w.Port > 65535 {
		errs.add("%s: port %d is out of range (allowed: 1..65535, or 0 for none)", entry, w.Port)
	}

	cpuReq := checkResource(entry, "cpu request", w.Resources.Requests.CPU, true, maxCPU, errs)
	memReq := checkResource(entry, "memory request", w.Resources.Requests.Memory, true, maxMemory, errs)
	cpuLim := checkResource(entry, "cpu limit", w.Resources.Limits.CPU, false, maxCPU, errs)
	memLim := checkResource(entry, "memory limit", w.Resources.Limits.Memory, false, maxMemory, errs)
	// The class of mistake upstream's kafka sizing made (limit 500m, request 2000m): the API server rejects it.
	if cpuReq != nil && cpuLim != nil && cpuLim.Cmp(*cpuReq) < 0 {
		errs.add("%s: cpu limit %s is below the request %s (allowed: limit >= request)", entry,
			w.Resources.Limits.CPU, w.Resources.Requests.CPU)
	}
	if memReq != nil && memLim != nil && memLim.Cmp(*memReq) < 0 {
		errs.add("%s: memory limit %s is below the request %s (allowed: limit >= request)", entry,
			w.Resources.Limits.Memory, w.Resources.Requests.Memory)
	}
	if memLim != nil {
		checkJavaOpts(entry, "javaOpts", w.JavaOpts, *memLim, w.Resources.Limits.Memory, errs)
	} else if memReq != nil {
		checkJavaOpts(entry, "javaOpts", w.JavaOpts, *memReq, w.Resources.Requests.Memory, errs)
	}
	if w.VolumeSize != "" {
		if q, ok := parseQuantity(w.VolumeSize); !ok || q.Sign() <= 0 {
			errs.add("%s: volumeSize %q is not a positive Kubernetes quantity (e.g. 25Gi)", entry, w.VolumeSize)
		}
	}
}

// checkResource parses one quantity of a workload; nil when absent or invalid (and reported).
func checkResource(entry, what, value string, required bool, maxValue string, errs *errorList) *resource.Quantity {
	if value == "" {
		if required {
			errs.add("%s: %s is required (a Kubernetes quantity)", entry, what)
		}
		return nil
	}
	q, ok := parseQuantity(value)
	if !ok {
		errs.add("%s: %s %q is not a Kubernetes quantity (e.g. 500m, 1Gi)", entry, what, value)
		return nil
	}
	if q.Sign() <= 0 || q.Cmp(resource.MustParse(maxValue)) > 0 {
		errs.add("%s: %s %s is out of range (allowed: more than 0, at most %s)", entry, what, value, maxValue)
		return nil
	}
	return &q
}
