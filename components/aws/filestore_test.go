package aws

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/aws/awstest"
	"github.com/digit-iac/digit/components/aws/limits"
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
	bucket := m.MustFind(t, "aws:s3/bucketV2:BucketV2", "files")
	name := bucket.Outputs["bucket"].StringValue()
	key := only(t, m, "aws:kms/key:Key")

	if bucket.String("bucketPrefix") != "files-" {
		t.Errorf("bucket prefix %q", bucket.String("bucketPrefix"))
	}
	if acl := bucket.String("acl"); acl != "" {
		t.Errorf("bucket ACL %q", acl)
	}
	pab := m.MustFind(t, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "files")
	for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		if !pab.Bool(k) {
			t.Errorf("public access block %s is off", k)
		}
	}
	if pab.String("bucket") != name {
		t.Errorf("public access block on %q, want %q", pab.String("bucket"), name)
	}
	sse := m.MustFind(t, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "files")
	const def = "rules[0].applyServerSideEncryptionByDefault."
	if sse.String(def+"sseAlgorithm") != "aws:kms" ||
		sse.String(def+"kmsMasterKeyId") != key.Outputs["arn"].StringValue() || sse.String("bucket") != name {
		t.Errorf("encryption %v", sse.Get("rules"))
	}
	if v := m.MustFind(t, "aws:s3/bucketVersioningV2:BucketVersioningV2", "files"); v.String("versioningConfiguration.status") != "Enabled" {
		t.Error("versioning off")
	}
	if o := m.MustFind(t, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "files"); o.String("rule.objectOwnership") != "BucketOwnerEnforced" {
		t.Errorf("object ownership %q", o.String("rule.objectOwnership"))
	}
	bp := m.MustFind(t, "aws:s3/bucketPolicy:BucketPolicy", "files")
	if bp.String("bucket") != name {
		t.Errorf("bucket policy on %q, want %q", bp.String("bucket"), name)
	}
	if !slices.Contains(bp.DependsOn, pab.URN) {
		t.Error("bucket policy does not wait for the public access block (S3 rejects the concurrent change)")
	}
	stmts := bp.JSON(t, "policy").(map[string]any)["Statement"].([]any)
	if len(stmts) != 1 {
		t.Fatalf("bucket policy %v, want the TLS-only deny", stmts)
	}
	deny := stmts[0].(map[string]any)
	arn := "arn:aws:s3:::" + name
	if deny["Effect"] != "Deny" || deny["Principal"] != "*" || deny["Action"] != "s3:*" ||
		!slices.Equal(toStrings(deny["Resource"]), []string{arn, arn + "/*"}) {
		t.Errorf("bucket policy %v, want Deny * s3:* on %s and its objects", deny, arn)
	}
	if c := deny["Condition"].(map[string]any)["Bool"].(map[string]any)["aws:SecureTransport"]; c != "false" {
		t.Errorf("deny condition aws:SecureTransport=%v, want false (deny plain HTTP only)", c)
	}
	if !sse.Bool("rules[0].bucketKeyEnabled") {
		t.Error("bucket keys off")
	}
	for _, tok := range []string{"aws:s3/bucketVersioningV2:BucketVersioningV2", "aws:s3/bucketOwnershipControls:BucketOwnershipControls"} {
		if got := m.MustFind(t, tok, "files").String("bucket"); got != name {
			t.Errorf("%s on bucket %q, want %q", tok, got, name)
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
	if cond[awstest.OidcIssuerHost+":aud"] != "sts.amazonaws.com" || st["Action"] != "sts:AssumeRoleWithWebIdentity" {
		t.Errorf("trust %v: want web identity with the sts audience", st)
	}
	bucketArn := m.MustFind(t, "aws:s3/bucketV2:BucketV2", "files").Outputs["arn"].StringValue()
	keyArn := only(t, m, "aws:kms/key:Key").Outputs["arn"].StringValue()
	rp := only(t, m, "aws:iam/rolePolicy:RolePolicy")
	if rp.String("role") != role.ID {
		t.Errorf("policy on role %q, want %s", rp.String("role"), role.ID)
	}
	// Each statement's actions on exactly its resource: the bucket, its objects, the bucket's key.
	want := map[string][]string{
		bucketArn:        {"s3:ListBucket", "s3:GetBucketLocation"},
		bucketArn + "/*": {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
		keyArn:           {"kms:Decrypt", "kms:GenerateDataKey"},
	}
	got := map[string][]string{}
	for _, s := range rp.JSON(t, "policy").(map[string]any)["Statement"].([]any) {
		st := s.(map[string]any)
		if st["Effect"] != "Allow" || st["Condition"] != nil {
			t.Errorf("statement %v", st)
		}
		for _, res := range toStrings(st["Resource"]) {
			got[res] = append(got[res], toStrings(st["Action"])...)
		}
	}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("role policy grants %v, want exactly %v", got, want)
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
		for _, r := range m.ByType(tok) {
			if !r.Protect {
				t.Errorf("%s %s not protected", tok, r.Name)
			}
		}
	}
}

// TestFilestoreAccessIsLoggedAndItsKeyOutlivesIt: the bucket's access logs go to a private AES-256 log bucket only
// the S3 logging service may write to, from this bucket; the bucket waits for its key, so a delete removes the key
// only after the bucket.
func TestFilestoreAccessIsLoggedAndItsKeyOutlivesIt(t *testing.T) {
	m, _ := runFilestore(t, filestoreArgs())
	bucket := m.MustFind(t, "aws:s3/bucketV2:BucketV2", "files")
	logs := m.MustFind(t, "aws:s3/bucketV2:BucketV2", "files-access-logs")
	logging := m.MustFind(t, "aws:s3/bucketLoggingV2:BucketLoggingV2", "files")
	if logging.String("bucket") != bucket.ID || logging.String("targetBucket") != logs.Outputs["bucket"].StringValue() {
		t.Errorf("logging of %q to %q, want %s to %s", logging.String("bucket"), logging.String("targetBucket"), bucket.ID,
			logs.Outputs["bucket"].StringValue())
	}
	if got := m.MustFind(t, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
		"files-access-logs").String("rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"); got != "AES256" {
		t.Errorf("log bucket encryption %q: S3 delivers access logs only to SSE-S3 buckets", got)
	}
	pab := m.MustFind(t, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "files-access-logs")
	if !pab.Bool("blockPublicAcls") || !pab.Bool("restrictPublicBuckets") {
		t.Error("the log bucket is not private")
	}
	policy := m.MustFind(t, "aws:s3/bucketPolicy:BucketPolicy", "files-access-logs").String("policy")
	for _, want := range []string{`"Service":"logging.s3.amazonaws.com"`, `"aws:SourceArn":"` + bucket.Outputs["arn"].StringValue() + `"`,
		`"aws:SecureTransport":"false"`} {
		if !strings.Contains(policy, want) {
			t.Errorf("log bucket policy lacks %s: %s", want, policy)
		}
	}
	if len(logs.String("bucketPrefix")) > limits.MaxBucketPrefixLength {
		t.Errorf("log bucket prefix %q is longer than %d", logs.String("bucketPrefix"), limits.MaxBucketPrefixLength)
	}
	key := only(t, m, "aws:kms/key:Key")
	if !slices.Contains(bucket.DependsOn, key.URN) {
		t.Error("the bucket does not wait for its key: a delete could remove the key while the bucket stays")
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
