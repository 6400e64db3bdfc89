package aws

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/aws/awstest"
	"github.com/digit-iac/digit/internal/mocktest"
)

func filestoreArgs() FilestoreArgs {
	return FilestoreArgs{
		OidcProviderArn: pulumi.String(awstest.OidcProviderArn),
		OidcProviderUrl: pulumi.String("https://" + awstest.OidcIssuerHost),
	}
}

func runFilestore(t *testing.T, args FilestoreArgs) (*awstest.Mocks, *Filestore) {
	t.Helper()
	var f *Filestore
	m := run(t, func(ctx *pulumi.Context) error {
		var err error
		f, err = NewFilestore(ctx, "files", args)
		return err
	})
	return m, f
}

func TestFilestoreBucketIsPrivateAndEncrypted(t *testing.T) {
	m, f := runFilestore(t, filestoreArgs())
	bucket := only(t, m, "aws:s3/bucketV2:BucketV2")
	name := bucket.Outputs["bucket"].StringValue()
	key := only(t, m, "aws:kms/key:Key")

	if bucket.String("bucketPrefix") != "files-" {
		t.Errorf("bucket prefix %q", bucket.String("bucketPrefix"))
	}
	if acl := bucket.String("acl"); acl != "" {
		t.Errorf("bucket ACL %q", acl)
	}
	pab := only(t, m, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
	for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		if !pab.Bool(k) {
			t.Errorf("public access block %s is off", k)
		}
	}
	if pab.String("bucket") != name {
		t.Errorf("public access block on %q, want %q", pab.String("bucket"), name)
	}
	sse := only(t, m, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
	const def = "rules[0].applyServerSideEncryptionByDefault."
	if sse.String(def+"sseAlgorithm") != "aws:kms" ||
		sse.String(def+"kmsMasterKeyId") != key.Outputs["arn"].StringValue() || sse.String("bucket") != name {
		t.Errorf("encryption %v", sse.Get("rules"))
	}
	if v := only(t, m, "aws:s3/bucketVersioningV2:BucketVersioningV2"); v.String("versioningConfiguration.status") != "Enabled" {
		t.Error("versioning off")
	}
	if o := only(t, m, "aws:s3/bucketOwnershipControls:BucketOwnershipControls"); o.String("rule.objectOwnership") != "BucketOwnerEnforced" {
		t.Errorf("object ownership %q", o.String("rule.objectOwnership"))
	}
	policy := only(t, m, "aws:s3/bucketPolicy:BucketPolicy").JSON(t, "policy").(map[string]any)
	for _, s := range policy["Statement"].([]any) {
		if s.(map[string]any)["Effect"] != "Deny" {
			t.Errorf("bucket policy grants access: %v", s)
		}
	}

	if b, _ := mocktest.AwaitString(t, f.Bucket); b != name {
		t.Errorf("Bucket %q", b)
	}
	if a, _ := mocktest.AwaitString(t, f.BucketArn); a != "arn:aws:s3:::"+name {
		t.Errorf("BucketArn %q", a)
	}
	assertAllParented(t, m, "digit:aws:Filestore")
}

func TestFilestoreRoleIsLimitedToServiceAccountAndBucket(t *testing.T) {
	m, f := runFilestore(t, filestoreArgs())
	role := only(t, m, "aws:iam/role:Role")
	st := role.JSON(t, "assumeRolePolicy").(map[string]any)["Statement"].([]any)[0].(map[string]any)
	if st["Principal"].(map[string]any)["Federated"] != awstest.OidcProviderArn {
		t.Errorf("trust principal %v", st["Principal"])
	}
	cond := st["Condition"].(map[string]any)["StringEquals"].(map[string]any)
	// The https:// of the given URL must not leak into the condition keys, or no token ever matches.
	if cond[awstest.OidcIssuerHost+":sub"] != "system:serviceaccount:egov:egov-filestore" {
		t.Errorf("trust condition %v", cond)
	}
	bucketArn := only(t, m, "aws:s3/bucketV2:BucketV2").Outputs["arn"].StringValue()
	policy := only(t, m, "aws:iam/rolePolicy:RolePolicy").JSON(t, "policy").(map[string]any)
	for _, s := range policy["Statement"].([]any) {
		res := s.(map[string]any)["Resource"].(string)
		if res == "*" || (!strings.HasPrefix(res, bucketArn) && !strings.HasPrefix(res, "arn:aws:kms:")) {
			t.Errorf("role policy reaches %q beyond the bucket", res)
		}
	}
	if r, _ := mocktest.AwaitString(t, f.RoleArn); r != role.Outputs["arn"].StringValue() {
		t.Errorf("RoleArn %q", r)
	}
}

func TestFilestoreCustomServiceAccountAndProtect(t *testing.T) {
	args := filestoreArgs()
	args.Namespace, args.ServiceAccount, args.Protect = "digit", "files", true
	m, _ := runFilestore(t, args)
	cond := only(t, m, "aws:iam/role:Role").JSON(t, "assumeRolePolicy").(map[string]any)["Statement"].([]any)[0].(map[string]any)["Condition"]
	if cond.(map[string]any)["StringEquals"].(map[string]any)[awstest.OidcIssuerHost+":sub"] != "system:serviceaccount:digit:files" {
		t.Errorf("trust condition %v", cond)
	}
	for _, tok := range []string{"aws:s3/bucketV2:BucketV2", "aws:kms/key:Key"} {
		if !only(t, m, tok).Protect {
			t.Errorf("%s not protected", tok)
		}
	}
}

func TestFilestoreArgErrors(t *testing.T) {
	for _, tc := range []struct {
		field string
		edit  func(*FilestoreArgs)
	}{
		{"BucketPrefix", func(a *FilestoreArgs) { a.BucketPrefix = "Upper-" }},
		{"BucketPrefix", func(a *FilestoreArgs) { a.BucketPrefix = strings.Repeat("a", 38) }},
		{"OidcProviderArn", func(a *FilestoreArgs) { a.OidcProviderArn = nil }},
		{"OidcProviderUrl", func(a *FilestoreArgs) { a.OidcProviderUrl = nil }},
		{"Namespace", func(a *FilestoreArgs) { a.Namespace = "Egov" }},
		{"ServiceAccount", func(a *FilestoreArgs) { a.ServiceAccount = "egov_filestore" }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			args := filestoreArgs()
			tc.edit(&args)
			expectArgError(t, tc.field, func(ctx *pulumi.Context) error {
				_, err := NewFilestore(ctx, "files", args)
				return err
			})
		})
	}
}
