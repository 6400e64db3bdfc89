package azure

import (
	"fmt"
	"slices"

	compute "github.com/pulumi/pulumi-azure-native-sdk/compute/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DiskSkus are the disk types a backbone replica may use: locally redundant ones, which can be pinned to a zone
// (a zone-redundant disk cannot).
var DiskSkus = []string{"Premium_LRS", "StandardSSD_LRS", "Standard_LRS"}

// DiskRole is one backbone role's disks.
type DiskRole struct {
	Name     string
	Replicas int
	SizeGB   int
	Sku      string
}

// DisksArgs configures the backbone's disks.
type DisksArgs struct {
	ResourceGroupName pulumi.StringInput
	Location          string
	// Zones ("1", "2", "3") the replicas are spread over, round-robin in order. Required.
	Zones   []string
	Roles   []DiskRole
	Protect bool
	Tags    map[string]string
}

// Disk is one replica's disk.
type Disk struct {
	ID pulumi.StringOutput
	// Zone is the disk's zone as nodes label it (<location>-<n>), for the PV's node affinity.
	Zone   string
	SizeGB int
}

// Disks are the managed disks of the backbone StatefulSets, one per replica.
type Disks struct {
	pulumi.ResourceState
	ByRole map[string][]Disk
}

// NewDisks creates one encrypted, zone-pinned managed disk per replica.
func NewDisks(ctx *pulumi.Context, name string, args DisksArgs, opts ...pulumi.ResourceOption) (*Disks, error) {
	e := &argErrors{component: "digit:azure:Disks"}
	if len(args.Zones) == 0 {
		e.add("Zones", "at least one zone is required")
	}
	for _, r := range args.Roles {
		if !slices.Contains(DiskSkus, r.Sku) {
			e.add("Roles", "%s: sku %q is not one of %v", r.Name, r.Sku, DiskSkus)
		}
		if r.SizeGB < 4 || r.SizeGB > 32767 {
			e.add("Roles", "%s: sizeGb %d must be between 4 and 32767", r.Name, r.SizeGB)
		}
		if r.Replicas < 1 {
			e.add("Roles", "%s: replicas %d must be at least 1", r.Name, r.Replicas)
		}
	}
	if err := e.err(); err != nil {
		return nil, err
	}
	comp := &Disks{ByRole: map[string][]Disk{}}
	if err := ctx.RegisterComponentResource("digit:azure:Disks", name, comp, opts...); err != nil {
		return nil, err
	}
	out := pulumi.Map{}
	for _, r := range args.Roles {
		ids := pulumi.StringArray{}
		for i := 0; i < r.Replicas; i++ {
			zone := args.Zones[i%len(args.Zones)]
			d, err := compute.NewDisk(ctx, fmt.Sprintf("%s-%s-%d", name, r.Name, i), &compute.DiskArgs{
				ResourceGroupName: args.ResourceGroupName, Location: pulumi.String(args.Location), Tags: TagsInput(args.Tags),
				Zones:        pulumi.StringArray{pulumi.String(zone)},
				Sku:          &compute.DiskSkuArgs{Name: pulumi.String(r.Sku)},
				DiskSizeGB:   pulumi.Int(r.SizeGB),
				CreationData: &compute.CreationDataArgs{CreateOption: pulumi.String("Empty")},
				// Encrypted at rest with Azure's keys; never exported.
				Encryption:          &compute.EncryptionArgs{Type: pulumi.String("EncryptionAtRestWithPlatformKey")},
				NetworkAccessPolicy: pulumi.String("DenyAll"),
				PublicNetworkAccess: pulumi.String("Disabled"),
			}, append([]pulumi.ResourceOption{pulumi.Parent(comp)}, protectOpts(args.Protect)...)...)
			if err != nil {
				return nil, err
			}
			id := d.ID().ToStringOutput()
			comp.ByRole[r.Name] = append(comp.ByRole[r.Name], Disk{ID: id, Zone: NodeZoneLabel(args.Location, zone), SizeGB: r.SizeGB})
			ids = append(ids, id)
		}
		out[r.Name] = ids
	}
	return comp, ctx.RegisterResourceOutputs(comp, out)
}
