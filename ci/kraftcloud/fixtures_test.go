package kraftcloud

import "fmt"

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// The documented answers (research doc §1, §3, §4), replayed verbatim.

const docGetInstance = `{ "status": "success", "data": { "instances": [ {
  "status": "success", "uuid": "bd281cc4-7640-4cbc-af48-5a44c2bd7b74", "name": "httpserver-go121-taud8",
  "created_at": "2026-05-28T13:53:40Z", "state": "standby",
  "private_fqdn": "httpserver-go121-taud8.internal",
  "image": "oci://unikraft.io/<my-org>/httpserver-go121:latest@sha256:7785eb...",
  "memory_mb": 256, "vcpus": 1,
  "stop_reason": 39, "exit_code": 1, "stop_code": 33024, "restart_policy": "never",
  "scale_to_zero": { "enabled": true, "policy": "on", "cooldown_time_ms": 1000, "notify_time_ms": 0, "stateful": false },
  "boot_time_us": 75698, "net_time_us": 79067, "start_count": 3,
  "started_at": "2026-05-28T13:54:43Z", "stopped_at": "2026-05-28T13:54:45Z", "uptime_ms": 47521,
  "service_group": { "uuid": "d20c8a02-...", "name": "floral-sun-54ixkmi6",
                     "domains": [ { "fqdn": "floral-sun-54ixkmi6.fra.unikraft.app" } ] },
  "network_interfaces": [ { "uuid": "16ca6566-...", "private_ip": "10.0.0.37", "mac": "12:b0:0a:00:00:25" } ],
  "private_ip": "10.0.0.37", "volumes": [] } ] } }`

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
