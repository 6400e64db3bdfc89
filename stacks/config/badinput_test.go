package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/digit-iac/digit/catalogue"
	"github.com/digit-iac/digit/components/aws/limits"
)

// tagsJSON is the digit:tags value of n tags t00=v, t01=v, ...
func tagsJSON(t *testing.T, n int, extra map[string]string) string {
	t.Helper()
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("t%02d", i)] = "v"
	}
	for k, v := range extra {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Inputs AWS would refuse on some resource after others were made, or that the program would mangle, are refused
// by the config, each naming its key, before anything is registered.
func TestBadInputIsRefusedNamingIt(t *testing.T) {
	long := strings.Repeat("k", limits.MaxTagKeyLength+1)
	cases := []struct {
		name    string
		base    func() map[string]string
		set     map[string]string
		secrets []string
		want    []string
	}{
		{"too many tags", awsBase, map[string]string{"digit:tags": tagsJSON(t, limits.MaxStackTags+1, nil)}, nil,
			[]string{fmt.Sprintf("digit:tags: %d tags given; at most %d (AWS takes 50 per resource", limits.MaxStackTags+1, limits.MaxStackTags)}},
		{"tag key too long", awsBase, map[string]string{"digit:tags": tagsJSON(t, 0, map[string]string{long: "v"})}, nil,
			[]string{"digit:tags: key \"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk... (129 characters)\" must be 1 to 128 characters"}},
		{"tag value too long", awsBase, map[string]string{"digit:tags": tagsJSON(t, 0, map[string]string{"owner": strings.Repeat("v", 257)})}, nil,
			[]string{`digit:tags: value of "owner" is 257 characters; at most 256`}},
		{"aws: tag", awsBase, map[string]string{"digit:tags": `{"aws:createdBy":"me"}`}, nil,
			[]string{`digit:tags: key "aws:createdBy": the prefixes aws: and kubernetes.io/ are reserved`}},
		{"AWS: tag in upper case", awsBase, map[string]string{"digit:tags": `{"AWS:x":"me"}`}, nil,
			[]string{`digit:tags: key "AWS:x": the prefixes`}},
		{"kubernetes.io/ tag", awsBase, map[string]string{"digit:tags": `{"kubernetes.io/cluster/other":"owned"}`}, nil,
			[]string{`digit:tags: key "kubernetes.io/cluster/other": the prefixes`}},
		{"Name tag", awsBase, map[string]string{"digit:tags": `{"Name":"mine"}`}, nil,
			[]string{`digit:tags: key "Name" is set by the program itself`}},
		{"QA tag", awsBase, map[string]string{"digit:tags": `{"digit-qa":"pr-1"}`}, nil,
			[]string{`digit:tags: key "digit-qa" is set by the program itself`}},
		{"snapshot tag", awsBase, map[string]string{"digit:tags": `{"digit/snapshots":"x"}`}, nil,
			[]string{`digit:tags: key "digit/snapshots" is set by the program itself`}},
		{"tag key with a quote", awsBase, map[string]string{"digit:tags": `{"team\"x":"a"}`}, nil,
			[]string{`digit:tags: key "team\"x" may hold only letters`}},
		{"tag value with a line break", awsBase, map[string]string{"digit:tags": `{"owner":"a\nb"}`}, nil,
			[]string{`digit:tags: value of "owner" may hold only letters`}},
		{"empty tag key", awsBase, map[string]string{"digit:tags": `{"":"a"}`}, nil,
			[]string{`digit:tags: key "" must be 1 to 128 characters`}},

		{"password with a space", awsBase, map[string]string{"digit:dbPassword": "correct horse"}, []string{"digit:dbPassword"},
			[]string{"digit:dbPassword: holds white space or one of * ? [", "unquoted through /bin/sh"}},
		{"password with a glob", existingBase, map[string]string{"digit:dbPassword": "pass*word1"}, []string{"digit:dbPassword"},
			[]string{"digit:dbPassword: holds white space or one of * ? ["}},
		{"password with a tab", existingBase, map[string]string{"digit:dbPassword": "pass\tword1"}, []string{"digit:dbPassword"},
			[]string{"digit:dbPassword: holds white space"}},
		{"password with a line break", existingBase, map[string]string{"digit:dbPassword": "password1\n"}, []string{"digit:dbPassword"},
			[]string{"digit:dbPassword: holds white space"}},
		{"password with a control character", existingBase, map[string]string{"digit:dbPassword": "pass\x07word1"}, []string{"digit:dbPassword"},
			[]string{"digit:dbPassword: holds a control character"}},
		{"password too long", existingBase, map[string]string{"digit:dbPassword": strings.Repeat("p", 129)}, []string{"digit:dbPassword"},
			[]string{"digit:dbPassword: is 129 characters; it must be 8 to 128"}},
		{"password RDS refuses", awsBase, map[string]string{"digit:dbPassword": "user@host/db"}, []string{"digit:dbPassword"},
			[]string{`digit:dbPassword: must be printable ASCII without / " @ (RDS refuses them)`}},
		{"password outside ASCII on RDS", awsBase, map[string]string{"digit:dbPassword": "pässwörter"}, []string{"digit:dbPassword"},
			[]string{`digit:dbPassword: must be printable ASCII`}},

		{"database host with a query", existingBase, map[string]string{"digit:database": `{"host":"db.internal?ssl=false"}`}, []string{"digit:dbPassword"},
			[]string{`digit:database: host "db.internal?ssl=false" is neither a DNS name (lower case) nor an IPv4 address`}},
		{"database host with a space", existingBase, map[string]string{"digit:database": `{"host":"db internal"}`}, []string{"digit:dbPassword"},
			[]string{`digit:database: host "db internal" is neither`}},
		{"database host IPv6", existingBase, map[string]string{"digit:database": `{"host":"fd00::5"}`}, []string{"digit:dbPassword"},
			[]string{`digit:database: host "fd00::5" is neither`}},

		{"oversized catalogue override", awsBase, map[string]string{"digit:catalogue": `{"services":{"egov-user":{"tag":"` + strings.Repeat("v", 1<<20) + `"}}}`}, nil,
			[]string{fmt.Sprintf("\n  digit:catalogue: %d bytes (allowed: at most %d)", 1<<20+37, catalogue.MaxOverridesBytes)}},
		{"catalogue value nginx would expand", awsBase, map[string]string{"digit:catalogue": `{"add":[{"name":"my-ui","module":"frontend","kind":"frontend","image":"egovio/my-ui","tag":"v1","port":80,"contextPath":"my-ui","globalConfigs":{"A":"$uri"}}]}`}, nil,
			[]string{"digit:catalogue", "globalConfigs A: the value may not contain quotes, backslashes, '<', '>', '$'"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			values := tc.base()
			for k, v := range tc.set {
				values[k] = v
			}
			c, err := load(t, values, tc.secrets...)
			if err == nil {
				t.Fatalf("accepted: %+v", c)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%.600s", w, err)
				}
			}
			if p := values["digit:dbPassword"]; p != "" && strings.Contains(err.Error(), p) {
				t.Errorf("the error quotes the password: %v", err)
			}
			if len(err.Error()) > 2000 {
				t.Errorf("the error is %d characters: it quotes the input instead of naming it", len(err.Error()))
			}
		})
	}
}

