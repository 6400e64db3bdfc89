package aws

import (
	"regexp"
	"slices"
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

// assertLogsKey checks that group is encrypted with key, and that key's policy is one AWS accepts for it: KMS
// refuses a policy that locks the account out, and CloudWatch Logs refuses a key its service principal may not use
// for that group. It must not let Logs use the key for any other group.
func assertLogsKey(t *testing.T, key, group awstest.Resource) {
	t.Helper()
	if got, want := group.String("kmsKeyId"), key.Outputs["arn"].StringValue(); got != want {
		t.Errorf("log group %s is encrypted with %q, want its key %s", group.Name, got, want)
	}
	if !key.Bool("enableKeyRotation") {
		t.Errorf("key %s does not rotate", key.Name)
	}
	groupArn := group.Outputs["arn"].StringValue()
	otherArn := "arn:aws:logs:" + awstest.Region + ":" + awstest.AccountID + ":log-group:/aws/lambda/other"
	var root, logs bool
	for _, s := range key.JSON(t, "policy").(map[string]any)["Statement"].([]any) {
		st := s.(map[string]any)
		principal, _ := st["Principal"].(map[string]any)
		switch {
		case st["Effect"] != "Allow":
		case principal["AWS"] == "arn:aws:iam::"+awstest.AccountID+":root" && st["Action"] == "kms:*":
			root = true
		case principal["Service"] == "logs."+awstest.Region+".amazonaws.com":
			actions := toStrings(st["Action"])
			for _, a := range []string{"kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*", "kms:Describe*"} {
				if !slices.Contains(actions, a) {
					t.Errorf("key %s does not let CloudWatch Logs %s: %v", key.Name, a, actions)
				}
			}
			cond, _ := st["Condition"].(map[string]any)["ArnLike"].(map[string]any)
			pattern, _ := cond["kms:EncryptionContext:aws:logs:arn"].(string)
			if !arnLike(pattern, groupArn) {
				t.Errorf("key %s lets CloudWatch Logs encrypt %q, not its log group %s", key.Name, pattern, groupArn)
			}
			if arnLike(pattern, otherArn) {
				t.Errorf("key %s lets CloudWatch Logs encrypt any log group: %q", key.Name, pattern)
			}
			logs = true
		}
	}
	if !root {
		t.Errorf("key %s's policy does not keep the account root statement: KMS refuses a policy that locks it out", key.Name)
	}
	if !logs {
		t.Errorf("key %s's policy does not let CloudWatch Logs in %s use it: creating the log group fails", key.Name,
			awstest.Region)
	}
}

// arnLike is IAM's ArnLike for one pattern: * matches any run of characters, ? any one.
func arnLike(pattern, arn string) bool {
	if pattern == "" {
		return false
	}
	re := strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern))
	return regexp.MustCompile("^" + re + "$").MatchString(arn)
}
