package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kith-network/kith/node/api"
)

// TestDeviceCommands: device list names this node and the communities it
// is vouched for in; device remove refuses this node and a malformed id
// (the removal itself is TestDevices in node).
func TestDeviceCommands(t *testing.T) {
	a := startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Devices", "--invite-only")
	var ds []api.Device
	if err := json.Unmarshal([]byte(a.mustRun(t, "device", "list", "--json")), &ds); err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || !ds[0].This || len(ds[0].Communities) != 1 || ds[0].Communities[0].String() != community {
		t.Fatalf("device list: %+v", ds)
	}
	if out := a.mustRun(t, "device", "list"); !strings.Contains(out, ds[0].PeerID) || !strings.Contains(out, "(this node)") {
		t.Errorf("device list: %q", out)
	}
	for args, want := range map[string]string{
		ds[0].PeerID: "is this node: remove it from another of your devices",
		"nonsense":   "is not a peer id",
	} {
		if r := a.run(t, "device", "remove", args); r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Errorf("device remove %s: exit %d, %q", args, r.code, r.stderr)
		}
	}
}
