package stacks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/digit-iac/digit/components/aws/limits"
	"github.com/digit-iac/digit/internal/mocktest"
	"github.com/digit-iac/digit/internal/stateful"
)

// The policy suite: rules over what each committed stack registers under mocks, each named after the control it
// enforces (a CIS EKS or CIS Kubernetes section, a checkov ID, an AWS Security Hub control, a Pod Security level,
// or DIGIT-DATA-n for this project's own no-silent-data-loss rules). Every rule passes on every committed stack it
// applies to, or the stack records a waiver with its reason in policy-waivers.yaml; every rule has a fixture (the
// prod or local stack with one thing changed) that makes it fail, so no rule is vacuous.

// world is what a rule sees of a stack: every registration, and the pod templates decoded as Kubernetes types.
type world struct {
	stack string
	res   []mocktest.Resource
	pods  []stackPod
}

func (w *world) byType(token string) []mocktest.Resource {
	var out []mocktest.Resource
	for _, r := range w.res {
		if r.Type == token {
			out = append(out, r)
		}
	}
	return out
}

func (w *world) aws() bool { return len(w.byType("eks:index:Cluster")) > 0 }

// policyRule is one control. Check returns the violations, each naming the resource; applies is false when the
// stack has nothing the control is about (no AWS resources, no bastion...).
type policyRule struct {
	id, control, title string
	check              func(w *world) (applies bool, violations []string)
	// fixture breaks a passing stack ("prod" or "local", see fixtureStack) so the rule must fail.
	fixture func(w *world)
}

func (p policyRule) fixtureStack() string {
	if strings.HasPrefix(p.id, "CKV_AZURE") || strings.HasPrefix(p.id, "DIGIT-DATA-AZ") {
		return "azure-prod"
	}
	if strings.HasPrefix(p.id, "K8S") || strings.HasPrefix(p.id, "CKV_K8S") || strings.HasPrefix(p.id, "PSS") {
		return "local"
	}
	return "prod"
}

// each reports a violation for every resource of the type that fails ok.
func each(w *world, token string, ok func(r mocktest.Resource) string) (bool, []string) {
	rs := w.byType(token)
	var out []string
	for _, r := range rs {
		if why := ok(r); why != "" {
			out = append(out, r.Name+": "+why)
		}
	}
	return len(rs) > 0, out
}

// eachContainer reports a violation for every container (init containers with init) of every pod template.
func eachContainer(w *world, init bool, ok func(p stackPod, c containerView) string) (bool, []string) {
	var out []string
	for _, p := range w.pods {
		for _, c := range containersOf(p, init) {
			if why := ok(p, c); why != "" {
				out = append(out, fmt.Sprintf("%s %s/%s container %s: %s", p.kind, p.namespace, p.name, c.Name, why))
			}
		}
	}
	return len(w.pods) > 0, out
}

func (w *world) azure() bool { return len(w.byType(tAKS)) > 0 }

func azureOnly(check func(w *world) (bool, []string)) func(w *world) (bool, []string) {
	return func(w *world) (bool, []string) {
		if !w.azure() {
			return false, nil
		}
		return check(w)
	}
}

// Azure type tokens the rules read.
const (
	tAKS         = "azure-native:containerservice:ManagedCluster"
	tDiagnostic  = "azure-native:insights:DiagnosticSetting"
	tACR         = "azure-native:containerregistry:Registry"
	tFlexible    = "azure-native:dbforpostgresql/v20230601preview:Server"
	tStorageAcct = "azure-native:storage:StorageAccount"
	tBlob        = "azure-native:storage:BlobContainer"
	tManagedDisk = "azure-native:compute:Disk"
	tAzureRG     = "azure-native:resources:ResourceGroup"
	tAzureLock   = "azure-native:authorization:ManagementLockByScope"
)

func awsOnly(check func(w *world) (bool, []string)) func(w *world) (bool, []string) {
	return func(w *world) (bool, []string) {
		if !w.aws() {
			return false, nil
		}
		return check(w)
	}
}

const (
	tEKS      = "eks:index:Cluster"
	tNodes    = "eks:index:ManagedNodeGroup"
	tAddon    = "aws:eks/addon:Addon"
	tLT       = "aws:ec2/launchTemplate:LaunchTemplate"
	tInstance = "aws:ec2/instance:Instance"
	tRDS      = "aws:rds/instance:Instance"
	tRDSParam = "aws:rds/parameterGroup:ParameterGroup"
	tSG       = "aws:ec2/securityGroup:SecurityGroup"
	tSGRule   = "aws:ec2/securityGroupRule:SecurityGroupRule"
	tDefSG    = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	tVPC      = "aws:ec2/vpc:Vpc"
	tSubnet   = "aws:ec2/subnet:Subnet"
	tFlowLog  = "aws:ec2/flowLog:FlowLog"
	tEndpoint = "aws:ec2/vpcEndpoint:VpcEndpoint"
	tLogGroup = "aws:cloudwatch/logGroup:LogGroup"
	tBucket   = "aws:s3/bucketV2:BucketV2"
	tPAB      = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	tOwner    = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	tSSE      = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tVersion  = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	tLogging  = "aws:s3/bucketLoggingV2:BucketLoggingV2"
	tBPolicy  = "aws:s3/bucketPolicy:BucketPolicy"
	tVolume   = "aws:ebs/volume:Volume"
	tDLM      = "aws:dlm/lifecyclePolicy:LifecyclePolicy"
	tKey      = "aws:kms/key:Key"
	tECR      = "aws:ecr/repository:Repository"
	tRole     = "aws:iam/role:Role"
	tAttach   = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	tRolePol  = "aws:iam/rolePolicy:RolePolicy"
	tUserPol  = "aws:iam/userPolicy:UserPolicy"
	tAccessK  = "aws:iam/accessKey:AccessKey"

	tNamespace  = "kubernetes:core/v1:Namespace"
	tService    = "kubernetes:core/v1:Service"
	tIngress    = "kubernetes:networking.k8s.io/v1:Ingress"
	tNetPol     = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
	tClusterRol = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"
	tRoleK8s    = "kubernetes:rbac.authorization.k8s.io/v1:Role"
	tCRB        = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
)

// outName is a resource's physical name as the mock answered it.
func outName(r mocktest.Resource) string {
	if v, ok := r.Outputs["name"]; ok && v.IsString() {
		return v.StringValue()
	}
	return ""
}

