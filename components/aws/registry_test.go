package aws

import (
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/aws/awstest"
	"github.com/digit-iac/digit/internal/mocktest"
)

func TestRegistryRepositories(t *testing.T) {
	repos := []string{"egov/egov-user", "egov/egov-filestore"}
	var reg *Registry
	m := run(t, func(ctx *pulumi.Context) error {
		var err error
		reg, err = NewRegistry(ctx, "ecr", RegistryArgs{Repositories: repos, Protect: true})
		return err
	})
	key := only(t, m, "aws:kms/key:Key")
	if !key.Bool("enableKeyRotation") || !key.Protect {
		t.Errorf("registry key: rotation %v, protected %v", key.Bool("enableKeyRotation"), key.Protect)
	}
	if n := len(m.ByType("aws:ecr/repository:Repository")); n != 2 {
		t.Fatalf("%d repositories, want 2", n)
	}
	for _, name := range repos {
		r := m.MustFind(t, "aws:ecr/repository:Repository", "ecr-"+name)
		if r.String("name") != name {
			t.Errorf("repository name %q, want %q", r.String("name"), name)
		}
		if !r.Bool("imageScanningConfiguration.scanOnPush") {
			t.Errorf("%s: scan on push off", name)
		}
		if r.String("imageTagMutability") != "IMMUTABLE" {
			t.Errorf("%s: tags are %s", name, r.String("imageTagMutability"))
		}
		if r.String("encryptionConfigurations[0].encryptionType") != "KMS" ||
			r.String("encryptionConfigurations[0].kmsKey") != key.Outputs["arn"].StringValue() {
			t.Errorf("%s: encryption %v, want KMS with the registry's key", name, r.Get("encryptionConfigurations"))
		}
		// A changed encryption replaces the repository with its images: a repository made before the key keeps its own.
		if !slices.Contains(r.IgnoreChanges, "encryptionConfigurations") {
			t.Errorf("%s: a change of encryption would replace the repository (ignoreChanges %v)", name, r.IgnoreChanges)
		}
		if r.Bool("forceDelete") {
			t.Errorf("%s: force delete would drop images with the repository", name)
		}
		lp := m.MustFind(t, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "ecr-"+name)
		if lp.String("repository") != name {
			t.Errorf("lifecycle policy on %q", lp.String("repository"))
		}
		rules := lp.JSON(t, "policy").(map[string]any)["rules"].([]any)
		var untagged, tagged bool
		for _, rule := range rules {
			sel := rule.(map[string]any)["selection"].(map[string]any)
			switch {
			case sel["tagStatus"] == "untagged" && sel["countType"] == "sinceImagePushed" && sel["countNumber"] == 14.0:
				untagged = true
			case sel["tagStatus"] == "tagged" && sel["countType"] == "imageCountMoreThan" && sel["countNumber"] == 30.0:
				tagged = true
			}
		}
		if !untagged || !tagged {
			t.Errorf("%s lifecycle rules %v: want untagged expiry after 14 days and the last 30 tagged kept", name, rules)
		}
	}
	if u, _ := mocktest.AwaitString(t, reg.RegistryURL); u != awstest.AccountID+".dkr.ecr."+awstest.Region+".amazonaws.com" {
		t.Errorf("RegistryURL %q", u)
	}
	if u, _ := mocktest.AwaitString(t, reg.RepositoryUrls["egov/egov-user"]); u != awstest.AccountID+".dkr.ecr."+awstest.Region+".amazonaws.com/egov/egov-user" {
		t.Errorf("repository URL %q", u)
	}
	assertAllParented(t, m, "digit:aws:Registry")
}

func TestRegistryArgErrors(t *testing.T) {
	for _, repos := range [][]string{nil, {"Egov/User"}, {"egov//user"}, {"a"}, {"egov/user", "egov/user"}, {"egov/user-"}} {
		expectArgError(t, "Repositories", func(ctx *pulumi.Context) error {
			_, err := NewRegistry(ctx, "ecr", RegistryArgs{Repositories: repos})
			return err
		})
	}
}
