package azure

import (
	"fmt"
	"regexp"

	storage "github.com/pulumi/pulumi-azure-native-sdk/storage/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// FilestoreContainer is the blob container egov-filestore writes to.
const FilestoreContainer = "egov-filestore"

var accountNameRe = regexp.MustCompile(`^[a-z0-9]{3,24}$`)

// FilestoreArgs configures the filestore's storage.
type FilestoreArgs struct {
	ResourceGroupName pulumi.StringInput
	Location          string
	// AccountName is the storage account's global name (GlobalName, 3-24 letters and digits). Required.
	AccountName string
	Protect     bool
	Tags        map[string]string
}

// Filestore is a storage account with a private container. egov-filestore's Azure client authenticates with the
// account key (it builds SAS URLs from it), so the key is handed over, as a secret.
type Filestore struct {
	pulumi.ResourceState

	AccountName string
	Container   pulumi.StringOutput
	// BlobHost is https://<account>.blob.core.windows.net.
	BlobHost string
	// AccountKey is the account's first key, a secret.
	AccountKey pulumi.StringOutput
}

// NewFilestore creates the account and its container.
func NewFilestore(ctx *pulumi.Context, name string, args FilestoreArgs, opts ...pulumi.ResourceOption) (*Filestore, error) {
	e := &argErrors{component: "digit:azure:Filestore"}
	if !accountNameRe.MatchString(args.AccountName) {
		e.add("AccountName", "%q must be 3-24 lower-case letters and digits", args.AccountName)
	}
	if err := e.err(); err != nil {
		return nil, err
	}
	comp := &Filestore{AccountName: args.AccountName, BlobHost: "https://" + args.AccountName + ".blob.core.windows.net"}
	if err := ctx.RegisterComponentResource("digit:azure:Filestore", name, comp, opts...); err != nil {
		return nil, err
	}
	keep := append([]pulumi.ResourceOption{pulumi.Parent(comp)}, protectOpts(args.Protect)...)
	acct, err := storage.NewStorageAccount(ctx, name, &storage.StorageAccountArgs{
		ResourceGroupName: args.ResourceGroupName, Location: pulumi.String(args.Location), Tags: TagsInput(args.Tags),
		AccountName: pulumi.String(args.AccountName),
		Kind:        pulumi.String("StorageV2"),
		// Zone-redundant: the files survive a zone.
		Sku:                    &storage.SkuArgs{Name: pulumi.String("Standard_ZRS")},
		AllowBlobPublicAccess:  pulumi.Bool(false),
		EnableHttpsTrafficOnly: pulumi.Bool(true),
		MinimumTlsVersion:      pulumi.String("TLS1_2"),
		// The image signs with the account key.
		AllowSharedKeyAccess: pulumi.Bool(true),
	}, keep...)
	if err != nil {
		return nil, err
	}
	c, err := storage.NewBlobContainer(ctx, name+"-"+FilestoreContainer, &storage.BlobContainerArgs{
		ResourceGroupName: args.ResourceGroupName, AccountName: acct.Name,
		ContainerName: pulumi.String(FilestoreContainer), PublicAccess: storage.PublicAccessNone,
	}, keep...)
	if err != nil {
		return nil, err
	}
	keys := storage.ListStorageAccountKeysOutput(ctx, storage.ListStorageAccountKeysOutputArgs{
		ResourceGroupName: args.ResourceGroupName, AccountName: acct.Name,
	}, pulumi.Parent(comp))
	comp.AccountKey = pulumi.ToSecret(keys.Keys().ApplyT(func(ks []storage.StorageAccountKeyResponse) (string, error) {
		if len(ks) == 0 {
			return "", fmt.Errorf("storage account %s returned no key", args.AccountName)
		}
		return ks[0].Value, nil
	})).(pulumi.StringOutput)
	comp.Container = c.Name
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"accountName": pulumi.String(comp.AccountName), "container": comp.Container, "accountKey": comp.AccountKey,
	})
}
