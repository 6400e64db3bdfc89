package catalogue

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// addJSON is the JSON of an overrides value adding one service: a valid entry with some fields replaced.
func addJSON(t *testing.T, changes map[string]any) string {
	t.Helper()
	entry := map[string]any{"name": "my-svc", "module": "core", "image": "egovio/my-svc", "tag": "v1", "port": 8080,
		"contextPath": "my-svc"}
	for k, v := range changes {
		entry[k] = v
	}
	b, err := json.Marshal(map[string]any{"add": []any{entry}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func findModule(t *testing.T, c *Catalogue, name string) *Module {
	t.Helper()
	for i := range c.Modules {
		if c.Modules[i].Name == name {
			return &c.Modules[i]
		}
	}
	t.Fatalf("no module %s", name)
	return nil
}

func TestMalformedCataloguesAreRejectedWithTheEntryNamed(t *testing.T) {
	cases := []struct {
		name      string
		overrides string                           // JSON of digit:catalogue (may be built by addJSON)
		mutate    func(t *testing.T, c *Catalogue) // changes to the base catalogue
		build     func(t *testing.T) string        // builds overrides that need the test
		want      []string                         // all must appear in the error
	}{
		{name: "unknown module", overrides: `{"modules": {"m_pgrr": {"enabled": true}}}`,
			want: []string{`digit:catalogue.modules.m_pgrr: unknown module`, `did you mean "m_pgr"`, "allowed: backbone, gateway"}},
		{name: "unknown service", overrides: `{"services": {"egov-usr": {"tag": "v1"}}}`,
			want: []string{`digit:catalogue.services.egov-usr: unknown service`, `did you mean "egov-user"`}},
		{name: "added to an unknown module", build: func(t *testing.T) string { return addJSON(t, map[string]any{"module": "payments"}) },
			want: []string{`digit:catalogue.add[0] (my-svc).module: unknown module "payments"`, "allowed: backbone"}},
		{name: "missing dependency", mutate: func(t *testing.T, c *Catalogue) {
			m := findModule(t, c, "business")
			m.Dependencies = append(m.Dependencies, "payments")
		}, want: []string{`module business: depends on "payments", which is not a module of the catalogue (missing dependency`}},
		{name: "dependency cycle", mutate: func(t *testing.T, c *Catalogue) {
			findModule(t, c, "backbone").Dependencies = []string{"business"}
		}, want: []string{"dependency cycle backbone -> business -> core -> backbone"}},
		{name: "enabled module with a disabled dependency", overrides: `{"modules": {"core": {"enabled": false}}}`,
			want: []string{"module business: is enabled but its dependency core is disabled (enable core or disable business)",
				"module frontend: is enabled but its dependency core is disabled"}},
		{name: "duplicate service name", build: func(t *testing.T) string {
			return addJSON(t, map[string]any{"name": "egov-user", "module": "business", "contextPath": ""})
		}, want: []string{"service egov-user (module business): duplicate service name, already in module core"}},
		{name: "malformed image", overrides: `{"services": {"egov-user": {"image": "egovio/Egov User"}}}`,
			want: []string{"service egov-user (module core): image", "is not an image reference", "allowed: a lowercase repository path"}},
		{name: "image with a registry", overrides: `{"services": {"egov-user": {"image": "quay.io/egovio/egov-user"}}}`,
			want: []string{"service egov-user (module core): image", "names a registry host"}},
		{name: "malformed tag", overrides: `{"services": {"egov-user": {"tag": "-v1:2"}}}`,
			want: []string{`service egov-user (module core): tag "-v1:2" is not a valid tag`}},
		{name: "port out of range", build: func(t *testing.T) string { return addJSON(t, map[string]any{"port": 70000}) },
			want: []string{"service my-svc (module core): port 70000 is out of range (allowed: 1..65535)"}},
		{name: "too many replicas", overrides: `{"services": {"egov-user": {"replicas": 51}}}`,
			want: []string{"service egov-user (module core): replicas 51 is out of range (allowed: 0..50"}},
		{name: "negative replicas", overrides: `{"services": {"egov-user": {"replicas": -1}}}`,
			want: []string{"service egov-user (module core): replicas -1 is out of range (allowed: 0..50"}},
		{name: "memory not a quantity", overrides: `{"services": {"egov-user": {"memoryLimit": "lots"}}}`,
			want: []string{`service egov-user (module core): memory limit "lots" is not a Kubernetes quantity`}},
		{name: "memory too small", overrides: `{"services": {"egov-user": {"memoryLimit": "32Mi", "heap": ""}}}`,
			want: []string{"service egov-user (module core): memory limit 32Mi is out of range (allowed: 64Mi..64Gi)"}},
		{name: "memory too large", overrides: `{"services": {"egov-user": {"memoryLimit": "128Gi"}}}`,
			want: []string{"service egov-user (module core): memory limit 128Gi is out of range (allowed: 64Mi..64Gi)"}},
		{name: "heap larger than memory", overrides: `{"services": {"egov-user": {"heap": "-Xmx1g -Xms1g"}}}`,
			want: []string{`service egov-user (module core): heap "-Xmx1g -Xms1g": -Xmx (1024Mi) is greater than the memory limit 512Mi`}},
		{name: "cpu not a quantity", overrides: `{"services": {"egov-user": {"cpuRequest": "fast"}}}`,
			want: []string{`service egov-user (module core): cpu request "fast" is not a Kubernetes quantity`}},
		{name: "cpu too large", overrides: `{"services": {"egov-user": {"cpuRequest": "32"}}}`,
			want: []string{"service egov-user (module core): cpu request 32 is out of range (allowed: more than 0, at most 16)"}},
		{name: "autoscaling min above max", overrides: `{"services": {"egov-user": {"autoscaling": {"min": 5, "max": 2}}}}`,
			want: []string{"service egov-user (module core): autoscaling min 5 is greater than max 2"}},
		{name: "autoscaling max too large", overrides: `{"services": {"egov-user": {"autoscaling": {"max": 101}}}}`,
			want: []string{"service egov-user (module core): autoscaling max 101 is out of range (allowed: at most 100)"}},
		{name: "context path with a slash", build: func(t *testing.T) string { return addJSON(t, map[string]any{"contextPath": "my/svc"}) },
			want: []string{`service my-svc (module core): context path "my/svc" must be one path segment without slashes or spaces`}},
		{name: "context path with a space", build: func(t *testing.T) string { return addJSON(t, map[string]any{"contextPath": "my svc"}) },
			want: []string{`service my-svc (module core): context path "my svc" must be one path segment`}},
		{name: "duplicate context path", build: func(t *testing.T) string { return addJSON(t, map[string]any{"contextPath": "user"}) },
			want: []string{`service my-svc (module core): context path "user" is already routed to service egov-user`}},
		{name: "unknown config key", build: func(t *testing.T) string {
			return addJSON(t, map[string]any{"env": []map[string]any{{"name": "DB_PASSWORD", "config": "db-password"}}})
		}, want: []string{`service my-svc (module core): env[0] (DB_PASSWORD): config "db-password" is not an egov-config key`}},
		{name: "env entry with two sources", build: func(t *testing.T) string {
			return addJSON(t, map[string]any{"env": []map[string]any{{"name": "X", "value": "1", "config": "db-url"}}})
		}, want: []string{`service my-svc (module core): env[0] (X): needs exactly one source (allowed: value, config, serviceHost, secret, fieldRef, checkout; found value, config)`}},
		{name: "env entry without a source", build: func(t *testing.T) string {
			return addJSON(t, map[string]any{"env": []map[string]any{{"name": "X"}}})
		}, want: []string{`service my-svc (module core): env[0] (X): needs exactly one source`}},
		{name: "env entry listed twice", build: func(t *testing.T) string {
			return addJSON(t, map[string]any{"env": []map[string]any{{"name": "X", "value": "1"}, {"name": "X", "value": "2"}}})
		}, want: []string{`service my-svc (module core): env[1] (X): X is listed twice`}},
		{name: "env entry for the heap", build: func(t *testing.T) string {
			return addJSON(t, map[string]any{"env": []map[string]any{{"name": "JAVA_OPTS", "value": "-Xmx1g"}}})
		}, want: []string{`service my-svc (module core): env[0] (JAVA_OPTS): JAVA_OPTS is set from the service's heap field`}},
		{name: "env service host of no service", build: func(t *testing.T) string {
			return addJSON(t, map[string]any{"env": []map[string]any{{"name": "MDMS_HOST", "serviceHost": "egov-mdms-servce"}}})
		}, want: []string{`service my-svc (module core): env[0] (MDMS_HOST): serviceHost "egov-mdms-servce" is not a catalogue service; did you mean "egov-mdms-service"?`}},
		{name: "env secret of no catalogue Secret", build: func(t *testing.T) string {
			return addJSON(t, map[string]any{"env": []map[string]any{{"name": "P", "secret": map[string]string{"name": "sms", "key": "password"}}}})
		}, want: []string{`service my-svc (module core): env[0] (P): secret "sms" is not a catalogue Secret`}},
		{name: "env secret key the Secret lacks", build: func(t *testing.T) string {
			return addJSON(t, map[string]any{"env": []map[string]any{{"name": "P", "secret": map[string]string{"name": "egov-notification-sms", "key": "pasword"}}}})
		}, want: []string{`service my-svc (module core): env[0] (P): secret egov-notification-sms has no key "pasword"; did you mean "password"?`}},
		{name: "env checkout without git sync", build: func(t *testing.T) string {
			return addJSON(t, map[string]any{"env": []map[string]any{{"name": "F", "checkout": map[string]any{"paths": []string{"a.yml"}}}}})
		}, want: []string{`service my-svc (module core): env[0] (F): checkout paths need a gitSync repository on the service`}},
		{name: "env checkout path escaping the repository", build: func(t *testing.T) string {
			return addJSON(t, map[string]any{"gitSync": map[string]string{"repo": "configs"},
				"env": []map[string]any{{"name": "F", "checkout": map[string]any{"paths": []string{"../etc/passwd"}}}}})
		}, want: []string{`service my-svc (module core): env[0] (F): checkout path "../etc/passwd" must be relative to the repository root`}},
		{name: "env remove in a catalogue entry", build: func(t *testing.T) string {
			return addJSON(t, map[string]any{"env": []map[string]any{{"name": "F", "remove": true}}})
		}, want: []string{`service my-svc (module core): env[0] (F): remove is only allowed in a stack's overrides`}},
		{name: "env override removes a name the service lacks", overrides: `{"services": {"egov-user": {"env": [{"name": "SPRING_REDIS_HOTS", "remove": true}]}}}`,
			want: []string{`digit:catalogue.services.egov-user.env (SPRING_REDIS_HOTS): remove names no entry of the service's env; did you mean "SPRING_REDIS_HOST"?`}},
		{name: "git sync of no config repository", build: func(t *testing.T) string {
			return addJSON(t, map[string]any{"gitSync": map[string]string{"repo": "config"}})
		}, want: []string{`service my-svc (module core): gitSync repo "config" is not one of the catalogue's configRepos; did you mean "configs"?`}},
		{name: "config repository pinned to a branch name as commit", overrides: `{"configRepos": {"configs": {"commit": "UNIFIED-DEV"}}}`,
			want: []string{`configRepos.configs: commit "UNIFIED-DEV" is not a full 40-hex commit id`}},
		{name: "unknown config repository", overrides: `{"configRepos": {"mdms": {"branch": "DEV"}}}`,
			want: []string{`digit:catalogue.configRepos.mdms: unknown config repository`}},
		{name: "config repository over ssh", overrides: `{"configRepos": {"configs": {"url": "git@github.com:egovernments/configs"}}}`,
			want: []string{`configRepos.configs: url "git@github.com:egovernments/configs" must be an https URL without credentials`}},
		{name: "globalConfigs on a backend", overrides: `{"add": [{"name": "my-svc", "module": "core", "image": "egovio/my-svc", "tag": "v1", "port": 8080, "contextPath": "my-svc", "globalConfigs": {"A": "b"}}]}`,
			want: []string{`service my-svc (module core): globalConfigs are for frontends (kind frontend)`}},
		{name: "globalConfigs value that would end the nginx directive", build: func(t *testing.T) string {
			return addJSON(t, map[string]any{"module": "frontend", "kind": "frontend", "globalConfigs": map[string]string{"TITLE": "it's"}})
		}, want: []string{`service my-svc (module frontend): globalConfigs TITLE: the value may not contain quotes`}},
		{name: "globalConfigs value nginx would read as a variable", build: func(t *testing.T) string {
			return addJSON(t, map[string]any{"module": "frontend", "kind": "frontend", "globalConfigs": map[string]string{"PRICE": "$host"}})
		}, want: []string{`service my-svc (module frontend): globalConfigs PRICE: the value may not contain`, "'$'"}},
		{name: "globalConfigs value with a line break", build: func(t *testing.T) string {
			return addJSON(t, map[string]any{"module": "frontend", "kind": "frontend", "globalConfigs": map[string]string{"A": "x\ny"}})
		}, want: []string{`service my-svc (module frontend): globalConfigs A: the value may not contain`}},
		{name: "unknown kind", build: func(t *testing.T) string { return addJSON(t, map[string]any{"kind": "python"}) },
			want: []string{`service my-svc (module core): kind "python" is not allowed (allowed: java, node, frontend)`}},
		{name: "heap on a frontend", overrides: `{"services": {"citizen": {"heap": "-Xmx64m"}}}`,
			want: []string{`service citizen (module frontend): heap "-Xmx64m" is set on a frontend`}},
		{name: "parked service with an autoscaler", overrides: `{"services": {"egov-user": {"replicas": 0, "autoscaling": {"max": 4}}}}`,
			want: []string{"service egov-user (module core): autoscaling is set but replicas is 0"}},
		{name: "cpu limit below request (upstream's kafka sizing)", mutate: func(t *testing.T, c *Catalogue) {
			c.Backbone.Kafka.Resources = Resources{Requests: ResourceList{CPU: "2000m", Memory: "1408Mi"},
				Limits: ResourceList{CPU: "500m", Memory: "1408Mi"}}
		}, want: []string{"backbone.kafka (kafka-v2): cpu limit 500m is below the request 2000m (allowed: limit >= request)"}},
		{name: "kafka replication above the broker count", mutate: func(t *testing.T, c *Catalogue) {
			c.Backbone.Kafka.Replicas = 1
		}, want: []string{"backbone.kafka: replicationFactor 3 is out of range (allowed: 1..replicas, here 1)"}},
		{name: "gateway removed while services route through it", mutate: func(t *testing.T, c *Catalogue) {
			findModule(t, c, "gateway").Services[0].Role = ""
		}, want: []string{"module gateway: enabled services route through the gateway (viaZuul) but no enabled service has role gateway"}},
		// One unknown name does not hide the next one of its section.
		{name: "every unknown override", overrides: `{"modules": {"aaa": {"enabled": true}, "zzz": {"enabled": true}},
			"services": {"aa-svc": {"tag": "v1"}, "zz-svc": {"tag": "v1"}},
			"configRepos": {"aa-repo": {"branch": "main"}, "zz-repo": {"branch": "main"}},
			"add": [{"name": "a-svc", "module": "nope1"}, {"name": "b-svc", "module": "nope2"}, {"name": "c-svc"}]}`,
			want: []string{"digit:catalogue.modules.aaa: unknown module", "digit:catalogue.modules.zzz: unknown module",
				"digit:catalogue.services.aa-svc: unknown service", "digit:catalogue.services.zz-svc: unknown service",
				"digit:catalogue.configRepos.aa-repo: unknown config repository",
				"digit:catalogue.configRepos.zz-repo: unknown config repository",
				`digit:catalogue.add[0] (a-svc).module: unknown module "nope1"`,
				`digit:catalogue.add[1] (b-svc).module: unknown module "nope2"`,
				"digit:catalogue.add[2] (c-svc).module: required: the module the service joins (allowed: backbone, "}},
		// Remove or replace: the override does not say, and neither is guessed. The next entry is still read.
		{name: "a remove with a source", overrides: `{"services": {"egov-user": {"env": [
			{"name": "SPRING_REDIS_HOST", "remove": true, "value": "x"}, {"name": "NO_SUCH_VAR", "remove": true}]}}}`,
			want: []string{"digit:catalogue.services.egov-user.env (SPRING_REDIS_HOST): remove takes no source (found value)",
				"(NO_SUCH_VAR): remove names no entry of the service's env"}},
		{name: "a remove in an added service, then an entry without a source", build: func(t *testing.T) string {
			return addJSON(t, map[string]any{"env": []any{map[string]any{"name": "A", "remove": true}, map[string]any{"name": "B"}}})
		}, want: []string{"(A): remove is only allowed in a stack's overrides", "(B): needs exactly one source"}},
		{name: "pod security waivers", mutate: func(t *testing.T, c *Catalogue) {
			c.PodSecurity = map[string]PodSecurityWaiver{
				"egv":               {Level: "baseline", Reason: "r"},
				"backbone":          {Level: "restricted", Reason: "r"},
				"kafka-cluster":     {Level: "root", Reason: "r"},
				"zookeeper-cluster": {Level: "baseline"},
				"es-cluster":        {Level: "privileged", Reason: "fine"},
			}
		}, want: []string{`podSecurity.egv: egv is not a namespace of the catalogue; did you mean "egov"?`,
			`podSecurity.backbone: level "restricted" is not a waiver (allowed: baseline, privileged; restricted is the default, not listed)`,
			`podSecurity.kafka-cluster: level "root" is not a waiver`,
			"podSecurity.zookeeper-cluster: reason is required (which pods need baseline, and what of theirs)"}},
		{name: "a cycle behind a missing dependency", mutate: func(t *testing.T, c *Catalogue) {
			findModule(t, c, "backbone").Dependencies = []string{"payments", "business"}
		}, want: []string{`module backbone: depends on "payments"`, "dependency cycle backbone -> business -> core -> backbone"}},
	}
	if len(cases) < 15 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := mustDefault(t)
			if tc.mutate != nil {
				tc.mutate(t, base)
			}
			js := tc.overrides
			if tc.build != nil {
				js = tc.build(t)
			}
			o, err := ParseOverrides([]byte(js))
			if err != nil {
				t.Fatalf("ParseOverrides(%s): %v", js, err)
			}
			r, err := Resolve(base, o)
			if err == nil {
				t.Fatal("Resolve accepted a malformed catalogue")
			}
			if r != nil {
				t.Error("Resolve returned a Resolved along with an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestAllErrorsAreReportedInAStableOrder(t *testing.T) {
	js := `{"services": {"egov-user": {"replicas": 99, "cpuRequest": "fast"}, "citizen": {"tag": "-x"}},
		"modules": {"nope": {"enabled": true}}}`
	_, first := resolveJSON(t, js)
	if first == nil {
		t.Fatal("no error")
	}
	var joined interface{ Unwrap() []error }
	if !errors.As(first, &joined) || len(joined.Unwrap()) != 4 {
		t.Fatalf("want 4 joined errors, got:\n%v", first)
	}
	lines := strings.Split(first.Error(), "\n")
	for i := 1; i < len(lines); i++ {
		if lines[i-1] > lines[i] {
			t.Errorf("errors not sorted: %q before %q", lines[i-1], lines[i])
		}
	}
	for i := 0; i < 5; i++ {
		if _, again := resolveJSON(t, js); again.Error() != first.Error() {
			t.Fatalf("error text differs between runs:\n%v\n---\n%v", first, again)
		}
	}
}

func TestJVMSizes(t *testing.T) {
	cases := map[string]int64{"256m": 256 << 20, "1g": 1 << 30, "1G": 1 << 30, "704M": 704 << 20, "1048576": 1 << 20,
		"512k": 512 << 10, "": -1, "1.5g": -1, "m": -1}
	for in, want := range cases {
		if got := jvmBytes(in); got != want {
			t.Errorf("jvmBytes(%q) = %d, want %d", in, got, want)
		}
	}
}
