package aws

import (
	"slices"
	"strings"
	"testing"
)

// egov-filestore's storage client signs with a static key pair: the filestore hands over a key of a user whose
// only permissions are this bucket and its KMS key, and the key's secret half stays secret.
func TestFilestoreKeyReachesThisBucketAlone(t *testing.T) {
	m, _ := runFilestore(t, filestoreArgs())
	user := only(t, m, "aws:iam/user:User")
	policy := only(t, m, "aws:iam/userPolicy:UserPolicy")
	key := only(t, m, "aws:iam/accessKey:AccessKey")
	name := user.Outputs["name"].StringValue()
	if policy.String("user") != name || key.String("user") != name {
		t.Errorf("policy on %q and key of %q, want both on the filestore's user %q", policy.String("user"),
			key.String("user"), name)
	}
	bucketArn := m.MustFind(t, "aws:s3/bucketV2:BucketV2", "files").Outputs["arn"].StringValue()
	kmsArn := only(t, m, "aws:kms/key:Key").Outputs["arn"].StringValue()
	doc := policy.String("policy")
	for _, want := range []string{`"Resource":"` + bucketArn + `"`, `"Resource":"` + bucketArn + `/*"`,
		`"Resource":"` + kmsArn + `"`} {
		if !strings.Contains(doc, want) {
			t.Errorf("user policy lacks %s: %s", want, doc)
		}
	}
	if strings.Contains(doc, `"Resource":"*"`) || strings.Contains(doc, `"s3:*"`) || strings.Contains(doc, `"iam:`) {
		t.Errorf("user policy grants more than the bucket: %s", doc)
	}
	if !slices.Contains(key.AdditionalSecretOutputs, "secret") {
		t.Errorf("the access key's secret is not marked secret (additional secret outputs %v)", key.AdditionalSecretOutputs)
	}
}
