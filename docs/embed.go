// Package docs holds Illuwa's documents that the program serves (the OpenAPI
// description of the HTTP API) and the tests that keep the docs and the
// deployment files true.
package docs

import _ "embed"

// OpenAPI is the OpenAPI 3.1 description of the HTTP API, in YAML.
//
//go:embed openapi.yaml
var OpenAPI []byte
