package geo

import (
	"os"
	"testing"

	"github.com/illuwa/illuwa/geo/redistest"
)

// TestMain stops the Redis Cluster the cluster tests share, if one started.
func TestMain(m *testing.M) { os.Exit(redistest.Main(m)) }
