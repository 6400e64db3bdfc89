package aws

import (
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/aws/limits"
)

// FilestoreArgs configures a Filestore.
type FilestoreArgs struct {
	// BucketPrefix starts the bucket's generated name (lower-case letters, digits, -, at most 37 characters).
	// Default "<name>-".
	BucketPrefix string
	// OidcProviderArn and OidcProviderUrl are the cluster's IRSA provider (Cluster.OidcProviderArn/Url). Required.
	OidcProviderArn pulumi.StringInput
	OidcProviderUrl pulumi.StringInput
	// Namespace of egov-filestore. Default "egov".
	Namespace string
	// ServiceAccount of egov-filestore, the only identity that may use the bucket. Default "egov-filestore".
	ServiceAccount string
	// Protect protects the bucket and its key from deletion by Pulumi. Default false.
	Protect bool
	// Tags are added to every taggable child. Default none.
	Tags map[string]string
}

// Filestore is the private, encrypted S3 bucket of egov-filestore and the IRSA role that reaches it. Upstream DIGIT
// makes the bucket public-read; here every object is reached through the service, which signs URLs.
type Filestore struct {
	pulumi.ResourceState

	Bucket    pulumi.StringOutput
	BucketArn pulumi.StringOutput
	// RoleArn goes into the eks.amazonaws.com/role-arn annotation of the service account.
	RoleArn pulumi.StringOutput
	// AccessKeyID and SecretAccessKey (a secret) are a key pair of an IAM user that can reach this bucket (and
	// its KMS key) alone: egov-filestore's storage client signs with static keys and cannot use IRSA.
	AccessKeyID     pulumi.StringOutput
	SecretAccessKey pulumi.StringOutput
}

func (a *FilestoreArgs) validate(name string) error {
	fail := func(field, f string, v ...any) error { return argError("Filestore", name, field, f, v...) }
	if a.BucketPrefix == "" {
		a.BucketPrefix = name + "-"
	}
	if a.Namespace == "" {
		a.Namespace = "egov"
	}
	if a.ServiceAccount == "" {
		a.ServiceAccount = "egov-filestore"
	}
	if !limits.BucketPrefixPattern.MatchString(a.BucketPrefix) {
		return fail("BucketPrefix", "%q must be lower-case letters, digits and -, starting with a letter or digit, at most %d characters", a.BucketPrefix, limits.MaxBucketPrefixLength)
	}
	if a.OidcProviderArn == nil {
		return fail("OidcProviderArn", "required")
	}
	if a.OidcProviderUrl == nil {
		return fail("OidcProviderUrl", "required")
	}
	if !dnsLabel.MatchString(a.Namespace) {
		return fail("Namespace", "%q is not a Kubernetes namespace name", a.Namespace)
	}
	if !dnsLabel.MatchString(a.ServiceAccount) {
		return fail("ServiceAccount", "%q is not a Kubernetes service account name", a.ServiceAccount)
	}
	return nil
}

// NewFilestore creates the bucket and role.
func NewFilestore(ctx *pulumi.Context, name string, args FilestoreArgs, opts ...pulumi.ResourceOption) (*Filestore, error) {
	if err := args.validate(name); err != nil {
		return nil, err
	}
	comp := &Filestore{}
	if err := ctx.RegisterComponentResourceV2("digit:aws:Filestore", name, pulumi.Map{
		"namespace": pulumi.String(args.Namespace), "serviceAccount": pulumi.String(args.ServiceAccount),
	}, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	data := append([]pulumi.ResourceOption{parent}, stateful(args.Protect, false)...)
	tags := mergeTags(args.Tags, nil)

	key, err := newKey(ctx, name, "S3 filestore "+name, tags, data...)
	if err != nil {
		return nil, err
	}
	// The bucket waits for its key, so that the key is deleted only once the bucket is: a non-empty bucket refuses
	// deletion, and would otherwise stay behind with objects nobody can decrypt.
	bucket, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		BucketPrefix: pulumi.String(args.BucketPrefix),
		Tags:         tags,
	}, append(data, pulumi.DependsOn([]pulumi.Resource{key}))...)
	if err != nil {
		return nil, err
	}
	pab, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		// ACLs off: access is decided by IAM alone.
		Rule: s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm:   pulumi.String("aws:kms"),
				KmsMasterKeyId: key.Arn,
			},
			// Bucket keys cut KMS requests (and cost) per object by orders of magnitude.
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, parent); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketVersioningV2(ctx, name, &s3.BucketVersioningV2Args{
		Bucket:                  bucket.ID(),
		VersioningConfiguration: s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, parent); err != nil {
		return nil, err
	}
	tlsOnly := bucket.Arn.ApplyT(func(arn string) string {
		return mustJSON(map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Sid":       "DenyInsecureTransport",
				"Effect":    "Deny",
				"Principal": "*",
				"Action":    "s3:*",
				"Resource":  []string{arn, arn + "/*"},
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
			}},
		})
	}).(pulumi.StringOutput)
	// S3 rejects concurrent changes to a bucket's public access block and policy, so the policy waits.
	if _, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{Bucket: bucket.ID(), Policy: tlsOnly},
		parent, pulumi.DependsOn([]pulumi.Resource{pab})); err != nil {
		return nil, err
	}

	if err := newAccessLogs(ctx, name, args.BucketPrefix, bucket, tags, data); err != nil {
		return nil, err
	}

	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		AssumeRolePolicy: irsaTrustPolicy(args.OidcProviderArn, args.OidcProviderUrl, args.Namespace, args.ServiceAccount),
		Tags:             tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	policy := pulumi.All(bucket.Arn, key.Arn).ApplyT(func(v []any) string {
		b, k := v[0].(string), v[1].(string)
		return mustJSON(map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{
				map[string]any{"Effect": "Allow", "Action": []string{"s3:ListBucket", "s3:GetBucketLocation"},
					"Resource": b},
				map[string]any{"Effect": "Allow", "Action": []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
					"Resource": b + "/*"},
				map[string]any{"Effect": "Allow", "Action": []string{"kms:Decrypt", "kms:GenerateDataKey"},
					"Resource": k},
			},
		})
	}).(pulumi.StringOutput)
	if _, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{Role: role.ID(), Policy: policy}, parent); err != nil {
		return nil, err
	}
	user, err := iam.NewUser(ctx, name, &iam.UserArgs{Path: pulumi.String("/digit/"), Tags: tags}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := iam.NewUserPolicy(ctx, name, &iam.UserPolicyArgs{User: user.Name, Policy: policy}, parent); err != nil {
		return nil, err
	}
	accessKey, err := iam.NewAccessKey(ctx, name, &iam.AccessKeyArgs{User: user.Name}, parent,
		pulumi.AdditionalSecretOutputs([]string{"secret"}))
	if err != nil {
		return nil, err
	}

	comp.Bucket = bucket.Bucket
	comp.BucketArn = bucket.Arn
	comp.RoleArn = role.Arn
	comp.AccessKeyID = accessKey.ID().ToStringOutput()
	comp.SecretAccessKey = pulumi.ToSecret(accessKey.Secret).(pulumi.StringOutput)
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"bucket": comp.Bucket, "bucketArn": comp.BucketArn, "roleArn": comp.RoleArn,
		"accessKeyId": comp.AccessKeyID, "secretAccessKey": comp.SecretAccessKey,
	})
}