func policyRules() []policyRule {
	return []policyRule{
		// --- EKS control plane ---
		{id: "CIS-EKS-2.1.1", control: "CIS EKS 2.1.1", title: "all five control plane log types go to CloudWatch",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tEKS, func(r mocktest.Resource) string {
					got := r.Strings("enabledClusterLogTypes")
					for _, l := range []string{"api", "audit", "authenticator", "controllerManager", "scheduler"} {
						if !slices.Contains(got, l) {
							return "log type " + l + " is off"
						}
					}
					return ""
				})
			}),
			fixture: func(w *world) { setIn(w, tEKS, "", "enabledClusterLogTypes", []any{"api"}) }},
		{id: "CKV_AWS_338-EKS", control: "checkov CKV_AWS_338", title: "the control plane log group keeps a year",
			check: awsOnly(func(w *world) (bool, []string) {
				var out []string
				found := false
				for _, g := range w.byType(tLogGroup) {
					if strings.HasPrefix(g.String("name"), "/aws/eks/") {
						found = true
						if g.Int("retentionInDays") < 365 {
							out = append(out, fmt.Sprintf("%s keeps %d days", g.Name, g.Int("retentionInDays")))
						}
					}
				}
				if !found {
					out = append(out, "no /aws/eks/<cluster>/cluster log group: EKS creates one that never expires")
				}
				return true, out
			}),
			fixture: func(w *world) { setIn(w, tLogGroup, "-control-plane", "retentionInDays", 30.0) }},
		{id: "CKV_AWS_58", control: "checkov CKV_AWS_58 / CIS EKS 5.3.1", title: "Secrets are envelope-encrypted with a KMS key",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tEKS, func(r mocktest.Resource) string {
					return missing(r, "encryptionConfigKeyArn")
				})
			}),
			fixture: func(w *world) { setIn(w, tEKS, "", "encryptionConfigKeyArn", nil) }},
		{id: "CIS-EKS-5.4.2", control: "CIS EKS 5.4.2", title: "the private API endpoint is on",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tEKS, func(r mocktest.Resource) string { return notTrue(r, "endpointPrivateAccess") })
			}),
			fixture: func(w *world) { setIn(w, tEKS, "", "endpointPrivateAccess", false) }},
		{id: "CKV_AWS_38", control: "checkov CKV_AWS_38 / CIS EKS 5.4.1", title: "a public API endpoint is limited to given CIDRs, never 0.0.0.0/0",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tEKS, func(r mocktest.Resource) string {
					if !r.Bool("endpointPublicAccess") {
						return ""
					}
					cidrs := r.Strings("publicAccessCidrs")
					if len(cidrs) == 0 || slices.Contains(cidrs, "0.0.0.0/0") {
						return fmt.Sprintf("public endpoint open to %v", cidrs)
					}
					return ""
				})
			}),
			fixture: func(w *world) { setIn(w, tEKS, "", "publicAccessCidrs", []any{"0.0.0.0/0"}) }},
		{id: "CIS-EKS-5.4.3", control: "CIS EKS 5.4.3", title: "nodes get no public IP",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tEKS, func(r mocktest.Resource) string {
					if v, ok := r.Get("nodeAssociatePublicIpAddress").(bool); !ok || v {
						return "nodeAssociatePublicIpAddress is not false"
					}
					return ""
				})
			}),
			fixture: func(w *world) { setIn(w, tEKS, "", "nodeAssociatePublicIpAddress", true) }},
		{id: "EKS-VERSION", control: "EKS version support calendar", title: "the Kubernetes version is in EKS support",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tEKS, func(r mocktest.Resource) string {
					var minor int
					if _, err := fmt.Sscanf(r.String("version"), "1.%d", &minor); err != nil || minor < minSupportedMinor() {
						return fmt.Sprintf("version %q is past its end of support", r.String("version"))
					}
					return ""
				})
			}),
			fixture: func(w *world) { setIn(w, tEKS, "", "version", "1.29") }},
		{id: "CIS-EKS-5.4.4", control: "CIS EKS 5.4.4", title: "the VPC CNI enforces NetworkPolicies",
			check: awsOnly(func(w *world) (bool, []string) {
				var out []string
				for _, a := range w.byType(tAddon) {
					if a.String("addonName") != "vpc-cni" {
						continue
					}
					var cfg map[string]any
					_ = json.Unmarshal([]byte(a.String("configurationValues")), &cfg)
					if cfg["enableNetworkPolicy"] != "true" {
						out = append(out, a.Name+": enableNetworkPolicy is not \"true\"")
					}
					return true, out
				}
				return true, []string{"no vpc-cni add-on"}
			}),
			fixture: func(w *world) { setIn(w, tAddon, "-vpc-cni", "configurationValues", `{}`) }},
		{id: "CIS-EKS-5.2.1", control: "CIS EKS 5.2.1 / EKS best practices (IRSA for aws-node)", title: "the CNI's IAM policy is on its own IRSA role, not on the node role",
			check: awsOnly(func(w *world) (bool, []string) {
				var out []string
				ec2Roles := map[string]bool{}
				for _, r := range w.byType(tRole) {
					if strings.Contains(r.String("assumeRolePolicy"), "ec2.amazonaws.com") {
						ec2Roles[outName(r)] = true
					}
				}
				for _, a := range w.byType(tAttach) {
					if strings.HasSuffix(a.String("policyArn"), "/AmazonEKS_CNI_Policy") && ec2Roles[a.String("role")] {
						out = append(out, a.Name+": the CNI policy is attached to an EC2 role")
					}
				}
				for _, a := range w.byType(tAddon) {
					if a.String("addonName") == "vpc-cni" && a.String("serviceAccountRoleArn") == "" {
						out = append(out, a.Name+": the vpc-cni add-on has no service account role")
					}
				}
				return true, out
			}),
			fixture: func(w *world) { setIn(w, tAddon, "-vpc-cni", "serviceAccountRoleArn", nil) }},
		// --- nodes and instances ---
		{id: "CKV_AWS_79", control: "checkov CKV_AWS_79", title: "instance metadata requires IMDSv2 tokens",
			check: awsOnly(func(w *world) (bool, []string) {
				a1, v1 := each(w, tLT, func(r mocktest.Resource) string { return notEqual(r, "metadataOptions.httpTokens", "required") })
				a2, v2 := each(w, tInstance, func(r mocktest.Resource) string { return notEqual(r, "metadataOptions.httpTokens", "required") })
				return a1 || a2, append(v1, v2...)
			}),
			fixture: func(w *world) { setIn(w, tLT, "", "metadataOptions.httpTokens", "optional") }},
		{id: "CKV_AWS_341", control: "checkov CKV_AWS_341 / CIS EKS 5.1.x (restrict IMDS)", title: "IMDS hop limit 1: pods cannot take the node role's credentials",
			check: awsOnly(func(w *world) (bool, []string) {
				a1, v1 := each(w, tLT, func(r mocktest.Resource) string { return hopLimit(r) })
				a2, v2 := each(w, tInstance, func(r mocktest.Resource) string { return hopLimit(r) })
				return a1 || a2, append(v1, v2...)
			}),
			fixture: func(w *world) { setIn(w, tLT, "", "metadataOptions.httpPutResponseHopLimit", 2.0) }},
		{id: "CKV_AWS_8", control: "checkov CKV_AWS_8", title: "node root volumes are encrypted",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tLT, func(r mocktest.Resource) string {
					for i := range r.Len("blockDeviceMappings") {
						if r.String(fmt.Sprintf("blockDeviceMappings[%d].ebs.encrypted", i)) != "true" {
							return "a block device is not encrypted"
						}
					}
					return ""
				})
			}),
			fixture: func(w *world) {
				setIn(w, tLT, "", "blockDeviceMappings", []any{map[string]any{"ebs": map[string]any{}}})
			}},
		// --- network ---
		{id: "CKV2_AWS_12", control: "checkov CKV2_AWS_12 / CIS AWS 5.4", title: "each VPC's default security group allows nothing",
			check: awsOnly(func(w *world) (bool, []string) {
				var out []string
				sgs := w.byType(tDefSG)
				if len(sgs) < len(w.byType(tVPC)) {
					out = append(out, fmt.Sprintf("%d VPCs, %d managed default security groups", len(w.byType(tVPC)), len(sgs)))
				}
				for _, s := range sgs {
					if s.Len("ingress") > 0 || s.Len("egress") > 0 {
						out = append(out, s.Name+": has rules")
					}
				}
				return true, out
			}),
			fixture: func(w *world) { drop(w, tDefSG) }},
		{id: "CKV2_AWS_11", control: "checkov CKV2_AWS_11", title: "VPC flow logs are on",
			check: awsOnly(func(w *world) (bool, []string) {
				if len(w.byType(tFlowLog)) < len(w.byType(tVPC)) {
					return true, []string{"a VPC has no flow log"}
				}
				return true, nil
			}),
			fixture: func(w *world) { drop(w, tFlowLog) }},
		{id: "CKV_AWS_130", control: "checkov CKV_AWS_130", title: "private subnets assign no public IPs",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tSubnet, func(r mocktest.Resource) string {
					if strings.Contains(r.Name, "-private-") && r.Bool("mapPublicIpOnLaunch") {
						return "maps public IPs"
					}
					return ""
				})
			}),
			fixture: func(w *world) { setIn(w, tSubnet, "-private-ap-south-1a", "mapPublicIpOnLaunch", true) }},
		{id: "CIS-AWS-5.2", control: "CIS AWS Foundations 5.2 / checkov CKV_AWS_24,25,260", title: "no security group admits 0.0.0.0/0",
			check: awsOnly(func(w *world) (bool, []string) {
				a1, v1 := each(w, tSG, func(r mocktest.Resource) string {
					for i := range r.Len("ingress") {
						if slices.Contains(r.Strings(fmt.Sprintf("ingress[%d].cidrBlocks", i)), "0.0.0.0/0") {
							return "ingress from 0.0.0.0/0"
						}
					}
					return ""
				})
				a2, v2 := each(w, tSGRule, func(r mocktest.Resource) string {
					if r.String("type") == "ingress" && slices.Contains(r.Strings("cidrBlocks"), "0.0.0.0/0") {
						return "ingress from 0.0.0.0/0"
					}
					return ""
				})
				return a1 || a2, append(v1, v2...)
			}),
			fixture: func(w *world) { setIn(w, tSGRule, "-postgres-from-0", "cidrBlocks", []any{"0.0.0.0/0"}) }},
		{id: "EC2.10", control: "AWS Security Hub EC2.10", title: "S3, ECR, STS and Logs are reached through VPC endpoints",
			check: awsOnly(func(w *world) (bool, []string) {
				have := map[string]bool{}
				for _, e := range w.byType(tEndpoint) {
					// com.amazonaws.<region>.<service>
					if parts := strings.SplitN(e.String("serviceName"), ".", 4); len(parts) == 4 {
						have[parts[3]] = true
					}
					if e.String("vpcEndpointType") == "Interface" && !e.Bool("privateDnsEnabled") {
						return true, []string{e.Name + ": private DNS is off, so clients still resolve the public endpoint"}
					}
				}
				var out []string
				for _, s := range []string{"s3", "ecr.api", "ecr.dkr", "sts", "logs"} {
					if !have[s] {
						out = append(out, "no "+s+" endpoint")
					}
				}
				return true, out
			}),
			fixture: func(w *world) { drop(w, tEndpoint) }},
		{id: "DIGIT-NET-1", control: "audit finding: the bastion reaches nothing", title: "a bastion may reach the database and the Kubernetes API",
			check: awsOnly(func(w *world) (bool, []string) {
				var bastion string
				for _, g := range w.byType(tSG) {
					if strings.HasPrefix(g.String("description"), "Bastion ") {
						bastion = g.ID
					}
				}
				if bastion == "" {
					return false, nil
				}
				ports := map[int]bool{}
				for _, r := range w.byType(tSGRule) {
					if r.String("type") == "ingress" && r.String("sourceSecurityGroupId") == bastion {
						ports[r.Int("fromPort")] = true
					}
				}
				var out []string
				if !ports[5432] {
					out = append(out, "no Postgres rule from the bastion's security group")
				}
				if !ports[443] {
					out = append(out, "no 443 rule from the bastion's security group into the cluster's")
				}
				return true, out
			}),
			// A bastion whose group nothing admits.
			fixture: func(w *world) {
				w.res = append(w.res, mocktest.Resource{Type: tSG, Name: "fixture-bastion", ID: "sg-fixture", Custom: true,
					Inputs: resource.NewPropertyMapFromMap(map[string]any{"description": "Bastion fixture"})})
			}},
		// --- database ---
		{id: "CKV_AWS_16", control: "checkov CKV_AWS_16", title: "database storage is encrypted with the stack's key",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tRDS, func(r mocktest.Resource) string {
					return notTrue(r, "storageEncrypted") + missing(r, "kmsKeyId")
				})
			}),
			fixture: func(w *world) { setIn(w, tRDS, "", "storageEncrypted", false) }},
		{id: "CKV_AWS_17", control: "checkov CKV_AWS_17", title: "the database is not publicly accessible",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tRDS, func(r mocktest.Resource) string {
					if v, ok := r.Get("publiclyAccessible").(bool); !ok || v {
						return "publiclyAccessible is not false"
					}
					return ""
				})
			}),
			fixture: func(w *world) { setIn(w, tRDS, "", "publiclyAccessible", true) }},
		{id: "CKV2_AWS_69", control: "checkov CKV2_AWS_69", title: "the database refuses unencrypted connections (rds.force_ssl=1)",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tRDSParam, func(r mocktest.Resource) string {
					for i := range r.Len("parameters") {
						if r.String(fmt.Sprintf("parameters[%d].name", i)) == "rds.force_ssl" &&
							r.String(fmt.Sprintf("parameters[%d].value", i)) == "1" {
							return ""
						}
					}
					return "rds.force_ssl is not 1"
				})
			}),
			fixture: func(w *world) { setIn(w, tRDSParam, "", "parameters", []any{}) }},
		{id: "CKV_AWS_157", control: "checkov CKV_AWS_157", title: "the database has a standby in another zone",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tRDS, func(r mocktest.Resource) string { return notTrue(r, "multiAz") })
			}),
			fixture: func(w *world) { setIn(w, tRDS, "", "multiAz", false) }},
		{id: "CKV_AWS_118", control: "checkov CKV_AWS_118", title: "enhanced monitoring is on",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tRDS, func(r mocktest.Resource) string {
					if r.Int("monitoringInterval") == 0 {
						return "monitoringInterval is 0"
					}
					return missing(r, "monitoringRoleArn")
				})
			}),
			fixture: func(w *world) { setIn(w, tRDS, "", "monitoringInterval", nil) }},
		{id: "CKV_AWS_161", control: "checkov CKV_AWS_161", title: "IAM database authentication is on",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tRDS, func(r mocktest.Resource) string { return notTrue(r, "iamDatabaseAuthenticationEnabled") })
			}),
			fixture: func(w *world) { setIn(w, tRDS, "", "iamDatabaseAuthenticationEnabled", false) }},
		{id: "CKV_AWS_129", control: "checkov CKV_AWS_129", title: "Postgres logs are exported to CloudWatch",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tRDS, func(r mocktest.Resource) string {
					if !slices.Contains(r.Strings("enabledCloudwatchLogsExports"), "postgresql") {
						return "the postgresql log is not exported"
					}
					return ""
				})
			}),
			fixture: func(w *world) { setIn(w, tRDS, "", "enabledCloudwatchLogsExports", nil) }},
		{id: "CKV_AWS_354", control: "checkov CKV_AWS_353 / CKV_AWS_354", title: "Performance Insights is on, encrypted with the stack's key",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tRDS, func(r mocktest.Resource) string {
					return notTrue(r, "performanceInsightsEnabled") + missing(r, "performanceInsightsKmsKeyId")
				})
			}),
			fixture: func(w *world) { setIn(w, tRDS, "", "performanceInsightsKmsKeyId", nil) }},
		{id: "CKV_AWS_226", control: "checkov CKV_AWS_226", title: "minor engine upgrades are automatic",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tRDS, func(r mocktest.Resource) string { return notTrue(r, "autoMinorVersionUpgrade") })
			}),
			fixture: func(w *world) { setIn(w, tRDS, "", "autoMinorVersionUpgrade", false) }},
		{id: "CKV_AWS_133", control: "checkov CKV_AWS_133", title: "automated backups are kept at least 7 days",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tRDS, func(r mocktest.Resource) string {
					if r.Int("backupRetentionPeriod") < 7 {
						return fmt.Sprintf("backups kept %d days", r.Int("backupRetentionPeriod"))
					}
					return ""
				})
			}),
			fixture: func(w *world) { setIn(w, tRDS, "", "backupRetentionPeriod", 1.0) }},
		{id: "CKV_AWS_293", control: "checkov CKV_AWS_293 / Security Hub RDS.8", title: "RDS refuses to delete the database",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tRDS, func(r mocktest.Resource) string { return notTrue(r, "deletionProtection") })
			}),
			fixture: func(w *world) { setIn(w, tRDS, "", "deletionProtection", false) }},
		{id: "DIGIT-DATA-1", control: "no silent data loss", title: "deleting the database leaves a final snapshot and its automated backups",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tRDS, func(r mocktest.Resource) string {
					if r.Bool("skipFinalSnapshot") || r.String("finalSnapshotIdentifier") == "" {
						return "no final snapshot"
					}
					if v, ok := r.Get("deleteAutomatedBackups").(bool); !ok || v {
						return "automated backups are deleted with the instance"
					}
					return ""
				})
			}),
			fixture: func(w *world) { setIn(w, tRDS, "", "deleteAutomatedBackups", true) }},
		{id: "DIGIT-DATA-2", control: "no silent data loss", title: "the database, disks, bucket and keys are protected from `pulumi destroy`; disks and their key also retained",
			check: awsOnly(func(w *world) (bool, []string) {
				var out []string
				for _, token := range []string{tRDS, tVolume, tBucket, tKey} {
					for _, r := range w.byType(token) {
						if !r.Protect {
							out = append(out, r.Name+": not protected")
						}
						if token == tVolume && !r.RetainOnDelete {
							out = append(out, r.Name+": not retained on delete")
						}
					}
				}
				return true, out
			}),
			fixture: func(w *world) {
				setOpt(w, tVolume, "-kafka-0", func(r *mocktest.Resource) { r.RetainOnDelete = false })
			}},
		// --- AKS and the Azure layer ---
		{id: "CKV_AZURE_6", control: "checkov CKV_AZURE_6 / CIS AKS 5.4.1", title: "the public API server is limited to authorized IP ranges (or the cluster is private)",
			check: azureOnly(func(w *world) (bool, []string) {
				return each(w, tAKS, func(r mocktest.Resource) string {
					ranges := r.Strings("apiServerAccessProfile.authorizedIPRanges")
					if r.Bool("apiServerAccessProfile.enablePrivateCluster") {
						return ""
					}
					if len(ranges) == 0 || slices.Contains(ranges, "0.0.0.0/0") {
						return fmt.Sprintf("authorized ranges %v", ranges)
					}
					return ""
				})
			}),
			fixture: func(w *world) { setIn(w, tAKS, "", "apiServerAccessProfile.authorizedIPRanges", []any{"0.0.0.0/0"}) }},
		{id: "CKV_AZURE_7", control: "checkov CKV_AZURE_7 / CIS AKS 5.4.4", title: "the cluster enforces NetworkPolicies",
			check: azureOnly(func(w *world) (bool, []string) {
				return each(w, tAKS, func(r mocktest.Resource) string { return missing(r, "networkProfile.networkPolicy") })
			}),
			fixture: func(w *world) { setIn(w, tAKS, "", "networkProfile.networkPolicy", nil) }},
		{id: "CKV_AZURE_141", control: "checkov CKV_AZURE_141 / CIS AKS 3.1", title: "local accounts are off (access through Entra ID)",
			check: azureOnly(func(w *world) (bool, []string) {
				return each(w, tAKS, func(r mocktest.Resource) string { return notTrue(r, "disableLocalAccounts") })
			})},
		{id: "CKV_AZURE_170", control: "checkov CKV_AZURE_170", title: "the cluster is on the Standard tier (financially backed API server SLA)",
			check: azureOnly(func(w *world) (bool, []string) {
				return each(w, tAKS, func(r mocktest.Resource) string { return notEqual(r, "sku.tier", "Standard") })
			}),
			fixture: func(w *world) { setIn(w, tAKS, "", "sku.tier", "Free") }},
		{id: "CKV_AZURE_168", control: "checkov CKV_AZURE_168", title: "node pools allow at least 50 pods per node",
			check: azureOnly(func(w *world) (bool, []string) {
				return each(w, tAKS, func(r mocktest.Resource) string {
					for i := 0; i < r.Len("agentPoolProfiles"); i++ {
						if n := r.Int(fmt.Sprintf("agentPoolProfiles[%d].maxPods", i)); n < 50 {
							return fmt.Sprintf("pool %s: maxPods %d", r.String(fmt.Sprintf("agentPoolProfiles[%d].name", i)), n)
						}
					}
					return ""
				})
			}),
			fixture: func(w *world) { setIn(w, tAKS, "", "agentPoolProfiles[1].maxPods", 30) }},
		{id: "CKV_AZURE_4", control: "checkov CKV_AZURE_4 / CIS AKS 2.1.1", title: "control-plane and container logs go to Azure Monitor",
			check: azureOnly(func(w *world) (bool, []string) {
				return each(w, tAKS, func(r mocktest.Resource) string {
					why := notTrue(r, "addonProfiles.omsagent.enabled") +
						missing(r, "addonProfiles.omsagent.config.logAnalyticsWorkspaceResourceID")
					audited := false
					for _, d := range w.byType(tDiagnostic) {
						for i := range d.Len("logs") {
							cat := d.String(fmt.Sprintf("logs[%d].category", i))
							audited = audited || d.String("resourceUri") == r.ID && d.String("workspaceId") != "" &&
								(cat == "kube-audit" || cat == "kube-audit-admin") && d.Bool(fmt.Sprintf("logs[%d].enabled", i))
						}
					}
					if !audited {
						why += "no diagnostic setting sends its audit log to a workspace; "
					}
					return why
				})
			}),
			fixture: func(w *world) { drop(w, tDiagnostic) }},
		{id: "CKV_AZURE_137", control: "checkov CKV_AZURE_137", title: "the container registry's admin user is off",
			check: azureOnly(func(w *world) (bool, []string) {
				return each(w, tACR, func(r mocktest.Resource) string {
					if v, ok := r.Get("adminUserEnabled").(bool); !ok || v {
						return "admin user on (or left to the default)"
					}
					return ""
				})
			}),
			fixture: func(w *world) { setIn(w, tACR, "", "adminUserEnabled", true) }},
		{id: "CKV_AZURE_136", control: "checkov CKV_AZURE_136", title: "the flexible server keeps geo-redundant backups",
			check: azureOnly(func(w *world) (bool, []string) {
				return each(w, tFlexible, func(r mocktest.Resource) string { return notEqual(r, "backup.geoRedundantBackup", "Enabled") })
			}),
			fixture: func(w *world) { setIn(w, tFlexible, "", "backup.geoRedundantBackup", "Disabled") }},
		{id: "CKV_AZURE_PG_PRIVATE", control: "checkov CKV_AZURE_68 (flexible server)", title: "the flexible server has no public access and sits in a delegated subnet",
			check: azureOnly(func(w *world) (bool, []string) {
				return each(w, tFlexible, func(r mocktest.Resource) string {
					return notEqual(r, "network.publicNetworkAccess", "Disabled") + missing(r, "network.delegatedSubnetResourceId")
				})
			}),
			fixture: func(w *world) { setIn(w, tFlexible, "", "network.publicNetworkAccess", "Enabled") }},
		{id: "CKV_AZURE_44", control: "checkov CKV_AZURE_44 / CKV_AZURE_3", title: "storage accounts take HTTPS only, TLS 1.2 or later",
			check: azureOnly(func(w *world) (bool, []string) {
				return each(w, tStorageAcct, func(r mocktest.Resource) string {
					return notEqual(r, "minimumTlsVersion", "TLS1_2") + notTrue(r, "enableHttpsTrafficOnly")
				})
			}),
			fixture: func(w *world) { setIn(w, tStorageAcct, "", "minimumTlsVersion", "TLS1_0") }},
		{id: "CKV_AZURE_190", control: "checkov CKV_AZURE_190 / CKV_AZURE_34", title: "no blob is publicly readable",
			check: azureOnly(func(w *world) (bool, []string) {
				_, out := each(w, tStorageAcct, func(r mocktest.Resource) string {
					if v, ok := r.Get("allowBlobPublicAccess").(bool); !ok || v {
						return "allowBlobPublicAccess is not false"
					}
					return ""
				})
				_, more := each(w, tBlob, func(r mocktest.Resource) string { return notEqual(r, "publicAccess", "None") })
				return true, append(out, more...)
			}),
			fixture: func(w *world) { setIn(w, tBlob, "", "publicAccess", "Blob") }},
		{id: "CKV_AZURE_93", control: "checkov CKV_AZURE_93", title: "managed disks are encrypted with a customer managed key",
			check: azureOnly(func(w *world) (bool, []string) {
				return each(w, tManagedDisk, func(r mocktest.Resource) string { return missing(r, "encryption.diskEncryptionSetId") })
			})},
		{id: "DIGIT-DATA-AZ", control: "no silent data loss", title: "on Azure the resource groups, flexible server, disks and storage are protected and retained; the server has a delete lock",
			check: azureOnly(func(w *world) (bool, []string) {
				var out []string
				for _, token := range []string{tAzureRG, tFlexible, tManagedDisk, tStorageAcct, tBlob} {
					for _, r := range w.byType(token) {
						if !r.Protect || !r.RetainOnDelete {
							out = append(out, r.Name+": not protected and retained")
						}
					}
				}
				if len(w.byType(tAzureLock)) == 0 {
					out = append(out, "no CanNotDelete lock on the flexible server")
				}
				return true, out
			}),
			fixture: func(w *world) {
				setOpt(w, tManagedDisk, "-kafka-0", func(r *mocktest.Resource) { r.RetainOnDelete = false })
			}},
		{id: "DIGIT-DATA-3", control: "no silent data loss", title: "every resource a stack protects is one `up` refuses to replace or delete without --allow-data-loss",
			check: func(w *world) (bool, []string) {
				var out []string
				applies := false
				for _, r := range w.res {
					if !r.Custom || !r.Protect {
						continue
					}
					applies = true
					if _, ok := stateful.Types[r.Type]; !ok {
						out = append(out, r.Name+": "+r.Type+" is protected but not in internal/stateful.Types")
					}
				}
				return applies, out
			},
			fixture: func(w *world) { setOpt(w, tVPC, "", func(r *mocktest.Resource) { r.Protect = true }) }},
		// --- storage ---
		{id: "CKV_AWS_189", control: "checkov CKV_AWS_3 / CKV_AWS_189", title: "backbone disks are encrypted with a customer managed key",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tVolume, func(r mocktest.Resource) string { return notTrue(r, "encrypted") + missing(r, "kmsKeyId") })
			}),
			fixture: func(w *world) { setIn(w, tVolume, "-kafka-0", "kmsKeyId", nil) }},
		{id: "EC2.28", control: "AWS Security Hub EC2.28", title: "every backbone disk is covered by a daily snapshot policy",
			check: awsOnly(func(w *world) (bool, []string) {
				var out []string
				targets := map[string]string{}
				for _, p := range w.byType(tDLM) {
					for k, v := range p.StringMap("policyDetails.targetTags") {
						targets[k] = v
					}
					if p.String("state") != "ENABLED" || p.Int("policyDetails.schedules[0].retainRule.count") < 1 {
						out = append(out, p.Name+": disabled or keeps nothing")
					}
				}
				return each2(w, tVolume, out, func(r mocktest.Resource) string {
					for k, v := range targets {
						if r.Tags()[k] == v {
							return ""
						}
					}
					return "no snapshot policy targets its tags"
				})
			}),
			fixture: func(w *world) { drop(w, tDLM) }},
		{id: "CKV_AWS_7", control: "checkov CKV_AWS_7", title: "KMS keys rotate yearly",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tKey, func(r mocktest.Resource) string { return notTrue(r, "enableKeyRotation") })
			}),
			fixture: func(w *world) { setIn(w, tKey, "-secrets", "enableKeyRotation", false) }},
		{id: "CKV_AWS_145", control: "checkov CKV_AWS_145 / CKV_AWS_19", title: "the filestore bucket is encrypted with the stack's KMS key",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tSSE, func(r mocktest.Resource) string {
					if strings.HasSuffix(r.Name, "-access-logs") {
						return notEqual(r, "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm", "AES256")
					}
					return notEqual(r, "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm", "aws:kms") +
						missing(r, "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId")
				})
			}),
			fixture: func(w *world) {
				setIn(w, tSSE, "-prod", "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm", "AES256")
			}},
		{id: "CKV_AWS_53-56", control: "checkov CKV_AWS_53, 54, 55, 56", title: "every bucket blocks public ACLs and policies",
			check: awsOnly(func(w *world) (bool, []string) {
				var out []string
				if len(w.byType(tPAB)) < len(w.byType(tBucket)) {
					out = append(out, "a bucket has no public access block")
				}
				_, v := each(w, tPAB, func(r mocktest.Resource) string {
					return notTrue(r, "blockPublicAcls") + notTrue(r, "blockPublicPolicy") + notTrue(r, "ignorePublicAcls") +
						notTrue(r, "restrictPublicBuckets")
				})
				return len(w.byType(tBucket)) > 0, append(out, v...)
			}),
			fixture: func(w *world) { setIn(w, tPAB, "-prod", "restrictPublicBuckets", false) }},
		{id: "CKV2_AWS_65", control: "checkov CKV2_AWS_65", title: "bucket ACLs are off (BucketOwnerEnforced)",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tOwner, func(r mocktest.Resource) string { return notEqual(r, "rule.objectOwnership", "BucketOwnerEnforced") })
			}),
			fixture: func(w *world) { setIn(w, tOwner, "-prod", "rule.objectOwnership", "ObjectWriter") }},
		{id: "S3.5", control: "AWS Security Hub S3.5", title: "buckets refuse requests without TLS",
			check: awsOnly(func(w *world) (bool, []string) {
				var out []string
				if len(w.byType(tBPolicy)) < len(w.byType(tBucket)) {
					out = append(out, "a bucket has no policy")
				}
				_, v := each(w, tBPolicy, func(r mocktest.Resource) string {
					if !strings.Contains(r.String("policy"), `"aws:SecureTransport":"false"`) {
						return "no deny on aws:SecureTransport=false"
					}
					return ""
				})
				return len(w.byType(tBucket)) > 0, append(out, v...)
			}),
			fixture: func(w *world) { setIn(w, tBPolicy, "-prod", "policy", `{}`) }},
		{id: "CKV_AWS_21", control: "checkov CKV_AWS_21", title: "the filestore bucket keeps object versions",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tVersion, func(r mocktest.Resource) string { return notEqual(r, "versioningConfiguration.status", "Enabled") })
			}),
			fixture: func(w *world) { setIn(w, tVersion, "-prod", "versioningConfiguration.status", "Suspended") }},
		{id: "CKV_AWS_18", control: "checkov CKV_AWS_18", title: "the filestore bucket's access is logged",
			check: awsOnly(func(w *world) (bool, []string) {
				if len(w.byType(tBucket)) == 0 {
					return false, nil
				}
				if len(w.byType(tLogging)) == 0 {
					return true, []string{"no bucket logging"}
				}
				return each(w, tLogging, func(r mocktest.Resource) string { return missing(r, "targetBucket") })
			}),
			fixture: func(w *world) { drop(w, tLogging) }},
		{id: "CKV_AWS_163", control: "checkov CKV_AWS_163 / CKV_AWS_51 / CKV_AWS_136", title: "registry repositories scan on push, have immutable tags, are encrypted with the stack's KMS key",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tECR, func(r mocktest.Resource) string {
					return notTrue(r, "imageScanningConfiguration.scanOnPush") +
						notEqual(r, "imageTagMutability", "IMMUTABLE") + notEqual(r, "encryptionConfigurations[0].encryptionType", "KMS") +
						missing(r, "encryptionConfigurations[0].kmsKey")
				})
			}),
			fixture: func(w *world) { setIn(w, tECR, "-egovio/egov-user", "imageTagMutability", "MUTABLE") }},
		{id: "CKV_AWS_158", control: "checkov CKV_AWS_158", title: "CloudWatch log groups are encrypted with a KMS key",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tLogGroup, func(r mocktest.Resource) string { return missing(r, "kmsKeyId") })
			}),
			fixture: func(w *world) { setIn(w, tLogGroup, "-flow-logs", "kmsKeyId", nil) }},
		{id: "CKV_AWS_62", control: "checkov CKV_AWS_62 / CKV_AWS_274", title: "no IAM policy grants every action, no role holds AdministratorAccess",
			check: awsOnly(func(w *world) (bool, []string) {
				var out []string
				for _, token := range []string{tRolePol, tUserPol} {
					for _, p := range w.byType(token) {
						if strings.Contains(p.String("policy"), `"Action":"*"`) || strings.Contains(p.String("policy"), `"Action":["*"]`) {
							out = append(out, p.Name+": Action *")
						}
					}
				}
				for _, a := range w.byType(tAttach) {
					if strings.HasSuffix(a.String("policyArn"), "/AdministratorAccess") {
						out = append(out, a.Name+": AdministratorAccess")
					}
				}
				return true, out
			}),
			fixture: func(w *world) {
				setIn(w, tRolePol, "-prod", "policy", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
			}},
		{id: "CKV_AWS_273", control: "checkov CKV_AWS_273", title: "no IAM user has a long-lived access key",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tAccessK, func(r mocktest.Resource) string { return "an access key of user " + r.String("user") })
			}),
			fixture: nil},
		{id: "EKS-AUTH", control: "EKS best practices (access entries) / CIS EKS 5.5.1", title: "cluster access is managed with EKS access entries, not the aws-auth ConfigMap",
			check: awsOnly(func(w *world) (bool, []string) {
				return each(w, tEKS, func(r mocktest.Resource) string { return notEqual(r, "authenticationMode", "API") })
			}),
			fixture: func(w *world) { setIn(w, tEKS, "", "authenticationMode", "API_AND_CONFIG_MAP") }},

		// --- Kubernetes ---
		{id: "PSS-ENFORCE", control: "Pod Security Standards (restricted unless waived in the catalogue)", title: "every namespace enforces a Pod Security level",
			check: func(w *world) (bool, []string) {
				return each(w, tNamespace, func(r mocktest.Resource) string {
					if r.Label("pod-security.kubernetes.io/enforce") == "" {
						return "no pod-security.kubernetes.io/enforce label"
					}
					return ""
				})
			},
			fixture: func(w *world) { setIn(w, tNamespace, "", "metadata.labels", map[string]any{}) }},
		{id: "CIS-K8S-5.7.4", control: "CIS Kubernetes 5.7.4 / checkov CKV_K8S_21", title: "nothing runs in the default namespace",
			check: func(w *world) (bool, []string) {
				var out []string
				for _, p := range w.pods {
					if p.namespace == "" || p.namespace == "default" {
						out = append(out, p.kind+" "+p.name+" in the default namespace")
					}
				}
				return len(w.pods) > 0, out
			},
			fixture: func(w *world) { w.pods[0].namespace = "default" }},
		{id: "CKV_K8S_8-9", control: "checkov CKV_K8S_8, CKV_K8S_9", title: "long-running containers have liveness and readiness probes",
			check: func(w *world) (bool, []string) {
				return eachContainer(w, false, func(p stackPod, c containerView) string {
					if p.kind == "Job" || p.kind == "CronJob" {
						return ""
					}
					if c.LivenessProbe == nil || c.ReadinessProbe == nil {
						return "a probe is missing"
					}
					return ""
				})
			},
			fixture: func(w *world) { w.pods[0].spec.Containers[0].ReadinessProbe = nil; w.pods[0].kind = "Deployment" }},
		{id: "CKV_K8S_10-13", control: "checkov CKV_K8S_10, 11, 12, 13", title: "every container and init container has CPU and memory requests and limits",
			check: func(w *world) (bool, []string) {
				return eachContainer(w, true, func(_ stackPod, c containerView) string {
					r := c.Resources
					for _, l := range []string{"cpu", "memory"} {
						if _, ok := r.Requests[corev1ResourceName(l)]; !ok {
							return "no " + l + " request"
						}
						if _, ok := r.Limits[corev1ResourceName(l)]; !ok {
							return "no " + l + " limit"
						}
					}
					return ""
				})
			},
			fixture: func(w *world) { w.pods[0].spec.Containers[0].Resources.Limits = nil }},
		{id: "CKV_K8S_14", control: "checkov CKV_K8S_14", title: "images carry a fixed tag or digest, never latest",
			check: func(w *world) (bool, []string) {
				return eachContainer(w, true, func(_ stackPod, c containerView) string {
					img := c.Image
					if strings.Contains(img, "@sha256:") {
						return ""
					}
					name := img[strings.LastIndex(img, "/")+1:]
					if !strings.Contains(name, ":") || strings.HasSuffix(name, ":latest") {
						return "image " + img + " has no fixed tag"
					}
					return ""
				})
			},
			fixture: func(w *world) { w.pods[0].spec.Containers[0].Image = "egovio/egov-user:latest" }},
		{id: "CKV_K8S_16-19", control: "checkov CKV_K8S_16, 17, 18, 19 / Pod Security baseline", title: "no host network, PID or IPC; privileged only in namespaces whose waiver says why",
			check: func(w *world) (bool, []string) {
				waived := map[string]bool{}
				for _, n := range w.byType(tNamespace) {
					if n.Label("pod-security.kubernetes.io/enforce") == "privileged" {
						waived[n.MetadataName()] = true
					}
				}
				var out []string
				for _, p := range w.pods {
					if p.spec.HostNetwork || p.spec.HostPID || p.spec.HostIPC {
						out = append(out, p.kind+" "+p.namespace+"/"+p.name+": host namespaces")
					}
					for _, c := range containersOf(p, true) {
						if c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged && !waived[p.namespace] {
							out = append(out, p.kind+" "+p.namespace+"/"+p.name+": privileged container "+c.Name)
						}
					}
				}
				return len(w.pods) > 0, out
			},
			fixture: func(w *world) { w.pods[0].spec.HostNetwork = true }},
		{id: "CKV_K8S_35", control: "checkov CKV_K8S_35 (credentials as literals)", title: "no password, secret or key is a literal env value: each comes from a Secret",
			check: func(w *world) (bool, []string) {
				return eachContainer(w, true, func(_ stackPod, c containerView) string {
					for _, e := range c.Env {
						if e.Value != "" && credentialName.MatchString(strings.ToUpper(e.Name)) && !placeholder(e.Value) {
							return "env " + e.Name + " is a literal"
						}
					}
					return ""
				})
			},
			fixture: func(w *world) {
				w.pods[0].spec.Containers[0].Env = append(w.pods[0].spec.Containers[0].Env, envVar("SPRING_DATASOURCE_PASSWORD", "egov"))
			}},
		{id: "CIS-K8S-5.1.3", control: "CIS Kubernetes 5.1.3 / 5.1.1", title: "no role uses wildcards or nodes/proxy; nothing is bound to cluster-admin",
			check: func(w *world) (bool, []string) {
				var out []string
				for _, token := range []string{tClusterRol, tRoleK8s} {
					for _, r := range w.byType(token) {
						for i := range r.Len("rules") {
							for _, f := range []string{"verbs", "resources", "apiGroups"} {
								if slices.Contains(r.Strings(fmt.Sprintf("rules[%d].%s", i, f)), "*") {
									out = append(out, r.Name+": * in "+f)
								}
							}
							if slices.Contains(r.Strings(fmt.Sprintf("rules[%d].resources", i)), "nodes/proxy") {
								out = append(out, r.Name+": nodes/proxy")
							}
						}
					}
				}
				for _, b := range w.byType(tCRB) {
					if b.String("roleRef.name") == "cluster-admin" {
						out = append(out, b.Name+": bound to cluster-admin")
					}
				}
				return len(w.byType(tClusterRol))+len(w.byType(tRoleK8s)) > 0, out
			},
			fixture: func(w *world) {
				setIn(w, tClusterRol, "", "rules", []any{map[string]any{"apiGroups": []any{""}, "resources": []any{"nodes/proxy"}, "verbs": []any{"get"}}})
			}},
		{id: "K8S-PROM-LIFECYCLE", control: "audit finding (Prometheus --web.enable-lifecycle)", title: "Prometheus exposes no lifecycle (shutdown, reload) endpoint",
			check: func(w *world) (bool, []string) {
				found := false
				_, out := eachContainer(w, false, func(_ stackPod, c containerView) string {
					if c.Name != "prometheus" {
						return ""
					}
					found = true
					if slices.Contains(c.Args, "--web.enable-lifecycle") {
						return "--web.enable-lifecycle"
					}
					return ""
				})
				return found, out
			},
			fixture: func(w *world) {
				for i := range w.pods {
					for j := range w.pods[i].spec.Containers {
						if w.pods[i].spec.Containers[j].Name == "prometheus" {
							w.pods[i].spec.Containers[j].Args = append(w.pods[i].spec.Containers[j].Args, "--web.enable-lifecycle")
						}
					}
				}
			}},
		{id: "K8S-EXPOSURE", control: "CIS Kubernetes 5.7 (minimise exposed services)", title: "only the ingress controller is a LoadBalancer; no NodePort services",
			check: func(w *world) (bool, []string) {
				return each(w, tService, func(r mocktest.Resource) string {
					switch r.String("spec.type") {
					case "NodePort":
						return "NodePort"
					case "LoadBalancer":
						if !strings.Contains(r.MetadataName(), "ingress") {
							return "LoadBalancer"
						}
					}
					return ""
				})
			},
			fixture: func(w *world) { setIn(w, tService, "", "spec.type", "NodePort") }},
		{id: "CIS-K8S-5.3.2", control: "CIS Kubernetes 5.3.2", title: "every namespace has a default-deny NetworkPolicy",
			check: func(w *world) (bool, []string) {
				deny := map[string]bool{}
				for _, np := range w.byType(tNetPol) {
					if np.Len("spec.podSelector") == 0 && np.Len("spec.ingress") == 0 {
						deny[np.Namespace()] = true
					}
				}
				return each(w, tNamespace, func(r mocktest.Resource) string {
					if !deny[r.MetadataName()] {
						return "no default-deny ingress NetworkPolicy"
					}
					return ""
				})
			},
			fixture: func(w *world) { drop(w, tNetPol) }},
		{id: "DIGIT-NET-2", control: "audit finding: a flat data plane", title: "a namespace admits other namespaces on named ports only",
			check: func(w *world) (bool, []string) {
				return each(w, tNetPol, func(r mocktest.Resource) string {
					for i := range r.Len("spec.ingress") {
						from := fmt.Sprintf("spec.ingress[%d].from", i)
						own := r.Len(from) == 1 && r.String(from+`[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]`) == r.Namespace()
						if !own && r.Len(fmt.Sprintf("spec.ingress[%d].ports", i)) == 0 {
							return fmt.Sprintf("ingress rule %d admits other sources on every port", i)
						}
					}
					return ""
				})
			},
			fixture: func(w *world) { setIn(w, tNetPol, "-kafka-cluster-allow", "spec.ingress[1].ports", nil) }},
		{id: "CKV_K8S_22", control: "checkov CKV_K8S_22", title: "containers run with a read-only root filesystem",
			check: func(w *world) (bool, []string) {
				return eachContainer(w, false, func(_ stackPod, c containerView) string {
					if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
						return "the root filesystem is writable"
					}
					return ""
				})
			},
			fixture: nil},
		{id: "CKV_K8S_38", control: "checkov CKV_K8S_38", title: "pods that do not call the API mount no service account token",
			check: func(w *world) (bool, []string) {
				var out []string
				for _, p := range w.pods {
					if p.spec.ServiceAccountName == "" || p.spec.ServiceAccountName == "default" {
						if p.spec.AutomountServiceAccountToken == nil || *p.spec.AutomountServiceAccountToken {
							out = append(out, p.kind+" "+p.namespace+"/"+p.name+": mounts the default service account's token")
						}
					}
				}
				return len(w.pods) > 0, out
			},
			fixture: func(w *world) {
				w.pods[0].spec.AutomountServiceAccountToken = nil
				w.pods[0].spec.ServiceAccountName = ""
			}},
	}
}

