// Package aws holds the AWS building blocks of the cloud layer: Network, Cluster, Database, Volumes, Registry,
// Filestore and Bastion. Each is a ComponentResource (type token digit:aws:<Name>) configured only through its Args
// struct; zero values mean the documented defaults, and every invalid value is rejected, naming the field, before
// any child resource is registered.
//
// Unit tests run against the recording mock in package awstest.
package aws

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"strings"

	awssdk "github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The partition is fixed: DIGIT runs in commercial AWS regions, and looking it up would cost an invoke per
// component for no benefit there.
const partition = "aws"

// Kubernetes DNS-1123 label (namespaces, service accounts).
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// argError names the component and field, so a bad stack config can be traced to its key.
func argError(component, name, field, format string, a ...any) error {
	return fmt.Errorf("digit:aws:%s %q: %s: %s", component, name, field, fmt.Sprintf(format, a...))
}

// mergeTags returns base overlaid with extra (extra wins), never nil.
func mergeTags(base map[string]string, extra map[string]string) pulumi.StringMap {
	all := map[string]string{}
	maps.Copy(all, base)
	maps.Copy(all, extra)
	out := pulumi.StringMap{}
	for k, v := range all {
		out[k] = pulumi.String(v)
	}
	return out
}

// mustJSON encodes policy documents built from Go values, which cannot fail to encode.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// assumeRoleForService is the trust policy of a role assumed by an AWS service principal.
func assumeRoleForService(service string) string {
	return mustJSON(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": service},
			"Action":    "sts:AssumeRole",
		}},
	})
}

// irsaTrustPolicy lets exactly one Kubernetes service account assume a role through the cluster's OIDC provider.
// The aud condition stops tokens minted for other audiences from being exchanged.
func irsaTrustPolicy(providerArn, providerURL pulumi.StringInput, namespace, serviceAccount string) pulumi.StringOutput {
	return pulumi.All(providerArn, providerURL).ApplyT(func(v []any) string {
		host := strings.TrimPrefix(v[1].(string), "https://")
		return mustJSON(map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Effect":    "Allow",
				"Principal": map[string]any{"Federated": v[0].(string)},
				"Action":    "sts:AssumeRoleWithWebIdentity",
				"Condition": map[string]any{"StringEquals": map[string]any{
					host + ":sub": fmt.Sprintf("system:serviceaccount:%s:%s", namespace, serviceAccount),
					host + ":aud": "sts.amazonaws.com",
				}},
			}},
		})
	}).(pulumi.StringOutput)
}

// newRoleWithPolicy is a role the trust policy lets assume, with one AWS managed policy attached; role and
// attachment share the name. The attachment is returned for resources that must wait until the role can act.
func newRoleWithPolicy(ctx *pulumi.Context, name string, trust pulumi.StringInput, policy string,
	tags pulumi.StringMap, parent pulumi.ResourceOption,
) (*iam.Role, *iam.RolePolicyAttachment, error) {
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{AssumeRolePolicy: trust, Tags: tags}, parent)
	if err != nil {
		return nil, nil, err
	}
	att, err := iam.NewRolePolicyAttachment(ctx, name, &iam.RolePolicyAttachmentArgs{
		Role: role.Name, PolicyArn: pulumi.String(managedPolicy(policy)),
	}, parent)
	return role, att, err
}

// managedPolicy is the ARN of an AWS managed IAM policy.
func managedPolicy(path string) string {
	return fmt.Sprintf("arn:%s:iam::aws:policy/%s", partition, path)
}

// newKey creates a customer managed KMS key with yearly rotation. The default key policy (account root) applies,
// so IAM policies decide who may use it.
func newKey(ctx *pulumi.Context, name, description string, tags pulumi.StringMap, opts ...pulumi.ResourceOption) (*kms.Key, error) {
	return kms.NewKey(ctx, name, keyArgs(description, tags), opts...)
}

func keyArgs(description string, tags pulumi.StringMap) *kms.KeyArgs {
	return &kms.KeyArgs{
		Description:          pulumi.String(description),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Tags:                 tags,
	}
}

// newLogsKey is a key like newKey's that CloudWatch Logs may also use, for the log groups of this account and region
// whose names match logGroups (IAM's ArnLike: * matches any run of characters). Logs encrypts as its own service
// principal, which IAM policies cannot grant: without this statement in the key policy, creating the log group
// fails ("The specified KMS key does not exist or is not allowed to be used"). parent also parents the look-ups, so
// they use the component's provider.
func newLogsKey(ctx *pulumi.Context, name, description, logGroups string, tags pulumi.StringMap,
	parent pulumi.ResourceOrInvokeOption, opts ...pulumi.ResourceOption,
) (*kms.Key, error) {
	account := awssdk.GetCallerIdentityOutput(ctx, awssdk.GetCallerIdentityOutputArgs{}, parent).AccountId()
	region := awssdk.GetRegionOutput(ctx, awssdk.GetRegionOutputArgs{}, parent).Name()
	args := keyArgs(description, tags)
	args.Policy = pulumi.All(account, region).ApplyT(func(v []any) string {
		return logsKeyPolicy(v[0].(string), v[1].(string), logGroups)
	}).(pulumi.StringOutput)
	return kms.NewKey(ctx, name, args, append([]pulumi.ResourceOption{parent}, opts...)...)
}

// logsKeyPolicy keeps the default statement (the account root may do everything, so IAM policies decide for
// everyone else, and KMS's lockout check passes) and lets CloudWatch Logs in region use the key only for the
// matching log groups: the encryption context names the log group.
func logsKeyPolicy(account, region, logGroups string) string {
	return mustJSON(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			map[string]any{
				"Sid": "AccountAdministers", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
				"Principal": map[string]any{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", partition, account)},
			},
			map[string]any{
				"Sid": "CloudWatchLogsEncrypts", "Effect": "Allow", "Resource": "*",
				"Principal": map[string]any{"Service": "logs." + region + ".amazonaws.com"},
				"Action": []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
					"kms:Describe*"},
				"Condition": map[string]any{"ArnLike": map[string]any{
					"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", partition,
						region, account, logGroups),
				}},
			},
		},
	})
}

// stateful returns the options of a child holding data: protected when protect, and for disks also retained on
// delete, so that removing the component from the program cannot destroy data.
func stateful(protect, retain bool) []pulumi.ResourceOption {
	if !protect {
		return nil
	}
	opts := []pulumi.ResourceOption{pulumi.Protect(true)}
	if retain {
		opts = append(opts, pulumi.RetainOnDelete(true))
	}
	return opts
}