// accessLogDays is how long the filestore's S3 access logs are kept.
const accessLogDays = 365

// newAccessLogs sends the bucket's server access logs (who read or wrote which citizen document) to a private log
// bucket of its own (CKV_AWS_18). S3 delivers them only to a bucket encrypted with S3-managed keys, so that one is
// AES-256; only the logging service may write, from this bucket and account.
func newAccessLogs(ctx *pulumi.Context, name, prefix string, bucket *s3.BucketV2, tags pulumi.StringMap,
	data []pulumi.ResourceOption,
) error {
	parent := data[0]
	// At most limits.MaxBucketPrefixLength: the prefix cut to make room for "-log".
	logPrefix := strings.TrimRight(prefix[:min(len(prefix), limits.MaxBucketPrefixLength-4)], "-") + "-log"
	logs, err := s3.NewBucketV2(ctx, name+"-access-logs", &s3.BucketV2Args{
		BucketPrefix: pulumi.String(logPrefix), Tags: tags,
	}, data...)
	if err != nil {
		return err
	}
	pab, err := s3.NewBucketPublicAccessBlock(ctx, name+"-access-logs", &s3.BucketPublicAccessBlockArgs{
		Bucket: logs.ID(), BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true),
		IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name+"-access-logs", &s3.BucketOwnershipControlsArgs{
		Bucket: logs.ID(),
		Rule:   s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent); err != nil {
		return err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name+"-access-logs", &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: logs.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("AES256"),
			},
		}},
	}, parent); err != nil {
		return err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name+"-access-logs", &s3.BucketLifecycleConfigurationV2Args{
		Bucket: logs.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
			Id: pulumi.String("expire"), Status: pulumi.String("Enabled"),
			Filter:     s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			Expiration: s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(accessLogDays)},
		}},
	}, parent); err != nil {
		return err
	}
	policy := pulumi.All(logs.Arn, bucket.Arn).ApplyT(func(v []any) string {
		logArn, srcArn := v[0].(string), v[1].(string)
		return mustJSON(map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{
				map[string]any{
					"Sid": "S3ServerAccessLogs", "Effect": "Allow",
					"Principal": map[string]any{"Service": "logging.s3.amazonaws.com"},
					"Action":    "s3:PutObject", "Resource": logArn + "/*",
					"Condition": map[string]any{"ArnLike": map[string]any{"aws:SourceArn": srcArn}},
				},
				map[string]any{
					"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
					"Resource":  []string{logArn, logArn + "/*"},
					"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
				},
			},
		})
	}).(pulumi.StringOutput)
	lp, err := s3.NewBucketPolicy(ctx, name+"-access-logs", &s3.BucketPolicyArgs{Bucket: logs.ID(), Policy: policy},
		parent, pulumi.DependsOn([]pulumi.Resource{pab}))
	if err != nil {
		return err
	}
	_, err = s3.NewBucketLoggingV2(ctx, name, &s3.BucketLoggingV2Args{
		Bucket: bucket.ID(), TargetBucket: logs.Bucket, TargetPrefix: pulumi.String("access/"),
	}, parent, pulumi.DependsOn([]pulumi.Resource{lp}))
	return err
}