// --- rule helpers ---

func missing(r mocktest.Resource, path string) string {
	if r.Get(path) == nil || r.String(path) == "" && r.Len(path) == 0 {
		return path + " is not set; "
	}
	return ""
}

func notTrue(r mocktest.Resource, path string) string {
	if !r.Bool(path) {
		return path + " is not true; "
	}
	return ""
}

func notEqual(r mocktest.Resource, path, want string) string {
	if got := r.String(path); got != want {
		return fmt.Sprintf("%s is %q, want %q; ", path, got, want)
	}
	return ""
}

func hopLimit(r mocktest.Resource) string {
	if n := r.Int("metadataOptions.httpPutResponseHopLimit"); n != 1 {
		return fmt.Sprintf("hop limit %d", n)
	}
	return ""
}

func each2(w *world, token string, prior []string, ok func(r mocktest.Resource) string) (bool, []string) {
	applies, v := each(w, token, ok)
	return applies, append(prior, v...)
}

// credentialName is an env name that holds a credential (not one that names or switches one:
// MASTER_PASSWORD_PROVIDER, CITIZEN_LOGIN_PASSWORD_OTP_ENABLED).
var credentialName = regexp.MustCompile(`(PASSWORD|PASSWD|SECRET|SECRET_?KEY|TOKEN|API_?KEY)$`)

