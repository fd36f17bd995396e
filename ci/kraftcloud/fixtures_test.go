package kraftcloud

import (
	"fmt"
	"os"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func mustRead(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Answers as the platform documents them (the Unikraft Cloud docs and
// OpenAPI spec examples), replayed verbatim.

// docGetInstance is the platform documentation's example answer of GET
// /v1/instances (the instances page of the Unikraft Cloud docs).
var docGetInstance = mustRead("api/testdata/get-instance.json")

const docCreateInstance = `{"status":"success","data":{"instances":[{
  "status":"success","state":"starting","uuid":"bd281cc4-7640-4cbc-af48-5a44c2bd7b74","name":"openfga",
  "private_fqdn":"openfga.internal","private_ip":"10.0.0.37",
  "service_group":{"uuid":"d20c8a02-...","name":"floral-sun-54ixkmi6","domains":[{"fqdn":"floral-sun-54ixkmi6.fra.unikraft.app"}]},
  "boot_time_us": 75698 }]}}`

const docNotFound = `{"status":"error","message":"Failed to perform all operations","data":{"instances":[
  {"status":"error","name":"funky-town-g756b5d","message":"No instance with name 'funky-town-g756b5d'","error":8}]},
  "op_time_us":432}`

const docPartial = `{"status":"partial_success","message":"Failed to perform all operations","data":{"instances":[
  {"status":"success","uuid":"bd281cc4-7640-4cbc-af48-5a44c2bd7b74","name":"openfga","state":"running"},
  {"status":"error","name":"postgres","message":"No instance with name 'postgres'","error":8}]}}`

const docUnauthorized = `{"status":"error","message":"Unauthorized","errors":[{"status":401}]}`

const docQuotas = `{"status":"success","data":{"quotas":[{"status":"success","uuid":"u-1",
  "used":{"instances":2,"live_instances":1,"live_vcpus":1,"live_memory_mb":1024,"service_groups":1,"services":2,"volumes":0,"total_volume_mb":0},
  "hard":{"instances":16,"live_vcpus":4,"live_memory_mb":4096,"service_groups":16,"services":32,"volumes":8,"total_volume_mb":2048},
  "limits":{"min_memory_mb":16,"max_memory_mb":4096,"min_vcpus":1,"max_vcpus":4}}]}}`
