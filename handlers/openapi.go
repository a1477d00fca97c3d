package handlers

import (
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/illuwa/illuwa/docs"
	"sigs.k8s.io/yaml"
)

// The OpenAPI document of the API, served as the YAML it is written in and as
// JSON.

var openAPIJSON = sync.OnceValues(func() ([]byte, error) { return yaml.YAMLToJSON(docs.OpenAPI) })

func openAPIYAML(c *gin.Context) {
	c.Data(http.StatusOK, "application/yaml", docs.OpenAPI)
}

func openAPIJSONHandler(c *gin.Context) {
	b, err := openAPIJSON()
	if err != nil {
		fail(c, err)
		return
	}
	c.Data(http.StatusOK, "application/json", b)
}