// placeholder is an env value that names no credential: empty, or a reference to another variable.
func placeholder(v string) bool { return strings.HasPrefix(v, "$(") }

// --- fixture helpers: copy-on-write edits of a world ---

// setIn sets path (dots and [i]) on every resource of the type whose name ends with suffix; a nil value deletes.
func setIn(w *world, token, suffix, path string, v any) {
	edited := false
	for i, r := range w.res {
		if r.Type != token || !strings.HasSuffix(r.Name, suffix) {
			continue
		}
		m, _ := r.Get("").(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		setPath(m, path, v)
		w.res[i].Inputs = resource.NewPropertyMapFromMap(m)
		edited = true
	}
	if !edited {
		panic(fmt.Sprintf("fixture: no %s named *%s in %s", token, suffix, w.stack))
	}
}

func setOpt(w *world, token, suffix string, edit func(r *mocktest.Resource)) {
	for i := range w.res {
		if w.res[i].Type == token && strings.HasSuffix(w.res[i].Name, suffix) {
			edit(&w.res[i])
		}
	}
}

func setPath(m map[string]any, path string, v any) {
	parts := strings.Split(strings.ReplaceAll(path, "[", ".["), ".")
	var cur any = m
	for i, p := range parts {
		last := i == len(parts)-1
		if strings.HasPrefix(p, "[") {
			var idx int
			fmt.Sscanf(p, "[%d]", &idx)
			arr := cur.([]any)
			if last {
				arr[idx] = v
				return
			}
			cur = arr[idx]
			continue
		}
		obj := cur.(map[string]any)
		if last {
			if v == nil {
				delete(obj, p)
			} else {
				obj[p] = v
			}
			return
		}
		if _, ok := obj[p]; !ok {
			obj[p] = map[string]any{}
		}
		cur = obj[p]
	}
}

func drop(w *world, token string) {
	w.res = slices.DeleteFunc(w.res, func(r mocktest.Resource) bool { return r.Type == token })
}

func (w *world) clone(t *testing.T) *world {
	c := &world{stack: w.stack, res: slices.Clone(w.res), pods: make([]stackPod, len(w.pods))}
	for i, p := range w.pods {
		c.pods[i] = p
		b, err := json.Marshal(p.spec)
		if err != nil {
			t.Fatal(err)
		}
		c.pods[i].spec = decodeSpec(t, b)
	}
	return c
}

// --- waivers ---

// policyWaiver is one entry of policy-waivers.yaml: a rule a stack does not meet, and why.
type policyWaiver struct {
	Rule   string   `json:"rule"`
	Stacks []string `json:"stacks"`
	Reason string   `json:"reason"`
}

func loadWaivers(t *testing.T) map[string]map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), "policy-waivers.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var list []policyWaiver
	if err := yaml.UnmarshalStrict(b, &list); err != nil {
		t.Fatalf("policy-waivers.yaml: %v", err)
	}
	out := map[string]map[string]string{}
	for _, w := range list {
		if strings.TrimSpace(w.Reason) == "" {
			t.Errorf("policy-waivers.yaml: the waiver of %s gives no reason", w.Rule)
		}
		for _, s := range w.Stacks {
			if out[w.Rule] == nil {
				out[w.Rule] = map[string]string{}
			}
			out[w.Rule][s] = strings.Join(strings.Fields(w.Reason), " ")
		}
	}
	return out
}

