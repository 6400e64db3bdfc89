package awstest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Kubeconfig is the kubeconfig JSON the mocked eks:index:Cluster answers with.
const Kubeconfig = `{"apiVersion":"v1","kind":"Config","clusters":[{"name":"mock","cluster":{"server":"https://mock.eks.amazonaws.com"}}]}`

// defaultOutputs is what every custom resource answers besides its inputs: an id, a name (its name input, else its
// namePrefix input and a suffix, else PhysicalName) and an arn, plus the type-specific outputs the components read:
//
//   - aws:ec2/securityGroup:SecurityGroup, aws:ec2/subnet:Subnet, aws:ec2/vpc:Vpc...: id only
//   - aws:iam/role:Role: arn arn:aws:iam::<account>:role/<name>, name
//   - aws:ecr/repository:Repository: repositoryUrl <account>.dkr.ecr.<region>.amazonaws.com/<name>, name
//   - aws:rds/instance:Instance: address, endpoint, port 5432, and masterUserSecrets when
//     manageMasterUserPassword is set
//   - aws:s3/bucketV2:BucketV2: bucket <bucketPrefix>mock (or its bucket input), also its ID; arn arn:aws:s3:::<bucket>
//   - aws:ec2/eip:Eip: allocationId eipalloc-<id>, publicIp
//   - aws:ec2/launchTemplate:LaunchTemplate: latestVersion 1
//   - eks:index:Cluster (remote component): kubeconfigJson (Kubeconfig), kubeconfig (the same, parsed)
func defaultOutputs(args pulumi.MockResourceArgs, id string) resource.PropertyMap {
	out := resource.PropertyMap{}
	if args.TypeToken == "eks:index:Cluster" {
		var kc map[string]any
		_ = json.Unmarshal([]byte(Kubeconfig), &kc)
		out["kubeconfigJson"] = resource.MakeSecret(resource.NewProperty(Kubeconfig))
		out["kubeconfig"] = resource.NewProperty(resource.NewPropertyMapFromMap(kc))
		return out
	}
	if !args.Custom {
		return out
	}
	name := PhysicalName(args.TypeToken, args.Name)
	if v := args.Inputs["name"]; v.IsString() && v.StringValue() != "" {
		name = v.StringValue()
	} else if v := args.Inputs["namePrefix"]; v.IsString() && v.StringValue() != "" {
		// The provider appends a unique suffix to the prefix.
		name = v.StringValue() + strings.TrimPrefix(PhysicalName(args.TypeToken, ""), "-")
	}
	// Auto-named resources (subnet groups, parameter groups, roles...) report their physical name.
	out["name"] = resource.NewProperty(name)
	svc, typ := serviceAndType(args.TypeToken)
	out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:%s:%s:%s:%s/%s", svc, Region, AccountID, typ, name))

	switch args.TypeToken {
	case "aws:iam/role:Role", "aws:iam/instanceProfile:InstanceProfile", "aws:iam/policy:Policy":
		out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:iam::%s:%s/%s", AccountID, typ, name))
		out["name"] = resource.NewProperty(name)
	case "aws:iam/accessKey:AccessKey":
		// AWS returns the secret once, at creation; the id is the access key id.
		out["secret"] = resource.MakeSecret(resource.NewProperty("mock-secret-access-key-" + name))
	case "aws:kms/key:Key":
		out["keyId"] = resource.NewProperty(id)
		out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", Region, AccountID, id))
	case "aws:ecr/repository:Repository":
		out["name"] = resource.NewProperty(name)
		out["repositoryUrl"] = resource.NewProperty(fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", AccountID, Region, name))
		out["registryId"] = resource.NewProperty(AccountID)
	case "aws:rds/instance:Instance":
		host := name + ".abcdefghijkl." + Region + ".rds.amazonaws.com"
		out["address"] = resource.NewProperty(host)
		out["endpoint"] = resource.NewProperty(host + ":5432")
		out["port"] = resource.NewProperty(5432.0)
		if v := args.Inputs["manageMasterUserPassword"]; v.IsBool() && v.BoolValue() {
			out["masterUserSecrets"] = resource.NewProperty([]resource.PropertyValue{
				resource.NewProperty(resource.PropertyMap{
					"secretArn": resource.NewProperty(fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:rds!db-%s",
						Region, AccountID, id)),
					"secretStatus": resource.NewProperty("active"),
				}),
			})
		}
	case "aws:s3/bucketV2:BucketV2":
		bucket := ""
		if v := args.Inputs["bucket"]; v.IsString() {
			bucket = v.StringValue()
		} else if v := args.Inputs["bucketPrefix"]; v.IsString() {
			bucket = v.StringValue() + "mock"
		} else {
			bucket = args.Name + "-mock"
		}
		out["bucket"] = resource.NewProperty(bucket)
		out["arn"] = resource.NewProperty("arn:aws:s3:::" + bucket)
	case "aws:ec2/eip:Eip":
		out["allocationId"] = resource.NewProperty("eipalloc-" + id)
		out["publicIp"] = resource.NewProperty("203.0.113.10")
	case "aws:ec2/launchTemplate:LaunchTemplate":
		out["latestVersion"] = resource.NewProperty(1.0)
	case "aws:cloudwatch/logGroup:LogGroup":
		out["name"] = resource.NewProperty(name)
		out["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", Region, AccountID, name))
	}
	return out
}

