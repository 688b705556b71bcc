// Command external-secrets is the controller manager. The root command runs the reconcilers;
// the webhook subcommand serves the validating admission webhook and certcontroller keeps its
// certificates.
package main

import (
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
)

func main() {
	if err := newRootCommand().ExecuteContext(ctrl.SetupSignalHandler()); err != nil {
		os.Exit(1)
	}
}