var policyStacks = []string{"dev", "prod", "local", "azure-prod"}

func stackWorld(t *testing.T, stack string) *world {
	r := renderStack(t, stack)
	return &world{stack: stack, res: r.rec.All(), pods: stackPods(t, r.rec)}
}

// TestPolicySuite runs every rule on every committed stack and prints the table: rule, stack, pass / waived / n/a.
// A violation without a waiver fails, and so does a waiver that is no longer needed or names no rule or stack.
func TestPolicySuite(t *testing.T) {
	rules := policyRules()
	waivers := loadWaivers(t)
	known := map[string]bool{}
	for _, r := range rules {
		if known[r.id] {
			t.Errorf("rule %s is defined twice", r.id)
		}
		known[r.id] = true
	}
	for id, byStack := range waivers {
		if !known[id] {
			t.Errorf("policy-waivers.yaml waives %s, which is no rule", id)
		}
		for s := range byStack {
			if !slices.Contains(policyStacks, s) {
				t.Errorf("policy-waivers.yaml waives %s on %s, which is no committed stack", id, s)
			}
		}
	}
	counts := map[string]int{}
	for _, stack := range policyStacks {
		w := stackWorld(t, stack)
		for _, r := range rules {
			applies, violations := r.check(w)
			reason := waivers[r.id][stack]
			status := "pass"
			switch {
			case !applies:
				status = "n/a"
				if reason != "" {
					t.Errorf("%s: %s does not apply, yet policy-waivers.yaml waives it", stack, r.id)
				}
			case len(violations) > 0 && reason == "":
				status = "FAIL"
				sort.Strings(violations)
				t.Errorf("%s: %s (%s) %s:\n  %s", stack, r.id, r.control, r.title, strings.Join(violations, "\n  "))
			case len(violations) > 0:
				status = "waived: " + reason
			case reason != "":
				t.Errorf("%s: %s passes; remove its waiver from policy-waivers.yaml (%q)", stack, r.id, reason)
			}
			counts[strings.SplitN(status, ":", 2)[0]]++
			if len(status) > 100 {
				status = status[:97] + "..."
			}
			report(t, "policy | %-18s | %-5s | %s", r.id, stack, status)
		}
	}
	report(t, "policy total | %d rules x %d stacks | pass %d, waived %d, n/a %d, fail %d", len(rules), len(policyStacks),
		counts["pass"], counts["waived"], counts["n/a"], counts["FAIL"])
	if len(rules) < 40 {
		t.Errorf("%d rules; the suite promises at least 40", len(rules))
	}
}

