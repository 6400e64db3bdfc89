// Command digit is the Pulumi program that stands up the eGov DIGIT platform: `pulumi up -s <stack>`.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/stacks"
)

func main() {
	pulumi.Run(stacks.Program)
}
