package catalogue

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseOverridesReadsTheDocumentedFormat(t *testing.T) {
	o, err := ParseOverrides([]byte(`{
		"modules": {"m_pgr": {"enabled": false}, "tracing": {"enabled": true}},
		"services": {"egov-user": {"tag": "v1.2.9-abc", "replicas": 3, "memoryLimit": "1Gi",
			"heap": "-Xmx512m -Xms512m", "cpuRequest": "200m", "env": [{"name": "FOO", "value": "bar"}],
			"autoscaling": {"min": 3, "max": 6, "targetCpu": 70}}},
		"add": [{"name": "my-svc", "module": "core", "image": "egovio/my-svc", "tag": "v1", "port": 8080,
			"contextPath": "my-svc", "migration": {"image": "egovio/my-svc-db", "schemaTable": "my_svc_schema"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if e := o.Modules["m_pgr"].Enabled; e == nil || *e {
		t.Errorf("modules.m_pgr.enabled = %v, want false", e)
	}
	u := o.Services["egov-user"]
	if *u.Tag != "v1.2.9-abc" || *u.Replicas != 3 || *u.MemoryLimit != "1Gi" || *u.CPURequest != "200m" ||
		len(u.Env) != 1 || u.Env[0].Name != "FOO" || *u.Env[0].Value != "bar" || *u.Autoscaling != (Autoscaling{3, 6, 70}) {
		t.Errorf("services.egov-user decoded wrongly: %+v", u)
	}
	if len(o.Add) != 1 || o.Add[0].Module != "core" || o.Add[0].Name != "my-svc" ||
		o.Add[0].Migration.SchemaTable != "my_svc_schema" {
		t.Errorf("add decoded wrongly: %+v", o.Add)
	}
	// An added entry that omits replicas gets 1, not 0 (which would park it).
	if o.Add[0].Replicas != 1 {
		t.Errorf("add[0].replicas = %d, want the default 1", o.Add[0].Replicas)
	}
	// A replicas override that is absent stays absent (nil), so it changes nothing.
	if o, _ := ParseOverrides([]byte(`{"services": {"egov-user": {"tag": "x"}}}`)); o.Services["egov-user"].Replicas != nil {
		t.Error("an omitted replicas override decoded as a value")
	}
}

func TestParseOverridesIsStrict(t *testing.T) {
	cases := []struct {
		name, json string
		want       []string
	}{
		{"unknown service field", `{"services": {"egov-user": {"tagg": "v1"}}}`,
			[]string{"digit:catalogue.services.egov-user.tagg: unknown field", "allowed: autoscaling, cpuRequest, env, heap, image"}},
		{"unknown top-level field", `{"service": {}}`,
			[]string{"digit:catalogue.service: unknown field (allowed: add, configRepos, modules, services)"}},
		{"unknown module field", `{"modules": {"m_pgr": {"enable": true}}}`,
			[]string{"digit:catalogue.modules.m_pgr.enable: unknown field (allowed: enabled)"}},
		{"unknown autoscaling field", `{"services": {"egov-user": {"autoscaling": {"target": 70}}}}`,
			[]string{"digit:catalogue.services.egov-user.autoscaling.target: unknown field"}},
		{"unknown field of an added service", `{"add": [{"name": "x", "module": "core", "ports": 8080}]}`,
			[]string{"digit:catalogue.add[0].ports: unknown field", "contextPath", "module"}},
		{"unknown field of an added migration", `{"add": [{"name": "x", "migration": {"table": "t"}}]}`,
			[]string{"digit:catalogue.add[0].migration.table: unknown field (allowed: image, schemaTable, tag)"}},
		{"wrong type", `{"services": {"egov-user": {"replicas": "3"}}}`,
			[]string{`digit:catalogue.services.egov-user.replicas: want an integer, got "3"`}},
		{"wrong type for a map", `{"services": {"egov-user": {"env": ["FOO=bar"]}}}`,
			[]string{"digit:catalogue.services.egov-user.env[0]: want an object, got \"FOO=bar\""}},
		{"not an object", `["m_pgr"]`, []string{"digit:catalogue: want an object, got a list"}},
		{"not JSON", `{modules: }`, []string{"digit:catalogue: not valid JSON"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseOverrides([]byte(tc.json))
			if err == nil {
				t.Fatalf("ParseOverrides(%s) accepted it", tc.json)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestParseOverridesReportsEveryUnknownField(t *testing.T) {
	_, err := ParseOverrides([]byte(`{"services": {"egov-user": {"tagg": "v1", "replica": 2}}}`))
	if err == nil || !strings.Contains(err.Error(), ".tagg:") || !strings.Contains(err.Error(), ".replica:") {
		t.Errorf("want both unknown fields reported, got %v", err)
	}
}

func TestEmptyOverridesChangeNothing(t *testing.T) {
	for _, in := range []string{"", "  ", "null", "{}"} {
		o, err := ParseOverrides([]byte(in))
		if err != nil {
			t.Errorf("ParseOverrides(%q): %v", in, err)
			continue
		}
		if len(o.Modules) != 0 || len(o.Services) != 0 || len(o.Add) != 0 {
			t.Errorf("ParseOverrides(%q) = %+v, want empty", in, o)
		}
	}
}

func TestDefaultYAMLIsParsedStrictly(t *testing.T) {
	_, err := Parse([]byte("modules:\n- name: x\n  enabeld: true\n"))
	if err == nil || !strings.Contains(err.Error(), "catalogue.modules[0].enabeld: unknown field") {
		t.Errorf("want an unknown-field error with its path, got %v", err)
	}
	_, err = Parse([]byte("backbone:\n  kafka:\n    tag: 5.4\n"))
	if err == nil || !strings.Contains(err.Error(), "catalogue.backbone.kafka.tag: want a string, got 5.4") {
		t.Errorf("an unquoted numeric tag must be refused (YAML reads 5.4 as a number), got %v", err)
	}
}

// An override past MaxOverridesBytes is refused by size before it is decoded; one at the limit is decoded.
func TestOversizedOverridesAreRefusedBySize(t *testing.T) {
	wrap := func(n int) string {
		const head, tail = `{"services": {"egov-user": {"tag": "`, `"}}}`
		return head + strings.Repeat("v", n-len(head)-len(tail)) + tail
	}
	_, err := ParseOverrides([]byte(wrap(MaxOverridesBytes + 1)))
	want := fmt.Sprintf("digit:catalogue: %d bytes (allowed: at most %d)", MaxOverridesBytes+1, MaxOverridesBytes)
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("oversized overrides: got %v, want an error starting %q", err, want)
	}
	if len(fmt.Sprint(err)) > 400 {
		t.Errorf("the error quotes the override (%d characters)", len(fmt.Sprint(err)))
	}
	o, err := ParseOverrides([]byte(wrap(MaxOverridesBytes)))
	if err != nil || o.Services["egov-user"].Tag == nil {
		t.Errorf("overrides of exactly %d bytes: %v", MaxOverridesBytes, err)
	}
}