// TestPolicyRulesFailOnTheirFixture: each rule, given the prod (cloud rules) or local (Kubernetes rules) stack with
// the one thing it guards broken, reports a violation. A rule without a fixture must be waived on every stack it
// applies to (it documents a gap), so it is exercised by TestPolicySuite's waiver check instead.
func TestPolicyRulesFailOnTheirFixture(t *testing.T) {
	worlds := map[string]*world{}
	waivers := loadWaivers(t)
	for _, r := range policyRules() {
		t.Run(r.id, func(t *testing.T) {
			stack := r.fixtureStack()
			if worlds[stack] == nil {
				worlds[stack] = stackWorld(t, stack)
			}
			if r.fixture == nil {
				if len(waivers[r.id]) == 0 {
					t.Fatalf("%s has no fixture and no waiver: nothing shows it can fail", r.id)
				}
				return
			}
			w := worlds[stack].clone(t)
			if applies, v := r.check(w); applies && len(v) > 0 && waivers[r.id][stack] == "" {
				t.Fatalf("%s fails on %s before the fixture: %v", r.id, stack, v)
			}
			r.fixture(w)
			if applies, v := r.check(w); !applies || len(v) == 0 {
				t.Errorf("%s still passes on %s with its fixture applied (applies %v)", r.id, stack, applies)
			}
		})
	}
}