// PhysicalName is the name the mock gives an auto-named resource (one without a name input): the logical name and a
// suffix derived from the type token, as the provider appends a random suffix. Resources of different types that
// share a logical name (a component's subnet group, parameter group and security group are all "<name>") so get
// different physical names, and a test can tell which one another resource refers to.
func PhysicalName(token, logical string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(token))
	return fmt.Sprintf("%s-%07x", logical, h.Sum32()&0xfffffff)
}

// serviceAndType splits aws:ec2/subnet:Subnet into ("ec2", "subnet").
func serviceAndType(token string) (string, string) {
	parts := strings.Split(token, ":")
	if len(parts) != 3 {
		return "mock", "resource"
	}
	mod, _, _ := strings.Cut(parts[1], "/")
	return mod, strings.ToLower(parts[2][:1]) + parts[2][1:]
}

// defaultCall answers the invokes the components use:
//
//   - aws:index/getCallerIdentity:getCallerIdentity: accountId AccountID
//   - aws:index/getRegion:getRegion: name Region
//   - aws:index/getPartition:getPartition: partition aws
//   - aws:secretsmanager/getSecretVersion:getSecretVersion: secretString {"username":"egov","password":ManagedPassword}
//   - aws:ssm/getParameter:getParameter: value AmiID
//   - aws:iam/getPolicyDocument:getPolicyDocument: json, the statements re-encoded as an IAM document
//   - aws:eks/getAddonVersion:getAddonVersion: version AddonVersion(addon, kubernetesVersion, mostRecent)
//
// Any other token fails the invoke with an error naming it: a mock that echoed unknown invokes back would let a
// wrong invoke token (or an invoke nobody expected) pass. Add an answer to Mocks.Invokes where a test needs one.
func defaultCall(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	switch args.Token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.PropertyMap{
			"accountId": resource.NewProperty(AccountID),
			"arn":       resource.NewProperty("arn:aws:iam::" + AccountID + ":user/test"),
			"userId":    resource.NewProperty("AIDAMOCK"),
			"id":        resource.NewProperty(AccountID),
		}, nil
	case "aws:index/getRegion:getRegion":
		return resource.PropertyMap{"name": resource.NewProperty(Region), "id": resource.NewProperty(Region)}, nil
	case "aws:index/getPartition:getPartition":
		return resource.PropertyMap{
			"partition": resource.NewProperty("aws"), "dnsSuffix": resource.NewProperty("amazonaws.com"),
			"id": resource.NewProperty("aws"),
		}, nil
	case "aws:secretsmanager/getSecretVersion:getSecretVersion":
		s, _ := json.Marshal(map[string]string{"username": "egov", "password": ManagedPassword})
		out := args.Args.Copy()
		out["secretString"] = resource.NewProperty(string(s))
		out["id"] = resource.NewProperty("secret-version")
		out["versionId"] = resource.NewProperty("v1")
		return out, nil
	case "aws:ssm/getParameter:getParameter":
		out := args.Args.Copy()
		out["value"] = resource.NewProperty(AmiID)
		out["insecureValue"] = resource.NewProperty(AmiID)
		out["type"] = resource.NewProperty("String")
		out["id"] = out["name"]
		return out, nil
	case "aws:eks/getAddonVersion:getAddonVersion":
		out := args.Args.Copy()
		out["version"] = resource.NewProperty(AddonVersion(args.Args["addonName"].StringValue(),
			args.Args["kubernetesVersion"].StringValue(), args.Args["mostRecent"].IsBool() && args.Args["mostRecent"].BoolValue()))
		out["id"] = out["addonName"]
		return out, nil
	case "aws:iam/getPolicyDocument:getPolicyDocument":
		doc := map[string]any{"Version": "2012-10-17", "Statement": args.Args["statements"].Mappable()}
		b, _ := json.Marshal(doc)
		return resource.PropertyMap{"json": resource.NewProperty(string(b)), "id": resource.NewProperty("policy")}, nil
	}
	return nil, fmt.Errorf("awstest: no answer for invoke %q (add one to Mocks.Invokes)", args.Token)
}

// AddonVersion is the mock's answer to an add-on version lookup: a different build per add-on, minor and choice of
// the most recent or the default, so that a test sees which lookup a version came from.
func AddonVersion(addon, kubernetesVersion string, mostRecent bool) string {
	kind := "default"
	if mostRecent {
		kind = "latest"
	}
	return fmt.Sprintf("v0.0.0-%s-%s-%s", addon, strings.ReplaceAll(kubernetesVersion, ".", "-"), kind)
}
