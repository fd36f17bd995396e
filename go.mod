module github.com/openfga-kraftcloud/openfga-kraftcloud

go 1.25.0

require (
	github.com/google/go-containerregistry v0.22.1 // indirect
	golang.org/x/mod v0.39.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