// TestREADMEListsEveryPolicyRule: the README's security section has a row per rule, whose last column names the
// stacks policy-waivers.yaml waives it on, so the table a user reads is the suite that runs.
func TestREADMEListsEveryPolicyRule(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	waivers := loadWaivers(t)
	for _, r := range policyRules() {
		prefix := "| `" + r.id + "` |"
		var row string
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, prefix) {
				row = line
			}
		}
		if row == "" {
			t.Errorf("README.md has no row for policy rule %s", r.id)
			continue
		}
		cols := strings.Split(strings.Trim(row, "| "), " | ")
		want := "—"
		if stacks := waivers[r.id]; len(stacks) > 0 {
			var names []string
			for _, s := range policyStacks {
				if stacks[s] != "" {
					names = append(names, s)
				}
			}
			want = strings.Join(names, ", ")
		}
		if got := cols[len(cols)-1]; got != want {
			t.Errorf("README.md says %s is waived on %q; policy-waivers.yaml says %q", r.id, got, want)
		}
	}
}

func ruleByID(t *testing.T, id string) policyRule {
	for _, r := range policyRules() {
		if r.id == id {
			return r
		}
	}
	t.Fatalf("no rule %s", id)
	return policyRule{}
}

// TestBastionReachesDatabaseAndAPI: with digit:bastion on, DIGIT-NET-1 applies and passes: the database's group
// and the cluster's admit the bastion's (no committed stack runs a bastion, so the suite's table shows n/a).
func TestBastionReachesDatabaseAndAPI(t *testing.T) {
	r := runAWS(t, stackConfig(t, "prod", map[string]string{"digit:bastion": `{"enabled": true}`}))
	applies, v := ruleByID(t, "DIGIT-NET-1").check(&world{stack: "prod+bastion", res: r.m.All()})
	if !applies || len(v) > 0 {
		t.Errorf("DIGIT-NET-1 with a bastion: applies %v, violations %v", applies, v)
	}
}

