package aws

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/aws/awstest"
)

// run runs program against fresh mocks and fails the test on error.
func run(t *testing.T, program pulumi.RunFunc) *awstest.Mocks {
	t.Helper()
	m := awstest.New()
	if err := m.Run(program); err != nil {
		t.Fatalf("program failed: %v", err)
	}
	return m
}

// expectArgError runs program, which must fail naming field, before registering anything.
func expectArgError(t *testing.T, field string, program pulumi.RunFunc) {
	t.Helper()
	m := awstest.New()
	err := m.Run(program)
	if err == nil {
		t.Fatalf("expected an error naming %s, got none", field)
	}
	if !strings.Contains(err.Error(), field+":") {
		t.Errorf("error does not name field %s: %v", field, err)
	}
	if rs := m.All(); len(rs) != 0 {
		t.Errorf("%d resources registered before the %s error (first: %s %s)", len(rs), field, rs[0].Type, rs[0].Name)
	}
}

// component returns the single component of that type token.
func component(t *testing.T, m *awstest.Mocks, token string) awstest.Resource {
	t.Helper()
	cs := m.ByType(token)
	if len(cs) != 1 {
		t.Fatalf("%d %s components registered, want 1", len(cs), token)
	}
	return cs[0]
}

// assertAllParented checks that every registered resource other than the component is its direct child, so that
// the component's options (provider, protect inheritance, aliases) reach all of them.
func assertAllParented(t *testing.T, m *awstest.Mocks, token string) {
	t.Helper()
	comp := component(t, m, token)
	for _, r := range m.All() {
		if r.URN != comp.URN && r.Parent != comp.URN {
			t.Errorf("%s %s is parented to %q, not the %s component", r.Type, r.Name, r.Parent, token)
		}
	}
}

// only returns the single resource of that type.
func only(t *testing.T, m *awstest.Mocks, token string) awstest.Resource {
	t.Helper()
	rs := m.ByType(token)
	if len(rs) != 1 {
		t.Fatalf("%d %s registered, want 1", len(rs), token)
	}
	return rs[0]
}

// toStrings turns a decoded JSON string array (or a single string) into a []string.
func toStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, _ := e.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}