// The edges of what is refused above are accepted: the most tags, the longest key and value, a password with what
// neither RDS nor the migration's shell minds, and on target existing one RDS alone would refuse.
func TestBadInputLimitsAreInclusive(t *testing.T) {
	edge := map[string]string{strings.Repeat("k", limits.MaxTagKeyLength): strings.Repeat("v", limits.MaxTagValueLength),
		"cost center": "gov/in:mh=1+2@x_y.z-w"}
	aws := awsBase()
	aws["digit:tags"] = tagsJSON(t, limits.MaxStackTags-len(edge), edge)
	aws["digit:dbPassword"] = "a!#$%^&()-_=+{}|;:',.<>~`" + strings.Repeat("p", limits.MaxDBPasswordLength-25)
	c, err := load(t, aws, "digit:dbPassword")
	if err != nil {
		t.Fatalf("aws at the limits: %v", err)
	}
	if len(c.Tags) != limits.MaxStackTags {
		t.Errorf("tags: %d, want %d", len(c.Tags), limits.MaxStackTags)
	}
	ex := existingBase()
	ex["digit:dbPassword"] = `p@ss/wo"rd€`
	ex["digit:database"] = `{"host":"10.0.0.5"}`
	if _, err := load(t, ex, "digit:dbPassword"); err != nil {
		t.Errorf("existing with a password only RDS would refuse, on an IPv4 host: %v", err)
	}
}