// TestReorderedZonesMoveNothing: the zones listed in another order give every subnet, disk and static
// PersistentVolume the same inputs, so an up after reordering replaces none of them.
func TestReorderedZonesMoveNothing(t *testing.T) {
	stateful := func(zones string) map[string]string {
		r := runAWS(t, stackConfig(t, "prod", map[string]string{"digit:zones": zones}))
		out := map[string]string{}
		for _, token := range []string{tSubnet, tVolume, "kubernetes:core/v1:PersistentVolume"} {
			for _, res := range r.m.ByType(token) {
				b, err := json.Marshal(res.Get(""))
				if err != nil {
					t.Fatal(err)
				}
				out[token+" "+res.Name] = string(b)
			}
		}
		return out
	}
	a := stateful(`["ap-south-1a", "ap-south-1b", "ap-south-1c"]`)
	b := stateful(`["ap-south-1c", "ap-south-1a", "ap-south-1b"]`)
	if len(a) == 0 {
		t.Fatal("no subnets, disks or PersistentVolumes registered")
	}
	for k, v := range a {
		if b[k] != v {
			t.Errorf("%s changes when the zones are reordered:\n  before %s\n  after  %s", k, v, b[k])
		}
	}
	if len(a) != len(b) {
		t.Errorf("%d stateful resources before reordering, %d after", len(a), len(b))
	}
}

// TestNetworkAllowLists: the allow-list policies the local stack renders, namespace by namespace: who gets in, on
// which pod ports, is what the DIGIT roles need, and nothing else (fluent-bit and cert-manager do not reach the
// services or Kafka; no DIGIT service reaches ZooKeeper, Kafka Connect's REST API or Kibana; traced services reach
// the Jaeger agent).
func TestNetworkAllowLists(t *testing.T) {
	r := renderStack(t, "local")
	got := allowLists(r.rec)
	for ns, want := range map[string][]string{
		"egov":              {"egov: every port", "ingress-nginx: 80/TCP,8080/TCP", "monitoring: 80/TCP,8080/TCP"},
		"backbone":          {"backbone: every port", "egov: 6379/TCP"},
		"kafka-cluster":     {"kafka-cluster: every port", "egov: 9092/TCP"},
		"zookeeper-cluster": {"zookeeper-cluster: every port", "kafka-cluster: 2181/TCP"},
		"es-cluster":        {"es-cluster: every port", "egov: 9200/TCP,9300/TCP", "kafka-cluster: 9200/TCP", "logging: 9200/TCP"},
		"logging":           {"logging: every port", "monitoring: 2020/TCP"},
		"monitoring":        {"monitoring: every port", "egov: 6831/UDP,6832/UDP,5778/TCP"},
		"ingress-nginx":     {"ingress-nginx: every port", "monitoring: 10254/TCP", "*: 80/TCP,443/TCP"},
	} {
		if !slices.Equal(got[ns], want) {
			t.Errorf("namespace %s admits\n  %s\nwant\n  %s", ns, strings.Join(got[ns], "\n  "), strings.Join(want, "\n  "))
		}
	}
	if len(got) != len(namespaceLabels(r.rec)) {
		t.Errorf("allow-lists in %d namespaces, %d namespaces", len(got), len(namespaceLabels(r.rec)))
	}
	// With a domain (prod), the ingress controller also reaches cert-manager's HTTP-01 solver beside the services'
	// Ingresses, and the API server cert-manager's webhook.
	prod := allowLists(renderStack(t, "prod").rec)
	for ns, want := range map[string]string{"egov": "ingress-nginx: 80/TCP,8080/TCP,8089/TCP", "cert-manager": "*: 10250/TCP"} {
		if !slices.Contains(prod[ns], want) {
			t.Errorf("prod: namespace %s admits %v, want a rule %q", ns, prod[ns], want)
		}
	}
}

// allowLists are the rules of every allow-ingress policy, by namespace: "<sources>: <port>/<protocol>,...", "*" for
// every source, "every port" for a rule without ports.
func allowLists(rec *mocktest.Recorder) map[string][]string {
	out := map[string][]string{}
	for _, np := range rec.ByType(tNetPol) {
		if np.MetadataName() != "allow-ingress" {
			continue
		}
		for i := range np.Len("spec.ingress") {
			from := []string{"*"}
			if n := np.Len(fmt.Sprintf("spec.ingress[%d].from", i)); n > 0 {
				from = nil
				for j := range n {
					from = append(from, np.String(fmt.Sprintf(`spec.ingress[%d].from[%d].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]`, i, j)))
				}
			}
			ports := []string{"every port"}
			if n := np.Len(fmt.Sprintf("spec.ingress[%d].ports", i)); n > 0 {
				ports = nil
				for j := range n {
					ports = append(ports, fmt.Sprintf("%v/%s", np.Get(fmt.Sprintf("spec.ingress[%d].ports[%d].port", i, j)),
						np.String(fmt.Sprintf("spec.ingress[%d].ports[%d].protocol", i, j))))
				}
			}
			out[np.Namespace()] = append(out[np.Namespace()], strings.Join(from, ",")+": "+strings.Join(ports, ","))
		}
	}
	return out
}

// --- Kubernetes helpers ---

type containerView = corev1.Container

func containersOf(p stackPod, init bool) []corev1.Container {
	if init {
		return append(slices.Clone(p.spec.InitContainers), p.spec.Containers...)
	}
	return p.spec.Containers
}

func corev1ResourceName(n string) corev1.ResourceName { return corev1.ResourceName(n) }

func envVar(name, value string) corev1.EnvVar { return corev1.EnvVar{Name: name, Value: value} }

func decodeSpec(t *testing.T, b []byte) corev1.PodSpec {
	var s corev1.PodSpec
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func minSupportedMinor() int { return limits.MinKubernetesMinor }

// The up guard refuses a plan that lowers a size at the paths of stateful.Sizes: each path must lead to a size in
// what the committed stacks register, or a renamed input would silently turn the check off.
func TestEverySizeTheGuardWatchesIsRegistered(t *testing.T) {
	seen := map[string]int{}
	for _, stack := range policyStacks {
		for _, r := range renderStack(t, stack).rec.All() {
			path, ok := stateful.Sizes[r.Type]
			if !ok {
				continue
			}
			seen[r.Type]++
			if v, ok := r.Get(path).(float64); !ok || v <= 0 {
				t.Errorf("%s %s: no size at %s (got %T %v)", stack, r.Name, path, r.Get(path), r.Get(path))
			}
		}
	}
	for typ := range stateful.Sizes {
		if seen[typ] == 0 {
			t.Errorf("no committed stack registers %s: its size path is unchecked", typ)
		}
	}
}
