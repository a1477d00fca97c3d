package handlers

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

func healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers 200 only when every dependency (the database, Redis when
// configured) answers within two seconds.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	results := make(map[string]string, len(s.ready))
	var mu sync.Mutex
	var wg sync.WaitGroup
	ready := true
	for _, chk := range s.ready {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status := "ok"
			if err := chk.Ping(ctx); err != nil {
				status = "unavailable"
				s.log.Warn("readiness check failed", "check", chk.Name, "error", err.Error())
			}
			mu.Lock()
			results[chk.Name] = status
			if status != "ok" {
				ready = false
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if !ready {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "checks": results})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "checks": results})
}
